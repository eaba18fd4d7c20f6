import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databasesFor, parseDatabasesSetting, readDotenv, resolveDatabase, type DatabaseEnvironment } from '../../../server/src/db/resolve';

let root: string;
let env: DatabaseEnvironment;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-resolve-'));
  mkdirSync(path.join(root, 'backend'));
  env = { configFile: path.join(root, 'backend', 'alembic.ini'), section: 'alembic', here: path.join(root, 'backend') };
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

const setting = (value: unknown) => parseDatabasesSetting(value).databases;

describe('where an environment gets its database URL', () => {
  it('takes the active named database, else the first one for the environment', async () => {
    const databases = setting([
      { name: 'dev', url: 'postgresql://dev@h/dev' },
      { name: 'prod', url: 'postgresql://app:pw@prod/db', production: true, config: 'backend/alembic.ini' },
      { name: 'other', url: 'postgresql://x@h/x', config: 'elsewhere/alembic.ini' },
    ]);
    const opts = { databases, workspaceFolder: root, processEnv: { DATABASE_URL: 'postgresql://env@h/env' } };
    expect(await resolveDatabase(env, opts)).toMatchObject({ source: 'named', name: 'dev', production: false });
    expect(await resolveDatabase(env, { ...opts, active: 'prod' })).toMatchObject({ name: 'prod', production: true, display: 'postgresql://app:***@prod/db', dialect: 'postgresql' });
    expect(await resolveDatabase(env, { ...opts, active: 'other' })).toMatchObject({ name: 'dev' });
  });

  it('reads DATABASE_URL from the process environment before .env, as load_dotenv does', async () => {
    writeFileSync(path.join(env.here, '.env'), 'DATABASE_URL=postgresql://dotenv@h/db\n');
    expect(await resolveDatabase(env, { processEnv: { DATABASE_URL: 'postgresql://process@h/db' } })).toMatchObject({ source: 'process-env', url: 'postgresql://process@h/db' });
    expect(await resolveDatabase(env, { processEnv: {} })).toMatchObject({ source: 'dotenv', url: 'postgresql://dotenv@h/db', file: path.join(env.here, '.env') });
  });

  it('reads the .env of the run directory after the config folder', async () => {
    writeFileSync(path.join(root, '.env'), 'DATABASE_URL="postgresql://root@h/db"\n');
    expect(await resolveDatabase(env, { processEnv: {}, cwd: root })).toMatchObject({ source: 'dotenv', url: 'postgresql://root@h/db' });
    expect(await resolveDatabase(env, { processEnv: {} })).toBeUndefined();
  });

  it('falls back to sqlalchemy.url, but never to the placeholder', async () => {
    expect(await resolveDatabase({ ...env, sqlalchemyUrl: 'sqlite:///dev.db' }, { processEnv: {} })).toMatchObject({ source: 'config', dialect: 'sqlite' });
    expect(await resolveDatabase({ ...env, sqlalchemyUrl: 'driver://user:pass@localhost/dbname' }, { processEnv: {} })).toBeUndefined();
  });

  it('lets the command line win over everything', async () => {
    const databases = setting([{ name: 'dev', url: 'postgresql://dev@h/dev' }]);
    expect(await resolveDatabase(env, { databases, commandLineUrl: 'postgresql://cli@h/db' })).toMatchObject({ source: 'command-line' });
  });
});

describe('.env files (parsed by dotenv)', () => {
  it('handles quotes, comments, export and multi-line values', async () => {
    writeFileSync(
      path.join(root, '.env'),
      [
        '# local settings',
        'DATABASE_URL="postgresql://app:p#ss@localhost:5432/kraken" # the dev database',
        "SINGLE='a b'",
        'export EXPORTED=yes',
        'MULTI="line1',
        'line2"',
        'EMPTY=',
      ].join('\n'),
    );
    const found = await readDotenv(root);
    expect(found?.values).toMatchObject({ DATABASE_URL: 'postgresql://app:p#ss@localhost:5432/kraken', SINGLE: 'a b', EXPORTED: 'yes', MULTI: 'line1\nline2', EMPTY: '' });
  });

  it('is undefined without a file', async () => {
    expect(await readDotenv(root)).toBeUndefined();
  });
});

describe('the alembicPilot.databases setting', () => {
  it('keeps good entries and says what is wrong with the others', () => {
    const { databases, problems } = parseDatabasesSetting([
      { name: 'dev', url: 'postgresql://h/dev' },
      { url: 'postgresql://h/x' },
      { name: 'nourl' },
      'text',
      { name: 'dev', url: 'postgresql://h/again' },
      { name: 'prod', url: 'postgresql://h/p', production: 'yes' },
    ]);
    expect(databases.map((d) => d.name)).toEqual(['dev', 'prod']);
    expect(problems).toHaveLength(5);
    expect(parseDatabasesSetting({ name: 'x' }).problems[0]).toMatch(/must be a list/);
    expect(parseDatabasesSetting(undefined)).toEqual({ databases: [], problems: [] });
  });

  it('matches entries to environments by config file (or its folder) and section', () => {
    const databases = setting([
      { name: 'all', url: 'u' },
      { name: 'byFile', url: 'u', config: 'backend/alembic.ini' },
      { name: 'byFolder', url: 'u', config: 'backend' },
      { name: 'absolute', url: 'u', config: env.configFile },
      { name: 'otherSection', url: 'u', config: 'backend/alembic.ini', section: 'tenant' },
      { name: 'otherFile', url: 'u', config: 'other/alembic.ini' },
    ]);
    expect(databasesFor(env, databases, root).map((d) => d.name)).toEqual(['all', 'byFile', 'byFolder', 'absolute']);
    expect(databasesFor({ ...env, section: 'tenant' }, databases, root).map((d) => d.name)).toEqual(['all', 'byFile', 'byFolder', 'absolute', 'otherSection']);
  });
});
