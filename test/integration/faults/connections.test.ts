import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import { DatabaseConnections, STATE_APPLICATION_NAME } from '../../../server/src/db/connections';
import { DatabaseError } from '../../../server/src/db/errors';
import { pgTarget } from '../../../server/src/db/pgOptions';
import { VersionStateReader, type VersionTableName } from '../../../server/src/db/versionState';
import { AlembicRunner } from '../../../server/src/runner/runner';
import { withClient } from '../../helpers/postgres';
import { eventually } from '../lsp/harness';
import { countingCommand, database, faultArea, labProject, PASSWORD, startLab, withoutPassword, type Lab, type LabProject } from './lab';

/**
 * Refused, slow and lost connections, through the state reader and the runner, against a
 * PostgreSQL cluster of the test's own that it stops, restarts and cuts off.
 */

const python = inject('alembicPython');
const TABLE: VersionTableName = { table: 'alembic_version', source: 'default' };
const env: NodeJS.ProcessEnv = {};

let lab: Lab;
let project: LabProject;
let paused = false;

beforeAll(async () => {
  lab = await startLab();
  project = labProject();
  const runner = new AlembicRunner();
  const result = await runner.run({ env: project.env(), operation: { kind: 'upgrade', target: 'r3' }, command: { argv: [python, '-m', 'alembic'], source: 'interpreter', description: 'the test venv' }, database: database(lab.url) });
  if (!result.ok) throw new Error(result.message);
}, 240_000);

afterAll(async () => {
  project?.remove();
  await lab?.stop();
});

const scenario = faultArea('connections', () => lab.url, async () => {
  if (paused) {
    await lab.server.resume();
    paused = false;
  }
});

async function failure(work: () => Promise<unknown>): Promise<DatabaseError> {
  try {
    await work();
  } catch (e) {
    if (e instanceof DatabaseError) return e;
    throw e;
  }
  throw new Error('expected a DatabaseError');
}

function expectNoSecret(text: string, ...secrets: string[]): void {
  for (const s of [PASSWORD, encodeURIComponent(PASSWORD), ...secrets]) expect(text).not.toContain(s);
}

/** An upgrade through a runner whose Alembic starts are counted. */
async function upgradeCounted(url: string, password?: string): Promise<{ result: Awaited<ReturnType<AlembicRunner['run']>>; starts: number }> {
  const counting = countingCommand(python, project.dir);
  const before = counting.starts();
  const result = await new AlembicRunner().run({ env: project.env(), operation: { kind: 'upgrade', target: 'heads' }, command: counting.command, database: database(url), ...(password ? { password } : {}) });
  return { result, starts: counting.starts() - before };
}

describe('refused connections', () => {
  scenario('server down: the reader and the runner say nothing listens, and Alembic is not started', async () => {
    const reader = new VersionStateReader();
    await lab.server.pause();
    paused = true;
    const e = await failure(() => reader.read(pgTarget(lab.url, { env }), TABLE));
    expect(e.kind).toBe('refused');
    expect(e.message).toMatch(/Nothing accepts connections for the database at postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/lab \(connection refused\)\. Is PostgreSQL running there\?/);
    const { result, starts } = await upgradeCounted(lab.url);
    expect([result.errorKind, result.databaseError?.kind, starts]).toEqual(['database', 'refused', 0]);
    expectNoSecret(`${e.message}\n${result.message}`);
    await reader.close();
  });

  scenario('wrong port: refused, naming the database without its password', async () => {
    const url = lab.url.replace(/:(\d+)\/lab$/, ':1/lab');
    const e = await failure(() => new VersionStateReader().read(pgTarget(url, { env }), TABLE));
    expect(e.kind).toBe('refused');
    expect(e.message).toContain('127.0.0.1:1/lab');
    const { result, starts } = await upgradeCounted(url);
    expect([result.errorKind, result.databaseError?.kind, starts]).toEqual(['database', 'refused', 0]);
    expectNoSecret(`${e.message}\n${result.message}`);
  });

  scenario('wrong password: rejected, a password is asked for, and neither password is shown', async () => {
    const url = withoutPassword(lab.url);
    const reader = new VersionStateReader();
    const e = await failure(() => reader.read(pgTarget(url, { env, password: 'not-the-password' }), TABLE));
    expect([e.kind, e.details.sqlstate, e.needsPassword]).toEqual(['authentication', '28P01', true]);
    const none = await failure(() => reader.read(pgTarget(url, { env }), TABLE));
    expect([none.kind, none.needsPassword]).toEqual(['authentication', true]);
    const { result, starts } = await upgradeCounted(url, 'not-the-password');
    expect([result.errorKind, result.databaseError?.kind, starts]).toEqual(['database', 'authentication', 0]);
    expectNoSecret(`${e.message}\n${none.message}\n${result.message}`, 'not-the-password');
    await reader.close();
  });
});

