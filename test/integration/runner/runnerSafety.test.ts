import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ResolvedDatabase } from '../../../server/src/db/resolve';
import { LOCK_SQL, lockParameters } from '../../../server/src/runner/advisoryLock';
import type { AlembicCommand } from '../../../server/src/runner/command';
import { AlembicRunner, type RunRequest, type RunResult } from '../../../server/src/runner/runner';
import { eventually } from '../lsp/harness';
import { createDatabase, startPostgres, withClient, type PostgresHandle } from '../../helpers/postgres';
import { copySample, REPO_ROOT, SAMPLE_HEADS, type SampleCopy } from '../../helpers/sampleProject';

/**
 * What keeps a run safe: Cancel in the middle of a long statement (the statement is gone from
 * the server afterwards), one run per environment in a process and per database across
 * processes, a migration that fails halfway, passwords kept out of the output, and the rule
 * that our URL must reach Alembic. Real Alembic 1.20, real PostgreSQL.
 */

const python = inject('alembicPython');
const adminUrl = inject('databaseUrl');
const command: AlembicCommand = { argv: [python, '-m', 'alembic'], source: 'interpreter', description: 'the test venv' };

/** A revision on top of the sample's main head, with the given upgrade body. */
function addRevision(sample: SampleCopy, id: string, body: string, down = 'ab93e5d7c162'): void {
  const text = [
    `"""${id}"""`,
    'import os',
    'from alembic import op',
    '',
    `revision = "${id}"`,
    `down_revision = "${down}"`,
    'branch_labels = None',
    'depends_on = None',
    '',
    'def upgrade():',
    ...body.split('\n').map((l) => `    ${l}`),
    '',
    'def downgrade():',
    '    pass',
    '',
  ].join('\n');
  writeFileSync(path.join(sample.dir, 'alembic', 'versions', `${id}.py`), text);
}

function databaseOf(url: string, name = 'dev'): ResolvedDatabase {
  return { url, display: url.replace(/:[^:@/]*@/, ':***@'), source: 'named', name, production: false, dialect: url.startsWith('postgresql') ? 'postgresql' : 'sqlite' };
}

