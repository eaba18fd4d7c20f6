import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveDatabase } from '../../../server/src/db/resolve';
import { withClient } from '../../helpers/postgres';
import { run } from '../../helpers/run';
import { revisionIds } from '../../helpers/sampleProject';
import { cli, copySeed, environmentOf, lintJson, roundTrip, tablesOf, venvCommand, versionRows, withDriver, type SeedCopy } from '../../helpers/seedProjects';
import { inWorkspace, scaffoldSession } from '../../helpers/seedScaffold';

/**
 * 004-rag-chat (../shared/seeds/004): enum types created in DO blocks, UUID keys from
 * gen_random_uuid(), JSONB, an asyncpg URL in backend/.env, a file_template with date tokens,
 * and "reset" as a downgrade to base.
 */

const python = inject('alembicPython');
const adminUrl = inject('databaseUrl');
let seed: SeedCopy;
let asyncUrl: string;
const backend = (): string => seed.file('backend');
const ini = (): string => seed.file('backend/alembic.ini');
const HEAD = '7c1e9a04d2b6';

beforeAll(async () => {
  seed = await copySeed('004-rag-chat', adminUrl);
  asyncUrl = withDriver(seed.url!, 'asyncpg');
  writeFileSync(seed.file('backend/.env'), `# local settings\nDATABASE_URL=${asyncUrl}\n`);
});

afterAll(() => seed?.remove());

function enumTypes(): Promise<string[]> {
  return withClient(seed.url!, async (c) => (await c.query<{ typname: string }>("SELECT typname FROM pg_type WHERE typtype = 'e' ORDER BY 1")).rows.map((r) => r.typname));
}

describe('004-rag-chat through the CLI', () => {
  it('graph prints `alembic history`', async () => {
    const ours = await cli(['graph', 'backend'], { cwd: seed.root });
    expect(ours.code).toBe(0);
    expect(ours.stdout).toBe(`001 -> ${HEAD} (head), add user timezone\n<base> -> 001, initial schema\n`);
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
    delete env['DATABASE_URL'];
    const theirs = await run(python, ['-m', 'alembic', 'history'], { cwd: backend(), env, timeoutMs: 120_000 });
    expect(theirs.code, theirs.stderr).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
  });

  it('lint: the DO blocks make CREATE TYPE idempotent, so the baseline has no idempotency finding', async () => {
    const r = await lintJson('backend', seed.root);
    expect(r.code).toBe(0);
    expect(r.findings).toEqual([]);
  });

  it('lint: a CREATE TYPE without its DO block is reported', async () => {
    const copy = await copySeed('004-rag-chat');
    try {
      const file = copy.file('backend/alembic/versions/20250301_1200-001_initial_schema.py');
      const text = readFileSync(file, 'utf8').replace(
        "DO $$\nBEGIN\n    CREATE TYPE message_role AS ENUM ('user', 'assistant', 'system');\nEXCEPTION\n    WHEN duplicate_object THEN NULL;\nEND $$;\n",
        "CREATE TYPE message_role AS ENUM ('user', 'assistant', 'system');\n",
      );
      writeFileSync(file, text);
      const r = await lintJson('backend', copy.root);
      const ddl = r.findings.filter((f) => f.rule === 'non-idempotent-ddl');
      expect(ddl.map((f) => f.line)).toEqual([text.slice(0, text.indexOf('CREATE TYPE message_role')).split('\n').length]);
      expect(ddl[0]!.message).toMatch(/^`CREATE TYPE message_role` fails when it already exists/);
    } finally {
      await copy.remove();
    }
  });

  it('status finds the asyncpg URL in backend/.env and reads it through pg', async () => {
    const r = await cli(['status', '--json', 'backend'], { cwd: seed.root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ current: [], heads: [HEAD], pending: ['001', HEAD], upToDate: false });
  });
});

describe('004-rag-chat through the runner', () => {
  it('makes the round trip; the schema has its enums, UUID keys and JSONB, and reset (downgrade base) removes all of it', async () => {
    const env = environmentOf(ini());
    const database = await resolveDatabase(env, { processEnv: {} });
    expect(database).toMatchObject({ source: 'dotenv', dialect: 'postgresql', file: seed.file('backend/.env') });
    const trip = await roundTrip({ env, command: venvCommand(python), database: database! }, ini(), () => versionRows(seed.url!));
    expect(trip.steps.map((s) => [s.operation, s.rows])).toEqual([
      ['upgrade heads', [HEAD]],
      ['downgrade base', []],
      ['upgrade heads', [HEAD]],
    ]);
    expect(await enumTypes()).toEqual(['document_status', 'message_role', 'scratchpad_entry_type']);
    const user = await withClient(seed.url!, async (c) => (await c.query<{ id: string; settings: unknown; timezone: string }>("INSERT INTO users (email, display_name, password_hash) VALUES ('a@example.org', 'A', 'x') RETURNING id::text, settings, timezone")).rows[0]!);
    expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(user).toMatchObject({ settings: {}, timezone: 'UTC' });
    expect(trip.steps[1]!.result.message).toMatch(/^Downgraded postgresql\+asyncpg:\/\/postgres@[^ ]+ to base \(nothing applied\) \(2 revisions\) in \d+\.\d s\.$/);
  });

  it('migrate.py, the team’s wrapper, resets and upgrades outside the editor with the same .env', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
    delete env['DATABASE_URL'];
    const reset = await run(python, ['migrate.py', 'reset'], { cwd: backend(), env, timeoutMs: 120_000 });
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('Reverting all migrations completed successfully');
    expect(await tablesOf(seed.url!)).toEqual(['alembic_version']);
    expect(await enumTypes()).toEqual([]);
    const up = await run(python, ['migrate.py', 'upgrade'], { cwd: backend(), env, timeoutMs: 120_000 });
    expect(up.code, up.stderr).toBe(0);
    expect(await versionRows(seed.url!)).toEqual([HEAD]);
  });
});

describe('004-rag-chat New Revision', () => {
  it('names the file YYYYMMDD_HHMM-<rev>_<slug>.py, and `alembic heads` accepts it', async () => {
    const session = await scaffoldSession(seed.root);
    try {
      const configFile = inWorkspace(session, 'backend/alembic.ini');
      const result = await session.scaffold({ configFile, section: 'alembic', kind: 'revision', message: 'add message feedback' });
      if (!result.ok) throw new Error(result.reason);
      expect(path.basename(result.file)).toMatch(new RegExp(`^\\d{8}_\\d{4}-${result.revId}_add_message_feedback\\.py$`));
      expect(result.downRevisions).toEqual([HEAD]);
      await session.create(result, configFile);
      const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
      delete env['DATABASE_URL'];
      const heads = await run(python, ['-m', 'alembic', 'heads'], { cwd: inWorkspace(session, 'backend'), env, timeoutMs: 120_000 });
      expect(heads.code, heads.stderr).toBe(0);
      expect(revisionIds(heads.stdout)).toEqual([result.revId]);
    } finally {
      session.stop();
    }
  });
});
