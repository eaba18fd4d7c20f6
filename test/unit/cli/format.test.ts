import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFindings, type FormatContext } from '../../../server/src/cli/format';
import { displayPath, locateAll } from '../../../server/src/cli/format/location';
import type { Finding, RuleId, Severity } from '../../../server/src/core/rules/types';

/** The text and JSON formats on hand-made findings: order, paths, 1-based positions, exclusive ends. */

const cwd = path.resolve('/work/project');

function finding(file: string, line: number, character: number, opts: { endLine?: number; endCharacter?: number; rule?: RuleId; severity?: Severity; message?: string } = {}): Finding {
  return {
    rule: opts.rule ?? 'missing-downgrade',
    severity: opts.severity ?? 'warning',
    message: opts.message ?? 'downgrade() does nothing.',
    file: path.isAbsolute(file) ? file : path.join(cwd, file),
    range: { start: { line, character }, end: { line: opts.endLine ?? line, character: opts.endCharacter ?? character + 4 } },
  };
}

const ctx: FormatContext = {
  cwd,
  rules: [],
  tool: { version: '0.0.0' },
};

describe('displayPath', () => {
  it.each([
    ['a file under the working directory is relative, with / separators', path.join(cwd, 'alembic/versions/001_init.py'), 'alembic/versions/001_init.py', true],
    ['a file outside it stays absolute', path.resolve('/elsewhere/001_init.py'), path.resolve('/elsewhere/001_init.py'), false],
    ['a sibling folder that shares the prefix is outside', path.resolve('/work/project-old/001.py'), path.resolve('/work/project-old/001.py'), false],
  ])('%s', (_, file, expected, relative) => {
    expect(displayPath(file, cwd)).toEqual({ file: expected, relative });
  });
});

describe('positions', () => {
  it('turns 0-based ranges into 1-based lines and columns with an exclusive end', () => {
    const [l] = locateAll([finding('a.py', 0, 4, { endCharacter: 8 })], cwd);
    expect(l).toMatchObject({ line: 1, column: 5, endLine: 1, endColumn: 9 });
  });

  it('keeps an empty range empty (the end column equals the start column)', () => {
    const [l] = locateAll([finding('a.py', 3, 0, { endCharacter: 0 })], cwd);
    expect(l).toMatchObject({ line: 4, column: 1, endLine: 4, endColumn: 1 });
  });

  it('counts columns in UTF-16 code units, as the core does', () => {
    // "😀" is two code units, so a name after it on the line starts at character 2.
    const [l] = locateAll([finding('a.py', 0, 2, { endCharacter: 6 })], cwd);
    expect(l).toMatchObject({ column: 3, endColumn: 7 });
  });
});

describe('order', () => {
  it('sorts by file, then line, then column, whatever order the rules reported in', () => {
    const findings = [
      finding('b.py', 0, 0),
      finding('a.py', 9, 0),
      finding('a.py', 1, 7),
      finding('a.py', 1, 2),
      finding(path.resolve('/elsewhere/z.py'), 0, 0),
    ];
    const lines = formatFindings('text', findings, ctx).map((line) => line.split(': ')[0]);
    expect(lines).toEqual([path.resolve('/elsewhere/z.py') + ':1:1', 'a.py:2:3', 'a.py:2:8', 'a.py:10:1', 'b.py:1:1']);
  });

  it('orders two findings at one place by rule, so output does not depend on rule order', () => {
    const a = finding('a.py', 0, 0, { rule: 'non-idempotent-op' });
    const b = finding('a.py', 0, 0, { rule: 'missing-downgrade' });
    expect(formatFindings('text', [a, b], ctx)).toEqual(formatFindings('text', [b, a], ctx));
    expect(formatFindings('text', [a, b], ctx)[0]).toContain('[missing-downgrade]');
  });
});

describe('text', () => {
  it('prints file:line:col: severity[rule-id] message', () => {
    const f = finding('alembic/versions/002.py', 11, 4, { rule: 'concurrently-in-transaction', severity: 'error', message: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction.' });
    expect(formatFindings('text', [f], ctx)).toEqual(['alembic/versions/002.py:12:5: error[concurrently-in-transaction] CREATE INDEX CONCURRENTLY cannot run inside a transaction.']);
  });

  it('prints nothing when there is nothing to report', () => {
    expect(formatFindings('text', [], ctx)).toEqual([]);
  });
});

describe('json', () => {
  it('prints a sorted array of flat objects', () => {
    const findings = [
      finding('b.py', 2, 0, { endLine: 3, endCharacter: 0, severity: 'hint', rule: 'multiple-heads', message: 'two heads' }),
      finding('a.py', 0, 4, { endCharacter: 8, severity: 'info' }),
    ];
    const [out] = formatFindings('json', findings, ctx);
    expect(JSON.parse(out!)).toEqual([
      { file: 'a.py', line: 1, column: 5, endLine: 1, endColumn: 9, rule: 'missing-downgrade', severity: 'info', message: 'downgrade() does nothing.' },
      { file: 'b.py', line: 3, column: 1, endLine: 4, endColumn: 1, rule: 'multiple-heads', severity: 'hint', message: 'two heads' },
    ]);
  });

  it('prints an empty array when there is nothing to report', () => {
    expect(formatFindings('json', [], ctx)).toEqual(['[]']);
  });
});