/** Sessions running pg_sleep in the database: ours (by application name), or anyone's. */
async function activeSleeps(url: string, ours = true): Promise<number> {
  return withClient(url, async (c) => {
    const r = await c.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE state = 'active' AND query ILIKE '%pg_sleep(%' AND pid <> pg_backend_pid() AND datname = current_database()
          AND ($1 = false OR application_name LIKE 'alembic-pilot-run-%')`,
      [ours],
    );
    return r.rows[0].n as number;
  });
}

async function rows(url: string): Promise<string[]> {
  return withClient(url, async (c) => (await c.query<{ version_num: string }>('SELECT version_num FROM alembic_version')).rows.map((r) => r.version_num).sort());
}

describe('Cancel and one run at a time', () => {
  let sample: SampleCopy;
  const runner = new AlembicRunner({ graceMs: 2_000 });
  let request: (extra?: Partial<RunRequest>) => RunRequest;

  beforeAll(async () => {
    sample = await copySample(python, adminUrl);
    await sample.alembicChecked(['upgrade', 'heads']);
    addRevision(sample, 'sleep0000001', 'op.execute("SELECT pg_sleep(120)")');
    request = (extra = {}) => ({ env: sample.env(), operation: { kind: 'upgrade', target: 'heads' }, command, database: databaseOf(sample.url!), ...extra });
  });

  afterAll(() => sample?.remove());

  it('refuses a second run of the same environment in this process, and cancels the first mid-statement', async () => {
    const abort = new AbortController();
    const first = runner.run(request({ signal: abort.signal }));
    await eventually('pg_sleep running on the server', async () => ((await activeSleeps(sample.url!)) > 0 ? true : undefined), 60_000);
    expect(runner.isBusy(sample.env())).toBe(true);

    const second = await runner.run(request());
    expect(second.errorKind).toBe('busy');
    expect(second.message).toMatch(/already running/);

    abort.abort();
    const result = await first;
    expect(result.errorKind).toBe('cancelled');
    expect(result.cancel?.how).toBeDefined();
    expect(result.message).toMatch(/^Cancelled upgrade to heads after/);
    // The statement is gone from the server, and the version table did not move.
    await eventually('no pg_sleep left on the server', async () => ((await activeSleeps(sample.url!)) === 0 ? true : undefined), 10_000);
    expect(await rows(sample.url!)).toEqual(SAMPLE_HEADS);
    expect(runner.isBusy(sample.env())).toBe(false);
  }, 120_000);

  it('says the statement may still be running when the driver ignores PGAPPNAME (asyncpg)', async () => {
    const abort = new AbortController();
    const asyncUrl = sample.url!.replace('postgresql://', 'postgresql+asyncpg://');
    const running = runner.run(request({ database: databaseOf(asyncUrl), signal: abort.signal }));
    await eventually('pg_sleep running on the server', async () => ((await activeSleeps(sample.url!, false)) > 0 ? true : undefined), 60_000);
    abort.abort();
    const result = await running;
    expect(result.errorKind).toBe('cancelled');
    expect(result.cancel).toMatchObject({ serverSessionsCancelled: 0, mayStillRun: true });
    expect(result.message).toMatch(/its last statement may still be running there/);
    await withClient(sample.url!, (c) => c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query ILIKE '%pg_sleep(%' AND pid <> pg_backend_pid()`));
    expect(await rows(sample.url!)).toEqual(SAMPLE_HEADS);
  }, 120_000);

  it('refuses a run while another process holds the database’s advisory lock', async () => {
    const script = `
      const pg = require('pg');
      const c = new pg.Client({ connectionString: process.argv[1] });
      c.connect().then(() => c.query(process.argv[2], JSON.parse(process.argv[3]))).then((r) => {
        process.stdout.write(r.rows[0].locked ? 'locked\\n' : 'busy\\n');
        process.stdin.on('end', () => c.end().then(() => process.exit(0)));
        process.stdin.resume();
      });`;
    const holder: ChildProcess = spawn(process.execPath, ['-e', script, sample.url!, LOCK_SQL, JSON.stringify(lockParameters({ table: 'alembic_version', source: 'default' }))], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      const said = await new Promise<string>((resolve) => holder.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
      expect(said).toBe('locked');
      const refused = await runner.run(request({ operation: { kind: 'stamp', revisions: ['002'] } }));
      expect(refused.errorKind).toBe('locked');
      expect(refused.message).toMatch(/Another Alembic Pilot.* is running an operation on .*right now/);
      expect(refused.output).toEqual([]);
      expect(await rows(sample.url!)).toEqual(SAMPLE_HEADS);
    } finally {
      holder.stdin!.end();
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    // Once the other process is done, the same run goes through.
    const allowed = await runner.run(request({ operation: { kind: 'stamp', revisions: ['heads'] } }));
    expect(allowed.ok, allowed.message).toBe(true);
  }, 60_000);
});

describe('a migration that fails halfway', () => {
  let sample: SampleCopy;
  beforeAll(async () => {
    sample = await copySample(python, adminUrl);
    await sample.alembicChecked(['upgrade', 'heads']);
    addRevision(sample, 'good00000001', 'op.execute("CREATE TABLE step_one (id int)")');
    addRevision(sample, 'half00000001', 'op.execute("CREATE TABLE half_done (id int)")\nop.execute("SELECT 1/0")', 'good00000001');
  });
  afterAll(() => sample?.remove());

  it('leaves the database at the previous revision, with Alembic’s error', async () => {
    const runner = new AlembicRunner();
    const result = await runner.run({ env: sample.env(), operation: { kind: 'upgrade', target: 'heads' }, command, database: databaseOf(sample.url!) });
    expect(result.ok).toBe(false);
    expect(result.errorKind).toBe('alembic');
    // The exception line first, then its statement; not the statement line alone.
    expect(result.alembicError).toMatch(/^sqlalchemy\.exc\.\w+: \(psycopg2?\.errors\.DivisionByZero\) division by zero \[SQL: SELECT 1\/0\]$/);
    expect(result.message).toMatch(/stays at ab93e5d7c162, e6a3f8c1b920/);
    expect(result.after).toEqual(SAMPLE_HEADS);
    const tables = await withClient(sample.url!, async (c) => (await c.query(`SELECT to_regclass('half_done') AS a, to_regclass('step_one') AS b`)).rows[0]);
    expect(tables).toEqual({ a: null, b: null });
  });
});

