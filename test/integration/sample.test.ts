import { promises as fs } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createDatabase, dropDatabase, withClient } from '../helpers/postgres';
import { type RunResult, run, runChecked } from '../helpers/run';

/**
 * Runs the real migrations-sample project with alembic 1.20 against PostgreSQL 15, so that the
 * sample the extension is demonstrated and benchmarked on is known to be a working project:
 * every upgrade applies, every downgrade undoes it, and the baseline really is idempotent.
 */

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SAMPLE_DIR = path.join(REPO_ROOT, 'migrations-sample');
const VERSIONS_DIR = path.join(SAMPLE_DIR, 'alembic', 'versions');
// Relative, as a user would type it from the repository root.
const INI = path.join('migrations-sample', 'alembic.ini');

// Pinned so that an accidental change to the sample's graph shows up here as well as in the
// tests that compare the extension's graph with Alembic's.
const EXPECTED_HEADS = ['ab93e5d7c162', 'e6a3f8c1b920'];
const EXPECTED_BASES = ['001', '9b2c41e7d05f'];

const KRAKEN_TABLES = [
  'analytics.daily_usage',
  'analytics.events',
  'public.kraken_conversations',
  'public.kraken_feedback',
  'public.kraken_tool_calls',
  'public.kraken_turns',
];

const databaseName = `sample_${process.pid}_${Date.now().toString(36)}`;
let python = '';
let adminUrl = '';
let databaseUrl = '';

/** The environment for alembic: the database URL goes in through DATABASE_URL, as env.py expects. */
function alembicEnv(url: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  delete env.DATABASE_URL;
  if (url !== undefined) env.DATABASE_URL = url;
  return env;
}

function alembic(args: readonly string[], url: string | undefined = databaseUrl): Promise<RunResult> {
  return runChecked(python, ['-m', 'alembic', '-c', INI, ...args], {
    cwd: REPO_ROOT,
    env: alembicEnv(url),
    timeoutMs: 120_000,
  });
}

/** Revision ids from `alembic heads` / `alembic current` output such as `e6a3f8c1b920 (analytics) (head)`. */
function revisionIds(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((id) => /^[0-9a-z_]+$/i.test(id))
    .sort();
}

/** Base revisions from `alembic history` lines such as `<base> -> 9b2c41e7d05f (analytics), create ...`. */
function baseIds(history: string): string[] {
  const ids: string[] = [];
  for (const line of history.split('\n')) {
    const match = /^<base> -> ([^\s,]+)/.exec(line.trim());
    if (match?.[1]) ids.push(match[1]);
  }
  return ids.sort();
}

function query<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClient(databaseUrl, work);
}

async function versionRows(): Promise<string[]> {
  return query(async (client) => {
    const result = await client.query<{ version_num: string }>('SELECT version_num FROM alembic_version');
    return result.rows.map((row) => row.version_num).sort();
  });
}

/**
 * Every user-visible object outside the system schemas: schemas, relations (tables, views,
 * indexes, sequences), standalone types such as enums, and functions. Comparing two snapshots
 * shows whether a downgrade left anything behind.
 */
async function schemaSnapshot(): Promise<string[]> {
  return query(async (client) => {
    const system = "('pg_catalog', 'information_schema', 'pg_toast')";
    const result = await client.query<{ item: string }>(`
      SELECT 'schema ' || nspname AS item FROM pg_namespace
       WHERE nspname NOT IN ${system} AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
      UNION ALL
      SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ${system} AND n.nspname NOT LIKE 'pg\\_%'
      UNION ALL
      SELECT 'type ' || n.nspname || '.' || t.typname
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname NOT IN ${system} AND n.nspname NOT LIKE 'pg\\_%'
         AND t.typrelid = 0 AND t.typcategory <> 'A'
      UNION ALL
      SELECT 'function ' || n.nspname || '.' || p.proname
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname NOT IN ${system} AND n.nspname NOT LIKE 'pg\\_%'
    `);
    return result.rows.map((row) => row.item).sort();
  });
}

async function tablesAndViews(): Promise<string[]> {
  return query(async (client) => {
    const result = await client.query<{ name: string }>(`
      SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
       WHERE table_schema IN ('public', 'analytics') ORDER BY 1`);
    return result.rows.map((row) => row.name);
  });
}

async function columnType(table: string, column: string): Promise<string | undefined> {
  return query(async (client) => {
    const result = await client.query<{ type: string }>(
      `SELECT format_type(a.atttypid, a.atttypmod) AS type
         FROM pg_attribute a
        WHERE a.attrelid = $1::regclass AND a.attname = $2 AND NOT a.attisdropped`,
      [table, column],
    );
    return result.rows[0]?.type;
  });
}

/** Loads the baseline revision module with the venv's Python and returns its raw SQL statements. */
async function baselineStatements(): Promise<string[]> {
  const file = (await fs.readdir(VERSIONS_DIR)).find((name) => /-001_.*\.py$/.test(name));
  if (!file) throw new Error(`No baseline revision (id 001) in ${VERSIONS_DIR}`);
  const script = [
    'import importlib.util, json, sys',
    'spec = importlib.util.spec_from_file_location("baseline", sys.argv[1])',
    'module = importlib.util.module_from_spec(spec)',
    'spec.loader.exec_module(module)',
    'print(json.dumps(module.UPGRADE_STATEMENTS))',
  ].join('\n');
  const result = await runChecked(python, ['-c', script, path.join(VERSIONS_DIR, file)], {
    env: alembicEnv(undefined),
    timeoutMs: 60_000,
  });
  const parsed: unknown = JSON.parse(result.stdout);
  if (!Array.isArray(parsed) || !parsed.every((item): item is string => typeof item === 'string')) {
    throw new Error(`UPGRADE_STATEMENTS is not a list of strings: ${result.stdout}`);
  }
  return parsed;
}

