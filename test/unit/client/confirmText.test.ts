import { describe, expect, it } from 'vitest';
import { confirmText, nameToType, needsConfirmation, needsTypedName, stampText, type ConfirmInput } from '../../../client/src/run/confirmText';

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

  it('asks for the name to be typed on production, and before a downgrade that reverts everything (a reset)', () => {
    const upgrade: ConfirmInput = { ...downgrade, direction: 'upgrade' };
    expect(needsTypedName(downgrade)).toBe(false);
    expect(needsTypedName(upgrade)).toBe(false);
    expect(needsTypedName({ ...upgrade, production: true })).toBe(true);
    expect(needsTypedName({ ...downgrade, production: true })).toBe(true);
    const reset: ConfirmInput = { ...downgrade, destination: 'base', revertsEverything: true };
    expect(needsTypedName(reset)).toBe(true);
    expect(needsTypedName({ ...upgrade, revertsEverything: true })).toBe(false);
    expect(confirmText(reset).detail).toContain('Every revision is reverted: dev is left with no applied revision.');
    expect(confirmText(downgrade).detail).not.toContain('Every revision');
  });

  it('has the user type the database’s name: its name in the settings, else the database of its URL', () => {
    expect(nameToType({ name: 'prod', url: 'postgresql://u@h/orchestrator_prod', display: 'postgresql://u@h/orchestrator_prod' })).toBe('prod');
    expect(nameToType({ url: 'postgresql+asyncpg://u:secret@h:5432/ragchat', display: 'postgresql+asyncpg://u:***@h:5432/ragchat' })).toBe('ragchat');
    expect(nameToType({ url: 'sqlite:///./history.db', display: 'sqlite:///./history.db' })).toBe('./history.db');
    expect(nameToType({ url: 'postgresql://h', display: 'postgresql://h' })).toBe('postgresql://h');
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
