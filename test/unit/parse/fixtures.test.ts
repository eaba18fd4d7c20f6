import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RevisionFile } from '../../../server/src/core/parse/types';
import { FIXTURES, fn, parseFixture, textAt } from './helpers';

type Facts = Partial<Record<'revision' | 'downRevision' | 'branchLabels' | 'dependsOn', string[] | undefined>> & {
  docstring: string | null;
};

/**
 * Generated with CPython 3.11 from the fixture files: `ast.get_docstring(clean=False)` and
 * `ast.literal_eval` of each module-level assignment passed through Alembic's to_tuple
 * (undefined where literal_eval fails). Fixtures CPython cannot compile are not listed.
 */
const CPYTHON: [string, Facts][] = [
  ['annotated-assignments.py', { docstring: "annotated\n\nRevision ID: 0b3f2a1c9d8e\nRevises:\nCreate Date: 2025-01-01 00:00:00\n\n", revision: ["0b3f2a1c9d8e"], downRevision: [], branchLabels: [], dependsOn: [] }],
  ['autocommit-block.py', { docstring: "add enum value and concurrent index", revision: ["a7c0aa000001"], downRevision: ["a7c0aa000000"] }],
  ['batch-alter-table.py', { docstring: "sqlite-friendly changes", revision: ["ba7c4a17e001"], downRevision: ["ba7c4a17e000"] }],
  ['bom.py', { docstring: "starts with a byte order mark\n\nRevision ID: b0b000000001\nRevises: b0b000000000\n", revision: ["b0b000000001"], downRevision: ["b0b000000000"] }],
  ['branch-labels-string.py', { docstring: "start the audit branch", revision: ["a0d17000001b"], downRevision: [], branchLabels: ["audit"] }],
  ['branch-labels-tuple.py', { docstring: "start the billing branch", revision: ["b111ab000001"], downRevision: [], branchLabels: ["billing"], dependsOn: [] }],
  ['branch-labels-unresolved.py', { docstring: "expand migration using a label constant", revision: ["5c85685d616d"], downRevision: ["1b4c6e320f79"], branchLabels: undefined }],
  ['coding-cookie.py', { docstring: "café menu\n\nRevision ID: c0d1ng000001\nRevises: c0d1ng000000\n", revision: ["c0d1ng000001"], downRevision: ["c0d1ng000000"] }],
  ['crlf-line-endings.py', { docstring: "windows line endings\n\nRevision ID: c41f00000001\nRevises: c41f00000000\n", revision: ["c41f00000001"], downRevision: ["c41f00000000"] }],
  ['depends-on-list.py', { docstring: "needs two other revisions", revision: ["d3p3nd500001"], downRevision: ["d3p3nd500000"], branchLabels: [], dependsOn: ["x", "y"] }],
  ['down-revision-list.py', { docstring: "merge as a list\n\nRevision ID: c0ffee000001\nRevises: aaaa00000001, bbbb00000002\n", revision: ["c0ffee000001"], downRevision: ["aaaa00000001", "bbbb00000002"] }],
  ['down-revision-tuple.py', { docstring: "merge heads\n\nRevision ID: 9a8b7c6d5e4f\nRevises: 1a2b3c4d5e6f, 6f5e4d3c2b1a\nCreate Date: 2024-06-01 00:00:00\n\n", revision: ["9a8b7c6d5e4f"], downRevision: ["1a2b3c4d5e6f", "6f5e4d3c2b1a"], branchLabels: [], dependsOn: [] }],
  ['empty-comments-only.py', { docstring: "empty with comments", revision: ["e0000000cmnt"], downRevision: [] }],
  ['empty-docstring-only.py', { docstring: "empty with docstrings only", revision: ["e00000000doc"], downRevision: [] }],
  ['empty-ellipsis.py', { docstring: "empty with ellipsis", revision: ["e00000000ell"], downRevision: [] }],
  ['empty-pass.py', { docstring: "empty with pass", revision: ["e0000000pass"], downRevision: [] }],
  ['fstring-sql.py', { docstring: "SQL built with f-strings", revision: ["f5721a900001"], downRevision: ["f5721a900000"] }],
  ['generic-template.py', { docstring: "create account table\n\nRevision ID: 1975ea83b712\nRevises: \nCreate Date: 2024-03-01 10:22:33.123456\n\n", revision: ["1975ea83b712"], downRevision: [], branchLabels: [], dependsOn: [] }],
  ['get-bind-connection.py', { docstring: "data migration through the connection", revision: ["c0nn00000001"], downRevision: ["c0nn00000000"] }],
  ['id-gerrit-style.py', { docstring: "Add port binding levels\n\nRevision ID: I38991de2b4\nRevises: 4ab0c7b7b8f2\nCreate Date: 2014-12-01 10:00:00.000000\n\n", revision: ["I38991de2b4"], downRevision: ["4ab0c7b7b8f2"] }],
  ['id-numeric-string.py', { docstring: "first\n\nRevision ID: 001\nRevises:\nCreate Date: 2020-01-01 00:00:00\n\n", revision: ["001"], downRevision: [], branchLabels: [], dependsOn: [] }],
  ['id-short-hex.py', { docstring: "Short hex ids, as written by old Alembic versions.\n\nRevision ID: 3ad9b1c5e2\nRevises: 1f5a3cbb7c9\nCreate Date: 2012-05-01 12:00:00\n\n", revision: ["3ad9b1c5e2"], downRevision: ["1f5a3cbb7c9"] }],
  ['id-snake-case.py', { docstring: "add tools ai permission", revision: ["add_tools_ai_perm"], downRevision: ["add_tools_table"], branchLabels: [], dependsOn: [] }],
  ['id-word.py', { docstring: "Third revision of the kilo series.\n\nRevision ID: kilo\nRevises: juliet\n", revision: ["kilo"], downRevision: ["juliet"] }],
  ['implicit-concat-escapes-sql.py', { docstring: "SQL with escapes and pieces", revision: ["e5c000000001"], downRevision: ["e5c000000000"] }],
  ['local-sql-variable.py', { docstring: "SQL kept in names", revision: ["var500000001"], downRevision: ["var500000000"] }],
  ['multidb.py', { docstring: "multidb add tables\n\nRevision ID: 4f2e8a9b1c3d\nRevises:\nCreate Date: 2024-02-02 02:02:02\n\n", revision: ["4f2e8a9b1c3d"], downRevision: [], branchLabels: [], dependsOn: [] }],
  ['no-revision-variable.py', { docstring: "A helper module that sits in versions/ but is not a revision." }],
  ['percent-format-sql.py', { docstring: "SQL built with % and .format", revision: ["pe2c00000001"], downRevision: ["pe2c00000000"] }],
  ['raise-not-implemented.py', { docstring: "irreversible", revision: ["n0tdown00001"], downRevision: ["n0tdown00000"] }],
  ['sa-text-binds.py', { docstring: "sa.text with bind parameters", revision: ["b1nd00000001"], downRevision: ["b1nd00000000"] }],
  ['stale-docstring.py', { docstring: "rename column\n\nRevision ID: 7e1d2c3b4a59\nRevises: 1111aaaa2222\nCreate Date: 2023-09-09 09:09:09\n\n", revision: ["7e1d2c3b4a59"], downRevision: ["3333bbbb4444"] }],
];