describe('migrations-sample runs on PostgreSQL 15 with alembic 1.20', () => {
  let emptySnapshot: string[] = [];
  let heads: string[] = [];

  beforeAll(async () => {
    python = inject('alembicPython');
    adminUrl = inject('databaseUrl');
    databaseUrl = await createDatabase(adminUrl, databaseName);
    emptySnapshot = await schemaSnapshot();
  });

  afterAll(async () => {
    if (adminUrl) await dropDatabase(adminUrl, databaseName);
  });

  test('alembic reports two heads and two bases', async () => {
    heads = revisionIds((await alembic(['heads'])).stdout);
    expect(heads).toEqual(EXPECTED_HEADS);
    expect(baseIds((await alembic(['history'])).stdout)).toEqual(EXPECTED_BASES);
  });

  test('upgrade heads creates every table and records both heads', async () => {
    const result = await alembic(['upgrade', 'heads']);
    // Alembic logs one line per applied revision; all nine must have run.
    expect(result.stderr.match(/Running upgrade/g)).toHaveLength(9);

    expect(await tablesAndViews()).toEqual(
      [...KRAKEN_TABLES, 'analytics.tool_call_usage', 'public.alembic_version'].sort(),
    );
    expect(await versionRows()).toEqual(heads);
    expect(revisionIds((await alembic(['current'])).stdout)).toEqual(heads);

    // Spot checks that the op.* revisions ran, not just the baseline.
    expect(await columnType('kraken_conversations', 'user_id')).toBe('character varying(64)');
    expect(await columnType('kraken_turns', 'cost_usd')).toBe('numeric(12,6)');
    expect(await columnType('kraken_turns', 'reasoning_tokens')).toBe('integer');
    expect(await columnType('kraken_conversations', 'started_at')).toBe('timestamp with time zone');
    expect(await columnType('kraken_tool_calls', 'duration_ms')).toBe('integer');
    const enumValues = await query(async (client) => {
      const rows = await client.query<{ value: string }>(
        "SELECT unnest(enum_range(NULL::kraken_conversation_status))::text AS value",
      );
      return rows.rows.map((row) => row.value);
    });
    expect(enumValues).toEqual(['active', 'ended', 'archived']);
  });

  test('a second upgrade heads is a no-op', async () => {
    const before = await schemaSnapshot();
    const result = await alembic(['upgrade', 'heads']);
    expect(result.stderr).not.toMatch(/Running upgrade/);
    expect(await schemaSnapshot()).toEqual(before);
    expect(await versionRows()).toEqual(heads);
  });

  test('downgrade base undoes every revision', async () => {
    const result = await alembic(['downgrade', 'base']);
    expect(result.stderr.match(/Running downgrade/g)).toHaveLength(9);
    expect(await versionRows()).toEqual([]);
    // Only Alembic's own bookkeeping table (and its primary key index) may remain.
    expect(await schemaSnapshot()).toEqual(
      [...emptySnapshot, 'relation public.alembic_version r', 'relation public.alembic_version_pkc i'].sort(),
    );
  });

  test('the baseline SQL is idempotent and adopts a database that already has the schema', async () => {
    const statements = await baselineStatements();
    expect(statements.length).toBeGreaterThan(0);
    // Replaying the statements twice simulates production, where the tables predate Alembic.
    await query(async (client) => {
      for (let round = 0; round < 2; round++) {
        for (const statement of statements) await client.query(statement);
      }
    });
    expect(await tablesAndViews()).toEqual([
      'public.alembic_version',
      'public.kraken_conversations',
      'public.kraken_tool_calls',
      'public.kraken_turns',
    ]);

    // The baseline must then apply cleanly on top. This run names the psycopg2 driver
    // explicitly, while the runs above used SQLAlchemy's default driver for postgresql://.
    const psycopg2Url = databaseUrl.replace(/^[a-z0-9+]+:/i, 'postgresql+psycopg2:');
    await alembic(['upgrade', 'heads'], psycopg2Url);
    expect(await versionRows()).toEqual(heads);

    await alembic(['downgrade', 'base'], psycopg2Url);
    expect(await tablesAndViews()).toEqual(['public.alembic_version']);
  });

  test('env.py accepts the postgres:// spelling', async () => {
    const herokuStyle = databaseUrl.replace(/^[a-z0-9+]+:/i, 'postgres:');
    const result = await alembic(['current'], herokuStyle);
    expect(revisionIds(result.stdout)).toEqual([]);
  });

  test('offline mode renders the SQL without a database', async () => {
    const result = await alembic(['upgrade', 'heads', '--sql'], undefined);
    expect(result.stdout).toContain('CREATE TABLE IF NOT EXISTS kraken_conversations');
    expect(result.stdout).toContain('CREATE VIEW analytics.tool_call_usage');
    expect(result.stdout).toContain('CREATE TABLE analytics.daily_usage');
  });

  test('online mode without DATABASE_URL fails with a clear message', async () => {
    const result = await run(python, ['-m', 'alembic', '-c', INI, 'current'], {
      cwd: REPO_ROOT,
      env: alembicEnv(undefined),
      timeoutMs: 60_000,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('DATABASE_URL is not set');
  });
});
