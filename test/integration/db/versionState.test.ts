import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readEnvPy } from '../../../server/src/core/config/envPy';
import { DatabaseConnections } from '../../../server/src/db/connections';
import { DatabaseError } from '../../../server/src/db/errors';
import { pgTarget } from '../../../server/src/db/pgOptions';
import { unknownRevisionError, versionTableFor, VersionStateReader, type VersionTableName } from '../../../server/src/db/versionState';
import { createDatabase, startPostgres, withClient, withDatabase, type PostgresHandle } from '../../helpers/postgres';
import { copySample, revisionIds, SAMPLE_HEADS, type SampleCopy } from '../../helpers/sampleProject';

/**
 * Reading Alembic's version table through pg, against the shared throwaway PostgreSQL and
 * databases migrated by the real Alembic 1.20; the failure cases use a cluster of their own
 * (with passwords, and stopped while we are connected).
 */

const python = inject('alembicPython');
const adminUrl = inject('databaseUrl');
const DEFAULT_TABLE: VersionTableName = { table: 'alembic_version', source: 'default' };
const env: NodeJS.ProcessEnv = {};

let sample: SampleCopy;
const reader = new VersionStateReader();

beforeAll(async () => {
  sample = await copySample(python, adminUrl);
});

afterAll(async () => {
  await reader.close();
  await sample?.remove();
});

const read = (url: string, table = DEFAULT_TABLE) => reader.read(pgTarget(url, { env }), table);

async function failure(work: () => Promise<unknown>): Promise<DatabaseError> {
  try {
    await work();
  } catch (e) {
    if (e instanceof DatabaseError) return e;
    throw e;
  }
  throw new Error('expected a DatabaseError');
}

describe('version state through pg, as Alembic left it', () => {
  it('reads nothing applied when there is no version table', async () => {
    expect(await read(sample.url!)).toEqual({ current: [], tableExists: false, table: DEFAULT_TABLE });
  });

  it('reads one head', async () => {
    await sample.alembicChecked(['upgrade', '002']);
    expect((await read(sample.url!)).current).toEqual(['002']);
  });

  it('reads several heads, as `alembic current` lists them', async () => {
    await sample.alembicChecked(['upgrade', 'heads']);
    const current = revisionIds((await sample.alembicChecked(['current'])).stdout);
    expect(current).toEqual(SAMPLE_HEADS);
    expect((await read(sample.url!)).current).toEqual(current);
  });

  it('reads an emptied table (downgraded to base) as nothing applied', async () => {
    await sample.alembicChecked(['downgrade', 'base']);
    expect(await read(sample.url!)).toMatchObject({ current: [], tableExists: true });
    await sample.alembicChecked(['upgrade', 'heads']);
  });

  it('names the revisions no file knows', async () => {
    await withClient(sample.url!, (c) => c.query(`INSERT INTO alembic_version VALUES ('0badc0ffee00')`));
    const state = await read(sample.url!);
    const known = sample.project().script.map.revisions;
    const error = unknownRevisionError(state, (id) => known.has(id), 'the sample database');
    expect(error?.kind).toBe('unknown-revision');
    expect(error?.details.unknownRevisions).toEqual(['0badc0ffee00']);
    expect(error?.message).toMatch(/0badc0ffee00, which no revision file declares/);
    await withClient(sample.url!, (c) => c.query(`DELETE FROM alembic_version WHERE version_num = '0badc0ffee00'`));
  });
});

describe('a custom version table', () => {
  let custom: SampleCopy;

  beforeAll(async () => {
    custom = await copySample(python, adminUrl);
    const file = path.join(custom.dir, 'alembic', 'env.py');
    const text = readFileSync(file, 'utf8').replaceAll('context.configure(', 'context.configure(version_table="schema_history", version_table_schema="meta", ');
    writeFileSync(file, text);
    await withClient(custom.url!, (c) => c.query('CREATE SCHEMA meta'));
    await custom.alembicChecked(['upgrade', '002']);
  });

  afterAll(() => custom?.remove());

  it('is found from env.py literals', async () => {
    const facts = readEnvPy(path.join(custom.dir, 'alembic', 'env.py'), readFileSync(path.join(custom.dir, 'alembic', 'env.py'), 'utf8'));
    const table = versionTableFor(undefined, facts);
    expect(table).toEqual({ table: 'schema_history', schema: 'meta', source: 'env.py' });
    expect((await read(custom.url!, table)).current).toEqual(['002']);
    expect(await read(custom.url!)).toMatchObject({ tableExists: false });
  });

  it('is found from the setting, which wins over env.py', async () => {
    const table = versionTableFor('meta.schema_history', { versionTable: 'ignored' });
    expect(table).toEqual({ schema: 'meta', table: 'schema_history', source: 'setting' });
    expect((await read(custom.url!, table)).current).toEqual(['002']);
  });
});