const UNPARSABLE = ['python2-syntax.py', 'syntax-error-mid-file.py'];

function facts(file: RevisionFile): Facts {
  const out: Facts = { docstring: file.docstring ?? null };
  for (const key of ['revision', 'downRevision', 'branchLabels', 'dependsOn'] as const) {
    if (file[key]) out[key] = file[key]?.ids;
  }
  return out;
}

describe('fixtures: docstring and revision variables agree with CPython', () => {
  it.each(CPYTHON)('%s', (name, expected) => {
    expect(facts(parseFixture(name))).toEqual(expected);
  });

  it('covers every fixture', () => {
    const listed = [...CPYTHON.map(([name]) => name), ...UNPARSABLE].sort();
    expect(listed).toEqual(readdirSync(FIXTURES).filter((f) => f.endsWith('.py')).sort());
  });
});

describe('fixtures: only the broken files have problems', () => {
  it.each(CPYTHON.map(([name]) => [name]))('%s', (name) => {
    expect(parseFixture(name).problems).toEqual([]);
  });

  it.each([
    ['python2-syntax.py', "Python cannot parse line 13, column 5: Missing parentheses in call to 'print' (Python 2 syntax)"],
    ['syntax-error-mid-file.py', "Python cannot parse line 14, column 18: '(' was never closed"],
  ])('%s', (name, message) => {
    expect(parseFixture(name).problems.map((p) => p.message)).toEqual([message]);
  });
});

