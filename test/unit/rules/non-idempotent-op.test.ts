import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyFixes, applyTextEdits } from '../../../server/src/cli/lintFix';
import { parseRevisionFile } from '../../../server/src/core/parse';
import { RevisionProject } from '../../../server/src/core/project/revisionProject';
import { nonIdempotentOp } from '../../../server/src/core/rules/non-idempotent-op';
import { lintFile } from '../../../server/src/core/rules/runner';
import type { Finding } from '../../../server/src/core/rules/types';
import { bareEnvironment } from '../../helpers/ruleFixtures';

/** Version gating and the `if_not_exists=True`/`if_exists=True` quick fix as real edits. */

const dir = mkdtempSync(path.join(os.tmpdir(), 'non-idempotent-op-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = bareEnvironment(dir);

const FILE = path.join(dir, 'a1_x.py');
const HEAD = 'from alembic import op\nimport sqlalchemy as sa\n\nrevision = "a1"\ndown_revision = None\n\n\ndef upgrade():\n';

function lint(text: string, version: readonly [number, number, number] | undefined, file = FILE): Finding[] {
  const project = new RevisionProject(parseRevisionFile);
  project.updateFile(file, text);
  return lintFile(parseRevisionFile(file, text), env, project, {
    settings: {},
    targets: { alembicVersion: version, postgresVersion: 14, idempotency: 'everywhere' },
    sql: undefined,
    rules: [nonIdempotentOp],
  });
}

/** The upgrade body after applying every finding's fix, on Alembic 1.16. */
function fixed(body: string): string {
  const text = HEAD + body;
  const findings = lint(text, [1, 16, 0]);
  expect(findings.length).toBeGreaterThan(0);
  const edits = findings.flatMap((f) => f.fixes?.[0]?.edits.flatMap((e) => e.edits) ?? []);
  expect(edits).toHaveLength(findings.length);
  return applyTextEdits(text, edits).slice(HEAD.length);
}

describe('non-idempotent-op version gating', () => {
  it.each([
    ['    op.create_index("ix", "t", ["c"])\n', [1, 11, 1], 0],
    ['    op.create_index("ix", "t", ["c"])\n', [1, 11, 2], 1],
    ['    op.drop_table("t")\n', [1, 13, 2], 0],
    ['    op.drop_table("t")\n', [1, 13, 3], 1],
    ['    op.add_column("t", sa.Column("c", sa.Integer()))\n', [1, 15, 9], 0],
    ['    op.add_column("t", sa.Column("c", sa.Integer()))\n', [1, 16, 0], 1],
    ['    op.drop_column("t", "c")\n', [2, 0, 0], 1],
    ['    op.drop_column("t", "c")\n', undefined, 0],
  ] as const)('%s on %s', (body, version, count) => {
    expect(lint(HEAD + body, version)).toHaveLength(count);
  });
});

describe('non-idempotent-op fixes', () => {
  it.each([
    ['    op.drop_table("t")\n', '    op.drop_table("t", if_exists=True)\n'],
    ['    op.drop_table("t", )\n', '    op.drop_table("t", if_exists=True)\n'],
    ['    op.drop_table("t",)\n', '    op.drop_table("t", if_exists=True)\n'],
    ['    op.drop_index(op.f("ix"), table_name="t")  # old\n', '    op.drop_index(op.f("ix"), table_name="t", if_exists=True)  # old\n'],
    [
      '    op.create_table(\n        "t",\n        sa.Column("id", sa.Integer()),  # the key, (id)\n    )\n',
      '    op.create_table(\n        "t",\n        sa.Column("id", sa.Integer()),  # the key, (id)\n        if_not_exists=True,\n    )\n',
    ],
    ['    op.create_index(\n        "ix", "t", ["c"]\n    )\n', '    op.create_index(\n        "ix", "t", ["c"], if_not_exists=True\n    )\n'],
    ['    op.create_index(\n        "ix", "t", ["c"]  # why, here\n    )\n', '    op.create_index(\n        "ix", "t", ["c"], if_not_exists=True  # why, here\n    )\n'],
    [
      '    with op.batch_alter_table("t") as batch_op:\n        batch_op.add_column(sa.Column("c", sa.Integer()))\n        batch_op.drop_column("d")\n',
      '    with op.batch_alter_table("t") as batch_op:\n        batch_op.add_column(sa.Column("c", sa.Integer()), if_not_exists=True)\n        batch_op.drop_column("d", if_exists=True)\n',
    ],
  ])('%j', (body, expected) => {
    expect(fixed(body)).toBe(expected);
  });

  it('offers no fix for a call without its own closing parenthesis (found by fuzzing)', () => {
    // The parser ends the unclosed call at the `)` of the call after it, so that `)` is not one
    // to append at; the fix used to be an edit whose range ended before it started.
    const findings = lint(`${HEAD}    op.drop_column("t "c")\n\n\ndef downgrade():\n    pass\n`, [1, 16, 0]);
    expect(findings.map((f) => f.fixes)).toEqual([undefined]);
  });

  it('keeps CRLF line ends when it adds a line', () => {
    const body = '    op.create_table(\r\n        "t",\r\n        sa.Column("id", sa.Integer()),\r\n    )\r\n';
    expect(fixed(body)).toBe('    op.create_table(\r\n        "t",\r\n        sa.Column("id", sa.Integer()),\r\n        if_not_exists=True,\r\n    )\r\n');
  });

  it('is applied by lint --fix, after which nothing is reported', () => {
    const file = path.join(dir, 'b2_fix.py');
    const text = `${HEAD}    op.create_table(\n        "t",\n        sa.Column("id", sa.Integer()),\n    )\n    op.create_index("ix", "t", ["id"])\n\n\ndef downgrade():\n    op.drop_index("ix", table_name="t")\n    op.drop_table("t")\n`;
    writeFileSync(file, text);
    const outcome = applyFixes(lint(text, [1, 16, 0], file));
    expect(outcome.skipped).toEqual([]);
    expect(outcome.applied).toHaveLength(4);
    const after = readFileSync(file, 'utf8');
    expect(after).toContain('op.drop_table("t", if_exists=True)');
    expect(lint(after, [1, 16, 0], file)).toEqual([]);
  });
});
