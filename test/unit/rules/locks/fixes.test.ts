import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyTextEdits } from '../../../../server/src/cli/lintFix';
import { parseRevisionFile } from '../../../../server/src/core/parse';
import { RevisionProject } from '../../../../server/src/core/project/revisionProject';
import { RULES } from '../../../../server/src/core/rules/registry';
import { DEFAULT_TARGETS, lintFile } from '../../../../server/src/core/rules/runner';
import type { Finding, LintTargets, RuleId, SqlParser } from '../../../../server/src/core/rules/types';
import { loadSqlParser } from '../../../../server/src/core/sql';
import { bareEnvironment } from '../../../helpers/ruleFixtures';

/**
 * Every quick fix of the lock rules, applied to the Python file and linted again with every
 * rule: the finding is gone and no finding appears that was not there before. The expected
 * text is the safe form the rule's doc page shows.
 * test/integration/lockRules.postgres.test.ts runs the resulting SQL on PostgreSQL.
 */

let sql: SqlParser;
beforeAll(async () => {
  sql = await loadSqlParser();
});

const FILE = path.resolve('/tmp/lock-fixes/versions/a1_x.py');
const env = bareEnvironment(path.dirname(FILE));
const HEAD = 'from alembic import op\nimport sqlalchemy as sa\n\nrevision = "a1"\ndown_revision = None\n\n\ndef upgrade():\n';
const TAIL = '\n\n\ndef downgrade():\n    pass\n';

function lint(text: string, targets: LintTargets): Finding[] {
  const project = new RevisionProject(parseRevisionFile);
  project.updateFile(FILE, text);
  return lintFile(parseRevisionFile(FILE, text), env, project, { settings: {}, targets, sql, rules: RULES });
}

/** How many findings each rule reports. */
function counts(findings: readonly Finding[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of findings) out[f.rule] = (out[f.rule] ?? 0) + 1;
  return out;
}

/**
 * Applies the fix of the `rule` finding on the first line of `body` that has one, checks the
 * re-lint, and returns upgrade()'s body after the fix.
 */
function fixed(rule: RuleId, body: string, targets: LintTargets = DEFAULT_TARGETS, eol = '\n'): string {
  const text = (HEAD + body + TAIL).replace(/\n/g, eol);
  const before = lint(text, targets);
  const target = before.find((f) => f.rule === rule);
  expect(target, `a ${rule} finding`).toBeDefined();
  expect(target!.fixes, `a fix for: ${target!.message}`).toHaveLength(1);
  const after = applyTextEdits(text, target!.fixes![0]!.edits.flatMap((e) => e.edits));
  // Messages may change with the text (another rule counts the changes it sees), so findings
  // are compared per rule: the fixed one is gone, and no rule reports more than before (a fix
  // that also makes the statement re-runnable leaves the idempotency rules with less to say).
  const again = counts(lint(after, targets));
  const was = counts(before);
  expect(again[rule] ?? 0).toBe(was[rule]! - 1);
  for (const [r, n] of Object.entries(again)) expect(n, r).toBeLessThanOrEqual(was[r] ?? 0);
  return after.slice(HEAD.replace(/\n/g, eol).length, after.length - TAIL.replace(/\n/g, eol).length);
}

function fixesOf(rule: RuleId, body: string, targets: LintTargets = DEFAULT_TARGETS): string[] {
  return lint(HEAD + body + TAIL, targets)
    .filter((f) => f.rule === rule)
    .flatMap((f) => (f.fixes ?? []).map((x) => x.title));
}

const TIMEOUT = '    op.execute("SET lock_timeout = \'5s\'")\n';
const ALEMBIC_1_16: LintTargets = { ...DEFAULT_TARGETS, alembicVersion: [1, 16, 0] };