/** One line per function: name, flags, op calls and SQL, so expectations read like a summary. */
function outline(file: RevisionFile): string[] {
  return file.functions.map((f) => {
    const flags = [f.isEmpty && 'empty', f.raisesNotImplemented && 'raises'].filter(Boolean);
    const calls = f.opCalls.map((c) => (c.receiver === 'batch' ? `batch[${c.batchTable ?? '?'}].${c.name}` : c.name));
    const sql = f.sql.map((s) => `${s.via === 'op.execute' ? '' : 'conn:'}${s.dynamic ? '~' : ''}${s.inAutocommitBlock ? '!' : ''}${JSON.stringify(s.text)}`);
    return [f.name, ...flags, ...calls, ...sql].join(' ');
  });
}

describe('fixtures: functions', () => {
  it.each([
    ['generic-template.py', ['upgrade create_table create_index f', 'downgrade drop_index f drop_table']],
    ['empty-pass.py', ['upgrade empty', 'downgrade empty']],
    ['empty-ellipsis.py', ['upgrade empty', 'downgrade empty']],
    ['empty-docstring-only.py', ['upgrade empty', 'downgrade empty']],
    ['empty-comments-only.py', ['upgrade empty', 'downgrade empty']],
    ['raise-not-implemented.py', ['upgrade drop_table', 'downgrade raises']],
    ['id-short-hex.py', ['upgrade drop_column', 'downgrade raises']],
    ['no-revision-variable.py', ['upgrade execute "SELECT 1"']],
    [
      'multidb.py',
      ['upgrade', 'downgrade', 'upgrade_engine1 create_table', 'downgrade_engine1 drop_table', 'upgrade_engine2 empty', 'downgrade_engine2 empty'],
    ],
    [
      'batch-alter-table.py',
      [
        'upgrade batch_alter_table batch[user].add_column batch[user].create_index batch[user].f batch_alter_table batch[order].drop_column drop_table',
        'downgrade batch_alter_table batch[?].drop_index',
      ],
    ],
    [
      'autocommit-block.py',
      [
        `upgrade execute get_context execute create_index get_context batch_alter_table batch[t].drop_column execute "ALTER TABLE t ADD COLUMN s text" !"ALTER TYPE status ADD VALUE 'archived'" "SELECT 1"`,
        'downgrade empty',
      ],
    ],
    [
      'get-bind-connection.py',
      [
        'upgrade get_bind get_bind get_bind conn:"UPDATE account SET active = true" conn:"DELETE FROM session" conn:"VACUUM" conn:"ANALYZE account"',
        'downgrade get_context conn:"SELECT 1"',
      ],
    ],
    [
      'sa-text-binds.py',
      ['upgrade get_bind execute conn:"UPDATE account SET plan = :plan WHERE id = :id" "SELECT CAST(\'x\' AS text), now()::date"', 'downgrade empty'],
    ],
    [
      'fstring-sql.py',
      ['upgrade execute execute ~"ALTER TABLE __dynamic__ ADD COLUMN created_at timestamptz" ~"CREATE INDEX ix_{literal} ON __dynamic__.t (created_at)"', 'downgrade empty'],
    ],
    [
      'percent-format-sql.py',
      ['upgrade execute execute execute ~"UPDATE __dynamic__ SET pct = 100% WHERE id = __dynamic__" ~"DROP TABLE __dynamic__" "SELECT \'literal\'"', 'downgrade empty'],
    ],
    [
      'local-sql-variable.py',
      [
        'upgrade execute execute execute execute "\\nCREATE VIEW active_account AS\\nSELECT * FROM account WHERE active\\n" "\\n        UPDATE account\\n           SET active = false;\\n        DELETE FROM session;\\n    " "SELECT 1 FROM dual" "CREATE INDEX ix_a ON account (a);\\n"',
        'downgrade execute "DROP VIEW active_account"',
      ],
    ],
    ['implicit-concat-escapes-sql.py', [`upgrade execute "INSERT INTO t (s) VALUES ('tab\\there');\\nSELECT '\\\\d+' ~ 'x';—é"`, 'downgrade empty']],
    ['crlf-line-endings.py', ['upgrade execute "\\n        UPDATE t\\n        SET x = 1\\n    "', 'downgrade empty']],
    ['coding-cookie.py', [`upgrade execute "UPDATE menu SET name = 'café'"`, 'downgrade empty']],
    ['bom.py', ['upgrade execute "SELECT 1"', 'downgrade empty']],
    ['python2-syntax.py', ['upgrade drop_table', 'downgrade create_table']],
    // Inside the unclosed parenthesis the next line reads as part of the argument.
    ['syntax-error-mid-file.py', ['upgrade add_column', 'downgrade drop_column']],
  ])('%s', (name, expected) => {
    expect(outline(parseFixture(name))).toEqual(expected);
  });
});