describe('a slow server', () => {
  scenario('pg_sleep in the read: the statement timeout cancels it with a clear message, and nothing keeps running', async () => {
    await withClient(lab.url, (c) => c.query(`CREATE VIEW slow_version AS SELECT 'r3'::varchar(32) AS version_num FROM pg_sleep(60)`));
    const reader = new VersionStateReader(new DatabaseConnections({ statementTimeoutMs: 1_000 }));
    try {
      const e = await failure(() => reader.read(pgTarget(lab.url, { env }), { table: 'slow_version', source: 'setting' }));
      expect(e.kind).toBe('timeout');
      expect(e.message).toMatch(/^Reading the database at postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/lab took too long and was cancelled \(canceling statement due to statement timeout\)\.$/);
      expect(await sleepingSessions(STATE_APPLICATION_NAME, 'slow_version')).toBe(0);
      expect((await reader.read(pgTarget(lab.url, { env }), TABLE)).current).toEqual(['r3']);
    } finally {
      await reader.close();
      await withClient(lab.url, (c) => c.query('DROP VIEW slow_version'));
    }
  });

  scenario('a lock held by another session: the read times out, and reads again once the lock is gone', async () => {
    const reader = new VersionStateReader(new DatabaseConnections({ statementTimeoutMs: 1_000 }));
    try {
      await withClient(lab.url, async (holder) => {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE');
        const e = await failure(() => reader.read(pgTarget(lab.url, { env }), TABLE));
        expect(e.kind).toBe('timeout');
        expect(e.message).toMatch(/took too long and was cancelled/);
        await holder.query('ROLLBACK');
      });
      expect((await reader.read(pgTarget(lab.url, { env }), TABLE)).current).toEqual(['r3']);
    } finally {
      await reader.close();
    }
  });
});

/** Active sessions of an application whose query mentions `text`. */
async function sleepingSessions(applicationName = STATE_APPLICATION_NAME, text = 'pg_sleep'): Promise<number> {
  return withClient(lab.url, async (c) => {
    const r = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE $1 AND state = 'active' AND query ILIKE '%' || $2 || '%' AND pid <> pg_backend_pid()`,
      [applicationName, text],
    );
    return r.rows[0]!.n;
  });
}

describe('a lost connection', () => {
  scenario('the reader’s connection terminated mid-read: connection lost, and the next refresh reconnects', async () => {
    await withClient(lab.url, (c) => c.query(`CREATE VIEW slow_version AS SELECT 'r3'::varchar(32) AS version_num FROM pg_sleep(30)`));
    const reader = new VersionStateReader(new DatabaseConnections({ statementTimeoutMs: 20_000 }));
    try {
      const reading = failure(() => reader.read(pgTarget(lab.url, { env }), { table: 'slow_version', source: 'setting' }));
      await eventually('the read running on the server', async () => ((await sleepingSessions(STATE_APPLICATION_NAME, 'slow_version')) > 0 ? true : undefined), 20_000);
      await withClient(lab.url, (c) => c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`, [STATE_APPLICATION_NAME]));
      const e = await reading;
      expect(e.kind).toBe('connection-lost');
      expect(e.message).toMatch(/closed the connection|connection .* was (lost|reset)/);
      expectNoSecret(e.message);
      expect((await reader.read(pgTarget(lab.url, { env }), TABLE)).current).toEqual(['r3']);
      expect(reader.connections.size).toBe(1);
    } finally {
      await reader.close();
      await withClient(lab.url, (c) => c.query('DROP VIEW slow_version'));
    }
  });

  scenario('the server restarted while connected: at most one refresh fails, as a lost connection, and the next reads again', async () => {
    const reader = new VersionStateReader();
    const target = pgTarget(lab.url, { env });
    try {
      expect((await reader.read(target, TABLE)).current).toEqual(['r3']);
      await lab.server.pause();
      await lab.server.resume();
      const first = await reader.read(target, TABLE).catch((e: unknown) => e);
      if (first instanceof DatabaseError) {
        expect(['connection-lost', 'refused']).toContain(first.kind);
        expectNoSecret(first.message);
        expect((await reader.read(target, TABLE)).current).toEqual(['r3']);
      } else {
        // The pool saw the connection break while idle and connected again by itself.
        expect(first).toMatchObject({ current: ['r3'] });
      }
    } finally {
      await reader.close();
    }
  });

  scenario('Alembic’s own connection terminated mid-migration: PostgreSQL rolls the run back, and the runner says where the database is', async () => {
    const file = project.add('r4', 'r3', 'op.create_table("half_done", sa.Column("id", sa.Integer(), primary_key=True))\nop.execute("SELECT pg_sleep(60)")', 'op.drop_table("half_done")');
    try {
      const running = new AlembicRunner().run({ env: project.env(), operation: { kind: 'upgrade', target: 'heads' }, command: { argv: [python, '-m', 'alembic'], source: 'interpreter', description: 'the test venv' }, database: database(lab.url), expectedCurrent: ['r4'] });
      await eventually('the migration sleeping on the server', async () => ((await sleepingSessions('alembic-pilot-run-%')) > 0 ? true : undefined), 60_000);
      await withClient(lab.url, (c) => c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'alembic-pilot-run-%' AND pid <> pg_backend_pid()`));
      const result = await running;
      expect(result.errorKind).toBe('alembic');
      expect(result.alembicError).toMatch(/^sqlalchemy\.exc\.OperationalError: \(psycopg2?\.[\w.]+\) (terminating connection due to administrator command|server closed the connection)/);
      expect(result.message).toMatch(/lab stays at r3\.$/);
      expect(await withClient(lab.url, async (c) => (await c.query(`SELECT to_regclass('half_done') AS t`)).rows[0].t)).toBeNull();
      expectNoSecret(result.output.map((l) => l.text).join('\n'));
    } finally {
      rmSync(file);
    }
  });
});
