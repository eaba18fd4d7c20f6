import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject } from 'vitest';
import type { AlembicCommand } from '../../../server/src/runner/command';
import { AlembicRunner, type RunRequest } from '../../../server/src/runner/runner';
import { createDatabase, withClient } from '../../helpers/postgres';
import { run } from '../../helpers/run';
import { eventually } from '../lsp/harness';
import { database, faultArea, labProject, modelOf, startLab, type Lab, type LabProject } from './lab';

/**
 * Migrations that go wrong: one fails halfway (PostgreSQL rolls the run back; SQLite keeps the
 * DDL that ran, and the runner names it), one cannot run in a transaction, and one is cancelled
 * while it runs. Real Alembic 1.20 through the runner.
 */

const python = inject('alembicPython');
const command: AlembicCommand = { argv: [python, '-m', 'alembic'], source: 'interpreter', description: 'the test venv' };

let lab: Lab;
let project: LabProject;
let counter = 0;
const added: string[] = [];

beforeAll(async () => {
  lab = await startLab();
  project = labProject();
}, 240_000);

afterEach(() => {
  for (const file of added.splice(0)) rmSync(file, { force: true });
});

afterAll(async () => {
  project?.remove();
  await lab?.stop();
});

const scenario = faultArea('migrations', () => lab.url, async () => undefined);

/** A database at r3 on the lab's server, beside the sentinel's. */
async function atR3(): Promise<string> {
  const url = await createDatabase(lab.url, `mg_${counter++}`);
  const result = await runRequest({ operation: { kind: 'upgrade', target: 'r3' }, database: database(url) });
  if (!result.ok) throw new Error(result.message);
  return url;
}

/** A runner whose failures on SQLite name what the failed revision left, as the server reads it. */
function runRequest(extra: Partial<RunRequest> & Pick<RunRequest, 'operation'>): ReturnType<AlembicRunner['run']> {
  return new AlembicRunner({ graceMs: 2_000, describePartial: modelOf(project).describePartial }).run({ env: project.env(), command, ...extra });
}

function add(id: string, down: string, upgrade: string, downgrade = 'pass'): void {
  added.push(project.add(id, down, upgrade, downgrade));
}

const regclass = (url: string, name: string): Promise<string | null> => withClient(url, async (c) => (await c.query(`SELECT to_regclass($1)::text AS t`, [name])).rows[0].t as string | null);
const rows = (url: string): Promise<string[]> => withClient(url, async (c) => (await c.query<{ v: string }>('SELECT version_num AS v FROM alembic_version ORDER BY 1')).rows.map((r) => r.v));

