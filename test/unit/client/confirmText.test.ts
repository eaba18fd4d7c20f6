import { describe, expect, it } from 'vitest';
import { confirmText, needsConfirmation, stampText, type ConfirmInput } from '../../../client/src/run/confirmText';

/** The confirmation before a run lists the plan in order and says what a downgrade may cost. */

const step = (id: string, message: string, isMergePoint = false) => ({ id, message, isMergePoint, isBranchPoint: false });

const downgrade: ConfirmInput = {
  direction: 'downgrade',
  database: 'dev',
  destination: '7d40e9b1f3a6',
  steps: [step('ab93e5d7c162', 'conversation timestamps with time zone'), step('41f7c2d9e8b3', 'expose tool calls to analytics')],
  crossesMergePoint: false,
  crossesBranchPoint: false,
  production: false,
};

describe('confirmations', () => {
  it('lists a downgrade newest first and warns about data', () => {
    const text = confirmText(downgrade);
    expect(text.title).toBe('Downgrade dev to 7d40e9b1f3a6? This reverts 2 revisions.');
    expect(text.detail.split('\n').slice(0, 3)).toEqual([
      'These run downgrade(), in this order:',
      '1. ab93e5d7c162  conversation timestamps with time zone',
      '2. 41f7c2d9e8b3  expose tool calls to analytics',
    ]);
    expect(text.detail).toMatch(/may drop columns, tables and the data in them/);
    expect(text.button).toBe('Downgrade');
  });

  it('asks before every downgrade, an upgrade across a merge or branch point, and anything on production', () => {
    const upgrade: ConfirmInput = { ...downgrade, direction: 'upgrade' };
    expect(needsConfirmation(downgrade)).toBe(true);
    expect(needsConfirmation(upgrade)).toBe(false);
    expect(needsConfirmation({ ...upgrade, crossesMergePoint: true })).toBe(true);
    expect(needsConfirmation({ ...upgrade, crossesBranchPoint: true })).toBe(true);
    expect(needsConfirmation({ ...upgrade, production: true })).toBe(true);
  });

  it('marks merges in an upgrade plan and says it merges branches', () => {
    const text = confirmText({ ...downgrade, direction: 'upgrade', destination: 'heads', steps: [step('7d40e9b1f3a6', 'merge', true)], crossesMergePoint: true });
    expect(text.title).toBe('Upgrade dev to heads? This applies 1 revision.');
    expect(text.detail).toContain('1. 7d40e9b1f3a6  merge  (merge)');
    expect(text.detail).toContain('The plan merges branches.');
  });

  it('says a stamp runs no migration', () => {
    expect(stampText('dev', '002', ['001']).detail).toMatch(/without running any migration \(it is at 001 now\)/);
  });
});