describe('index-without-concurrently and drop-index-without-concurrently', () => {
  it('builds the index concurrently in an autocommit block', () => {
    expect(fixed('index-without-concurrently', TIMEOUT + '    op.create_index("ix_t_c", "t", ["c"])')).toBe(
      TIMEOUT + '    with op.get_context().autocommit_block():\n        op.create_index("ix_t_c", "t", ["c"], postgresql_concurrently=True)',
    );
  });

  it('makes it re-runnable when the project’s Alembic has if_not_exists (1.11.2)', () => {
    expect(fixed('index-without-concurrently', TIMEOUT + '    op.create_index("ix_t_c", "t", ["c"], unique=True)', ALEMBIC_1_16)).toBe(
      TIMEOUT + '    with op.get_context().autocommit_block():\n        op.create_index("ix_t_c", "t", ["c"], unique=True, postgresql_concurrently=True, if_not_exists=True)',
    );
  });

  it('turns postgresql_concurrently=False around, and keeps a multi-line call’s layout', () => {
    const body = TIMEOUT + '    op.create_index(\n        "ix_t_c",\n        "t",\n        ["c"],\n        postgresql_concurrently=False,\n    )';
    expect(fixed('index-without-concurrently', body)).toBe(
      TIMEOUT + '    with op.get_context().autocommit_block():\n        op.create_index(\n            "ix_t_c",\n            "t",\n            ["c"],\n            postgresql_concurrently=True,\n        )',
    );
  });

  it('only adds the keyword inside an autocommit block', () => {
    const body = TIMEOUT + '    with op.get_context().autocommit_block():\n        op.create_index("ix_t_c", "t", ["c"])';
    expect(fixed('index-without-concurrently', body)).toBe(TIMEOUT + '    with op.get_context().autocommit_block():\n        op.create_index("ix_t_c", "t", ["c"], postgresql_concurrently=True)');
  });

  it('inserts CONCURRENTLY IF NOT EXISTS into raw SQL and wraps the execute call', () => {
    expect(fixed('index-without-concurrently', TIMEOUT + '    op.execute("CREATE UNIQUE INDEX ix_t_c ON t (c)")')).toBe(
      TIMEOUT + '    with op.get_context().autocommit_block():\n        op.execute("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix_t_c ON t (c)")',
    );
    expect(fixed('index-without-concurrently', TIMEOUT + '    op.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_t_c ON t (c)"))')).toBe(
      TIMEOUT + '    with op.get_context().autocommit_block():\n        op.execute(sa.text("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_t_c ON t (c)"))',
    );
  });

  it('drops the index concurrently, re-runnably', () => {
    expect(fixed('drop-index-without-concurrently', TIMEOUT + '    op.drop_index("ix_t_c", table_name="t")', ALEMBIC_1_16)).toBe(
      TIMEOUT + '    with op.get_context().autocommit_block():\n        op.drop_index("ix_t_c", table_name="t", postgresql_concurrently=True, if_exists=True)',
    );
    expect(fixed('drop-index-without-concurrently', TIMEOUT + '    op.execute("DROP INDEX ix_t_c")')).toBe(
      TIMEOUT + '    with op.get_context().autocommit_block():\n        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_t_c")',
    );
    expect(fixed('drop-index-without-concurrently', TIMEOUT + '    op.execute("DROP INDEX IF EXISTS ix_t_c")')).toBe(
      TIMEOUT + '    with op.get_context().autocommit_block():\n        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_t_c")',
    );
  });

  it('keeps CRLF line ends', () => {
    expect(fixed('index-without-concurrently', TIMEOUT + '    op.create_index("ix_t_c", "t", ["c"])', DEFAULT_TARGETS, '\r\n')).toBe(
      (TIMEOUT + '    with op.get_context().autocommit_block():\n        op.create_index("ix_t_c", "t", ["c"], postgresql_concurrently=True)').replace(/\n/g, '\r\n'),
    );
  });

  it('offers nothing where CONCURRENTLY cannot go: batch operations, several statements, several indexes, a DO block', () => {
    expect(fixesOf('index-without-concurrently', '    with op.batch_alter_table("t") as batch_op:\n        batch_op.create_index("ix_t_c", ["c"])')).toEqual([]);
    expect(fixesOf('index-without-concurrently', '    op.execute("CREATE INDEX ix_a ON t (a); CREATE INDEX ix_b ON t (b)")')).toEqual([]);
    expect(fixesOf('drop-index-without-concurrently', '    op.execute("DROP INDEX ix_a, ix_b")')).toEqual([]);
    expect(fixesOf('index-without-concurrently', '    op.execute("DO $$ BEGIN CREATE INDEX ix_a ON t (a); END $$")')).toEqual([]);
  });
});

describe('constraint-without-not-valid', () => {
  it('adds postgresql_not_valid=True to the op call', () => {
    expect(fixed('constraint-without-not-valid', TIMEOUT + '    op.create_foreign_key("fk_t_u", "t", "u", ["u_id"], ["id"])')).toBe(
      TIMEOUT + '    op.create_foreign_key("fk_t_u", "t", "u", ["u_id"], ["id"], postgresql_not_valid=True)',
    );
    expect(fixed('constraint-without-not-valid', TIMEOUT + '    op.create_check_constraint("ck_t_c", "t", "c > 0", postgresql_not_valid=False)')).toBe(
      TIMEOUT + '    op.create_check_constraint("ck_t_c", "t", "c > 0", postgresql_not_valid=True)',
    );
  });

  it('adds NOT VALID at the end of a one-command ALTER TABLE', () => {
    expect(fixed('constraint-without-not-valid', TIMEOUT + '    op.execute("ALTER TABLE t ADD CONSTRAINT fk_t_u FOREIGN KEY (u_id) REFERENCES u (id) ON DELETE CASCADE;")')).toBe(
      TIMEOUT + '    op.execute("ALTER TABLE t ADD CONSTRAINT fk_t_u FOREIGN KEY (u_id) REFERENCES u (id) ON DELETE CASCADE NOT VALID;")',
    );
    expect(fixed('constraint-without-not-valid', TIMEOUT + '    op.execute("""\n        ALTER TABLE t ADD CHECK (c > 0)  -- no negative counts\n    """)')).toBe(
      TIMEOUT + '    op.execute("""\n        ALTER TABLE t ADD CHECK (c > 0) NOT VALID  -- no negative counts\n    """)',
    );
  });

  it('offers nothing for a statement of several commands, where the constraint’s end is not known', () => {
    expect(fixesOf('constraint-without-not-valid', '    op.execute("ALTER TABLE t ADD CHECK (c > 0), ADD COLUMN d int")')).toEqual([]);
  });
});

describe('missing-lock-timeout', () => {
  it('starts the function with SET lock_timeout', () => {
    expect(fixed('missing-lock-timeout', '    op.add_column("t", sa.Column("c", sa.Text()))')).toBe(
      `    op.execute("SET lock_timeout = '5s'")\n    op.add_column("t", sa.Column("c", sa.Text()))`,
    );
  });

  it('goes after the docstring and uses the module’s name for op', () => {
    const text = HEAD.replace('from alembic import op', 'from alembic import op as migrate') + '    """Add c."""\n    migrate.add_column("t", sa.Column("c", sa.Text()))' + TAIL;
    const finding = lint(text, DEFAULT_TARGETS).find((f) => f.rule === 'missing-lock-timeout')!;
    const after = applyTextEdits(text, finding.fixes![0]!.edits[0]!.edits);
    expect(after).toContain(`    """Add c."""\n    migrate.execute("SET lock_timeout = '5s'")\n    migrate.add_column`);
    expect(lint(after, DEFAULT_TARGETS).map((f) => f.rule)).not.toContain('missing-lock-timeout');
  });
});