/** Runs Python's sqlite3 on a database file; the output of `code`'s prints. */
async function sqlite(file: string, code: string): Promise<string> {
  const result = await run(python, ['-c', `import sqlite3\nc = sqlite3.connect(${JSON.stringify(file)})\n${code}`], { timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(result.stderr);
  return result.stdout.trim();
}

describe('a migration that fails halfway', () => {
  scenario('on PostgreSQL: the whole run rolls back, and the runner says the database stays where it was', async () => {
    const url = await atR3();
    add('r4', 'r3', 'op.create_table("r4_table", sa.Column("id", sa.Integer(), primary_key=True))');
    add('r5', 'r4', 'op.create_table("half_done", sa.Column("id", sa.Integer(), primary_key=True))\nop.execute("SELECT * FROM no_such_table")');
    const result = await runRequest({ operation: { kind: 'upgrade', target: 'heads' }, database: database(url), expectedCurrent: ['r5'] });
    expect(result.errorKind).toBe('alembic');
    expect(result.alembicError).toMatch(/^sqlalchemy\.exc\.ProgrammingError: \(psycopg2?\.[\w.]+\) relation "no_such_table" does not exist/);
    expect(result.message).toMatch(/ lab stays at r3\.$/);
    expect([await rows(url), await regclass(url, 'r4_table'), await regclass(url, 'half_done')]).toEqual([['r3'], null, null]);
  });

  scenario('on SQLite: the revisions before stay, and the runner reports the real state and names what the failed one left', async () => {
    const file = path.join(project.dir, `fail-${counter++}.db`);
    const sqliteDb = database(`sqlite:///${file}`, 'dev', 'sqlite');
    await sqlite(file, 'c.execute("CREATE TABLE sentinel (id integer primary key, payload text)")\nc.executemany("INSERT INTO sentinel VALUES (?, ?)", [(i, str(i) * 3) for i in range(500)])\nc.commit()');
    const sentinel = (): Promise<string> => sqlite(file, 'import hashlib\nrows = c.execute("SELECT id, payload FROM sentinel ORDER BY id").fetchall()\nprint(len(rows), hashlib.md5(repr(rows).encode()).hexdigest())');
    const sentinelBefore = await sentinel();
    add('r4', 'r3', 'op.create_table("r4_table", sa.Column("id", sa.Integer(), primary_key=True))');
    add(
      'r5',
      'r4',
      'op.create_table("half_a", sa.Column("id", sa.Integer(), primary_key=True))\nop.add_column("accounts", sa.Column("nickname", sa.Text()))\nop.execute("INSERT INTO no_such_table VALUES (1)")\nop.create_table("never", sa.Column("id", sa.Integer(), primary_key=True))',
    );
    const result = await runRequest({ operation: { kind: 'upgrade', target: 'heads' }, database: sqliteDb, expectedCurrent: ['r5'] });
    expect(result.errorKind).toBe('alembic');
    expect(result.alembicError).toBe('sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such table: no_such_table [SQL: INSERT INTO no_such_table VALUES (1)]');
    expect(result.after).toEqual(['r4']);
    expect(result.partial).toMatchObject({ revision: 'r5', direction: 'upgrade', certain: true, left: ['table half_a', 'column accounts.nickname'] });
    expect(result.message).toMatch(/ dev is at r4\. r5 failed partway, and this database does not roll DDL back: table half_a, column accounts\.nickname stay from it\.$/);
    expect(await sqlite(file, `print(sorted(r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")))`)).toBe("['accounts', 'alembic_version', 'half_a', 'orders', 'r4_table', 'sentinel']");
    expect(await sentinel()).toBe(sentinelBefore);
  });
});

describe('a migration that cannot run in a transaction', () => {
  scenario('CREATE INDEX CONCURRENTLY in the run’s transaction: PostgreSQL refuses, the runner says why, nothing moves; in an autocommit block it runs', async () => {
    const url = await atR3();
    add('r4', 'r3', 'op.create_index("ix_accounts_email", "accounts", ["email"], postgresql_concurrently=True)', 'op.drop_index("ix_accounts_email")');
    const refused = await runRequest({ operation: { kind: 'upgrade', target: 'heads' }, database: database(url), expectedCurrent: ['r4'] });
    expect(refused.errorKind).toBe('alembic');
    expect(refused.alembicError).toMatch(/ActiveSqlTransaction\) CREATE INDEX CONCURRENTLY cannot run inside a transaction block/);
    expect(refused.message).toMatch(/ lab stays at r3\.$/);
    expect(await regclass(url, 'ix_accounts_email')).toBeNull();
    add('r4', 'r3', 'with op.get_context().autocommit_block():\n    op.create_index("ix_accounts_email", "accounts", ["email"], postgresql_concurrently=True)', 'op.drop_index("ix_accounts_email")');
    const ran = await runRequest({ operation: { kind: 'upgrade', target: 'heads' }, database: database(url), expectedCurrent: ['r4'] });
    expect(ran.ok, ran.message).toBe(true);
    expect([await rows(url), await regclass(url, 'ix_accounts_email')]).toEqual([['r4'], 'ix_accounts_email']);
  });
});

describe('cancel during a long upgrade', () => {
  scenario('the state is reported truthfully afterwards, and no statement of the run keeps running on the server', async () => {
    const url = await atR3();
    add('r4', 'r3', 'op.create_table("quick", sa.Column("id", sa.Integer(), primary_key=True))');
    add('r5', 'r4', 'op.create_table("slow", sa.Column("id", sa.Integer(), primary_key=True))\nop.execute("SELECT pg_sleep(300)")');
    const abort = new AbortController();
    const running = runRequest({ operation: { kind: 'upgrade', target: 'heads' }, database: database(url), expectedCurrent: ['r5'], signal: abort.signal });
    const sleeping = (): Promise<number> =>
      withClient(url, async (c) => (await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'alembic-pilot-run-%' AND query ILIKE '%pg_sleep%' AND state = 'active'`)).rows[0].n as number);
    await eventually('the upgrade sleeping on the server', async () => ((await sleeping()) > 0 ? true : undefined), 60_000);
    const cancelledAt = Date.now();
    abort.abort();
    const result = await running;
    expect(result.errorKind).toBe('cancelled');
    expect(result.cancel?.mayStillRun).toBe(false);
    // One transaction for the run: the quick revision is rolled back with the slow one.
    expect(result.after).toEqual(['r3']);
    expect(result.message).toMatch(/^Cancelled upgrade to heads after \d+\.\d s\. lab is at r3\.$/);
    expect(Date.now() - cancelledAt).toBeLessThan(30_000);
    expect(await sleeping()).toBe(0);
    expect([await rows(url), await regclass(url, 'quick'), await regclass(url, 'slow')]).toEqual([['r3'], null, null]);
  });
});
