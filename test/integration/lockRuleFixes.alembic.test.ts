import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyTextEdits } from '../../server/src/cli/lintFix';
import { parseRevisionFile } from '../../server/src/core/parse';
import { RevisionProject } from '../../server/src/core/project/revisionProject';
import { RULES } from '../../server/src/core/rules/registry';
import { DEFAULT_TARGETS, lintFile } from '../../server/src/core/rules/runner';
import type { LintTargets, RuleId, SqlParser } from '../../server/src/core/rules/types';
import { loadSqlParser } from '../../server/src/core/sql';
import { ORDERS_SCHEMA } from '../helpers/pgLocks';
import { createDatabase, dropDatabase, withClient } from '../helpers/postgres';
import { runChecked } from '../helpers/run';
import { bareEnvironment } from '../helpers/ruleFixtures';

/**
 * The lock rules' quick fixes end to end: the fixed `upgrade()` is rendered to SQL by the real
 * Alembic 1.20 (offline, `--sql` style, as `alembic upgrade --sql` does), and that SQL runs on
 * PostgreSQL 15 against tables with rows. So a fix is not only quiet in the linter: Alembic
 * renders it as the safe statement, and PostgreSQL accepts it.
 */

const DB = 'alembic_pilot_lock_fixes';
let url: string;
let sql: SqlParser;
const FILE = path.resolve('/tmp/lock-fix-render/versions/a1_x.py');
const HEAD = 'from alembic import op\nimport sqlalchemy as sa\n\nrevision = "a1"\ndown_revision = None\n\n\ndef upgrade():\n';
const ALEMBIC_1_20: LintTargets = { ...DEFAULT_TARGETS, alembicVersion: [1, 20, 0] };

// Runs upgrade() against an offline migration context and prints the SQL it emits.
const RENDER = `
import io, sys
from alembic.migration import MigrationContext
from alembic.operations import Operations
import sqlalchemy as sa
buf = io.StringIO()
op = Operations(MigrationContext.configure(dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buf}))
namespace = {"op": op, "sa": sa}
exec(compile(sys.stdin.read(), "<migration>", "exec"), namespace)
# The module's own \`from alembic import op\` bound the proxy, which only a running migration sets up.
namespace["op"] = op
namespace["upgrade"]()
sys.stdout.write(buf.getvalue())
`;

beforeAll(async () => {
  sql = await loadSqlParser();
  await dropDatabase(inject('databaseUrl'), DB);
  url = await createDatabase(inject('databaseUrl'), DB);
});

afterAll(async () => {
  await dropDatabase(inject('databaseUrl'), DB);
});

/** The file after applying the preferred fix of each `rules` finding in turn, linting again between fixes. */
function fixed(body: string, rules: readonly RuleId[]): string {
  let text = `${HEAD}${body}\n`;
  for (const rule of rules) {
    const project = new RevisionProject(parseRevisionFile);
    project.updateFile(FILE, text);
    const finding = lintFile(parseRevisionFile(FILE, text), bareEnvironment(path.dirname(FILE)), project, { settings: {}, targets: ALEMBIC_1_20, sql, rules: RULES }).find(
      (f) => f.rule === rule,
    );
    expect(finding?.fixes?.[0], `a fix for ${rule}`).toBeDefined();
    text = applyTextEdits(text, finding!.fixes![0]!.edits.flatMap((e) => e.edits));
  }
  return text;
}

async function render(file: string): Promise<string> {
  const result = await runChecked(inject('alembicPython'), ['-c', RENDER], { input: file, timeoutMs: 60_000 });
  return result.stdout;
}

/** Runs Alembic's offline SQL as `psql` would, in the transaction Alembic opens around a migration. */
async function runOnPostgres(script: string): Promise<void> {
  await withClient(url, async (c) => {
    await c.query(ORDERS_SCHEMA);
    await c.query('BEGIN');
    for (const statement of script.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) await c.query(statement);
    await c.query('COMMIT');
  });
}

describe('quick fixes rendered by Alembic 1.20 and run on PostgreSQL', () => {
  it('missing-lock-timeout and index-without-concurrently: a lock timeout first, CREATE INDEX CONCURRENTLY IF NOT EXISTS after a COMMIT', async () => {
    const body = '    op.add_column("orders", sa.Column("remark", sa.Text()))\n    op.create_index("ix_orders_ref", "orders", ["ref"], unique=True)';
    const script = await render(fixed(body, ['index-without-concurrently', 'missing-lock-timeout']));
    expect(script).toMatch(/^SET lock_timeout = '5s';\s+ALTER TABLE orders ADD COLUMN remark TEXT;\s+COMMIT;\s+CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix_orders_ref ON orders \(ref\);\s+BEGIN;/);
    await runOnPostgres(script);
    const { rows } = await withClient(url, (c) => c.query<{ valid: boolean }>("SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'ix_orders_ref'::regclass"));
    expect(rows).toEqual([{ valid: true }]);
  });

  it('drop-index-without-concurrently: DROP INDEX CONCURRENTLY IF EXISTS after a COMMIT', async () => {
    const script = await render(fixed('    op.execute("SET lock_timeout = \'5s\'")\n    op.drop_index("ix_orders_qty", table_name="orders")', ['drop-index-without-concurrently']));
    expect(script).toMatch(/COMMIT;\s+DROP INDEX CONCURRENTLY IF EXISTS ix_orders_qty;\s+BEGIN;/);
    await runOnPostgres(script);
    const { rows } = await withClient(url, (c) => c.query("SELECT to_regclass('ix_orders_qty') AS ix"));
    expect(rows).toEqual([{ ix: null }]);
  });

  it('constraint-without-not-valid: the foreign key and the check added NOT VALID, old rows unchecked', async () => {
    const body = [
      '    op.execute("SET lock_timeout = \'5s\'")',
      '    op.create_foreign_key("fk_orders_customer", "orders", "customers", ["customer_id"], ["id"])',
      '    op.create_check_constraint("ck_orders_qty", "orders", "qty >= 0")',
    ].join('\n');
    const script = await render(fixed(body, ['constraint-without-not-valid', 'constraint-without-not-valid']));
    expect(script).toContain('ALTER TABLE orders ADD CONSTRAINT fk_orders_customer FOREIGN KEY(customer_id) REFERENCES customers (id) NOT VALID;');
    expect(script).toContain('ALTER TABLE orders ADD CONSTRAINT ck_orders_qty CHECK (qty >= 0) NOT VALID;');
    await runOnPostgres(script);
    const { rows } = await withClient(url, (c) => c.query("SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype IN ('f', 'c') ORDER BY conname"));
    expect(rows).toEqual([
      { conname: 'ck_orders_qty', convalidated: false },
      { conname: 'fk_orders_customer', convalidated: false },
    ]);
  });
});