describe('failures, each with a clear message and the URL redacted', () => {
  it('a database that does not exist', async () => {
    const e = await failure(() => read(withDatabase(adminUrl, 'no_such_database')));
    expect(e.kind).toBe('missing-database');
    expect(e.message).toMatch(/no_such_database/);
  });

  it('a port nobody listens on', async () => {
    const e = await failure(() => read('postgresql://postgres@127.0.0.1:1/postgres'));
    expect(e.kind).toBe('refused');
  });

  it('a host name that does not resolve', async () => {
    const e = await failure(() => read('postgresql://postgres:pw@no-such-host.invalid/postgres'));
    expect(e.kind).toBe('dns');
    expect(e.message).not.toContain(':pw@');
  });

  it('TLS required by the URL on a server without it, while prefer falls back', async () => {
    const e = await failure(() => read(`${sample.url!}?sslmode=require`));
    expect(e.kind).toBe('ssl');
    expect((await read(`${sample.url!}?sslmode=prefer`)).current).toEqual(SAMPLE_HEADS);
  });

  it('a user that may not read the version table', async () => {
    const role = `reader_${process.pid}`;
    await withClient(sample.url!, (c) => c.query(`CREATE ROLE ${role} LOGIN`));
    try {
      const url = sample.url!.replace('postgres@', `${role}@`);
      const e = await failure(() => read(url));
      expect(e.kind).toBe('permission-denied');
      expect(e.details.sqlstate).toBe('42501');
    } finally {
      await withClient(sample.url!, (c) => c.query(`DROP ROLE ${role}`));
    }
  });

  it('a read that waits on a lock past the statement timeout', async () => {
    const quick = new VersionStateReader(new DatabaseConnections({ statementTimeoutMs: 300 }));
    await withClient(sample.url!, async (locker) => {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE');
      try {
        const e = await failure(() => quick.read(pgTarget(sample.url!, { env }), DEFAULT_TABLE));
        expect(e.kind).toBe('timeout');
      } finally {
        await locker.query('ROLLBACK');
        await quick.close();
      }
    });
  });
});

describe('a server with passwords, stopped while we are connected', () => {
  const PASSWORD = 'S3cret-pw!';
  let server: PostgresHandle;
  let dbUrl: string;
  const own = new VersionStateReader();

  beforeAll(async () => {
    server = await startPostgres({ password: PASSWORD });
    dbUrl = await createDatabase(server.url, 'passworded');
    await withClient(dbUrl, async (c) => {
      await c.query('CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)');
      await c.query(`INSERT INTO alembic_version VALUES ('001')`);
    });
  }, 180_000);

  afterAll(async () => {
    await own.close();
    await server?.stop();
  });

  const withoutPassword = (): string => dbUrl.replace(`:${encodeURIComponent(PASSWORD)}@`, '@');

  it('asks for a password when none is set, and for another one when it is wrong', async () => {
    const none = await failure(() => own.read(pgTarget(withoutPassword(), { env }), DEFAULT_TABLE));
    expect(none.kind).toBe('authentication');
    expect(none.needsPassword).toBe(true);
    const wrong = await failure(() => own.read(pgTarget(withoutPassword(), { env, password: 'not-it' }), DEFAULT_TABLE));
    expect(wrong.kind).toBe('authentication');
    expect(wrong.details.sqlstate).toBe('28P01');
    expect(wrong.needsPassword).toBe(true);
    expect(wrong.message).not.toContain('not-it');
  });

  it('reads with the password the user typed', async () => {
    expect((await own.read(pgTarget(withoutPassword(), { env, password: PASSWORD }), DEFAULT_TABLE)).current).toEqual(['001']);
  });

  it('says the server went away, then reconnects once it is back', async () => {
    const target = pgTarget(dbUrl, { env });
    expect((await own.read(target, DEFAULT_TABLE)).current).toEqual(['001']);
    expect(own.connections.size).toBe(1);
    await server.pause();
    const e = await failure(() => own.read(target, DEFAULT_TABLE));
    expect(['connection-lost', 'refused']).toContain(e.kind);
    expect(e.message).not.toContain(PASSWORD);
    await server.resume();
    expect((await own.read(target, DEFAULT_TABLE)).current).toEqual(['001']);
  }, 120_000);
});