describe('URLs and passwords', () => {
  const PASSWORD = 'Pw-for-redaction-42';
  let server: PostgresHandle;
  let sample: SampleCopy;
  let url: string;
  let urlWithoutPassword: string;

  beforeAll(async () => {
    server = await startPostgres({ password: PASSWORD });
    url = await createDatabase(server.url, 'redaction');
    urlWithoutPassword = url.replace(`:${encodeURIComponent(PASSWORD)}@`, '@');
    sample = await copySample(python);
    addRevision(sample, 'print0000001', 'print("connected with", os.environ["DATABASE_URL"], flush=True)\nprint("password", os.environ.get("PGPASSWORD"), flush=True)', 'e6a3f8c1b920');
  }, 180_000);

  afterAll(async () => {
    await sample?.remove();
    await server?.stop();
  });

  it('runs with a typed password and never lets it into the output', async () => {
    const runner = new AlembicRunner();
    const lines: string[] = [];
    const result: RunResult = await runner.run({
      env: sample.env(),
      operation: { kind: 'upgrade', target: 'heads' },
      command,
      database: databaseOf(urlWithoutPassword),
      password: PASSWORD,
      onOutput: (l) => lines.push(l.text),
    });
    expect(result.ok, result.message).toBe(true);
    expect(result.after).toEqual(['ab93e5d7c162', 'print0000001']);
    const all = [...lines, ...result.output.map((l) => l.text), result.stdout, result.message].join('\n');
    expect(all).toMatch(/connected with postgresql:\/\/postgres:\*\*\*@/);
    expect(all).toMatch(/password \*\*\*/);
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(encodeURIComponent(PASSWORD));
  }, 120_000);

  it('runs a postgresql+asyncpg URL, as the sample’s application writes it', async () => {
    const runner = new AlembicRunner();
    const asyncUrl = url.replace('postgresql://', 'postgresql+asyncpg://');
    const result = await runner.run({ env: sample.env(), operation: { kind: 'downgrade', target: 'e6a3f8c1b920' }, command, database: databaseOf(asyncUrl), expectedCurrent: ['ab93e5d7c162', 'e6a3f8c1b920'] });
    expect(result.ok, result.message).toBe(true);
    expect(result.after).toEqual(['ab93e5d7c162', 'e6a3f8c1b920']);
  }, 120_000);

  it('refuses our URL when env.py does not read DATABASE_URL, before starting Alembic', async () => {
    const envPy = path.join(sample.dir, 'alembic', 'env.py');
    const original = readFileSync(envPy, 'utf8');
    writeFileSync(envPy, original.replace('os.environ.get("DATABASE_URL") or ', ''));
    try {
      const runner = new AlembicRunner();
      const result = await runner.run({ env: sample.env(), operation: { kind: 'upgrade', target: 'heads' }, command, database: databaseOf(url) });
      expect(result.errorKind).toBe('url-not-used');
      expect(result.openFile).toBe(envPy);
      expect(result.message).toMatch(/does not read DATABASE_URL/);
      expect(result.message).not.toContain(PASSWORD);
      expect(result.output).toEqual([]);
    } finally {
      writeFileSync(envPy, original);
    }
  });
});