describe('fixtures: docstring headers', () => {
  it.each([
    ['generic-template.py', { revisionId: '1975ea83b712', revises: '', createDate: '2024-03-01 10:22:33.123456' }],
    ['stale-docstring.py', { revisionId: '7e1d2c3b4a59', revises: '1111aaaa2222', createDate: '2023-09-09 09:09:09' }],
    ['down-revision-tuple.py', { revisionId: '9a8b7c6d5e4f', revises: '1a2b3c4d5e6f, 6f5e4d3c2b1a', createDate: '2024-06-01 00:00:00' }],
    ['id-gerrit-style.py', { revisionId: 'I38991de2b4', revises: '4ab0c7b7b8f2', createDate: '2014-12-01 10:00:00.000000' }],
    ['crlf-line-endings.py', { revisionId: 'c41f00000001', revises: 'c41f00000000' }],
    ['id-snake-case.py', {}],
  ])('%s', (name, expected) => {
    const headers = parseFixture(name).headers;
    const values = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.value]));
    expect(values).toEqual(expected);
  });
});

describe('fixtures: positions survive odd encodings and line endings', () => {
  it.each([
    ['bom.py', 'revision', '"b0b000000001"'],
    ['crlf-line-endings.py', 'downRevision', '"c41f00000000"'],
    ['coding-cookie.py', 'revision', '"c0d1ng000001"'],
  ] as const)('%s %s', (name, key, expected) => {
    const file = parseFixture(name);
    expect(textAt(file, file[key]?.valueRange)).toBe(expected);
  });

  it('maps SQL in a CRLF file to the right line', () => {
    const file = parseFixture('crlf-line-endings.py');
    const sql = fn(file, 'upgrade').sql[0];
    expect(sql.positionAt(sql.text.indexOf('SET'))).toEqual({ line: 14, character: 8 });
  });

  it('maps a header in a CRLF file to its value', () => {
    const file = parseFixture('crlf-line-endings.py');
    expect(textAt(file, file.headers.revises?.range)).toBe('c41f00000000');
  });
});
