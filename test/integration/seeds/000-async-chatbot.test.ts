import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveDatabase } from '../../../server/src/db/resolve';
import { findAlembicCommand } from '../../../server/src/runner/command';
import { AlembicRunner } from '../../../server/src/runner/runner';
import { run } from '../../helpers/run';
import { revisionIds } from '../../helpers/sampleProject';
import { cli, copySeed, environmentOf, lintJson, roundTrip, tablesOf, versionRows, withDriver, writeUvShim, type SeedCopy } from '../../helpers/seedProjects';
import { inWorkspace, scaffoldSession } from '../../helpers/seedScaffold';

/**
 * 000-async-chatbot (../shared/seeds/000): an asyncpg URL in DATABASE_URL and an async env.py,
 * an idempotent raw-SQL baseline, migrations at service start-up through a start script, and
 * Alembic run as `uv run alembic` (a real `uv` stand-in on PATH, see writeUvShim).
 */

const python = inject('alembicPython');
const adminUrl = inject('databaseUrl');
let seed: SeedCopy;
let uvBin: string;
let asyncUrl: string;
const ini = (): string => seed.file('alembic.ini');
const withUv = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: `${uvBin}${path.delimiter}${process.env.PATH ?? ''}`, PYTHONDONTWRITEBYTECODE: '1' });

beforeAll(async () => {
  seed = await copySeed('000-async-chatbot', adminUrl);
  uvBin = writeUvShim(python);
  asyncUrl = withDriver(seed.url!, 'asyncpg');
});

afterAll(async () => {
  await seed?.remove();
  if (uvBin) rmSync(uvBin, { recursive: true, force: true });
});

/** `uv run alembic ...` in the project, as the team types it. */
function uvAlembic(args: string[], cwd = seed.root, databaseUrl: string | undefined = asyncUrl): ReturnType<typeof run> {
  const env = withUv();
  delete env['DATABASE_URL'];
  if (databaseUrl !== undefined) env['DATABASE_URL'] = databaseUrl;
  return run('uv', ['run', 'alembic', ...args], { cwd, env, timeoutMs: 120_000 });
}

describe('000-async-chatbot through the CLI', () => {
  it('graph prints the history exactly as `alembic history` does', async () => {
    const ours = await cli(['graph', 'alembic.ini'], { cwd: seed.root });
    expect(ours.code).toBe(0);
    expect(ours.stdout).toBe('001 -> 002 (head), conversation titles\n<base> -> 001, baseline schema\n');
    const theirs = await uvAlembic(['history'], seed.root, undefined);
    expect(theirs.code, theirs.stderr).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
  });

  it('lint: the idempotent baseline gives no finding, although the team checks idempotency everywhere', async () => {
    const r = await lintJson('.', seed.root);
    expect(r.stderr).toBe('');
    expect(r.findings).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('lint: the same baseline without IF NOT EXISTS is reported, so the quiet result above means something', async () => {
    const copy = await copySeed('000-async-chatbot');
    try {
      const file = copy.file('alembic/versions/001_baseline_schema.py');
      const text = readFileSync(file, 'utf8').replace('CREATE TABLE IF NOT EXISTS turns', 'CREATE TABLE turns').replace('CREATE INDEX IF NOT EXISTS ix_turns_conversation_id', 'CREATE INDEX ix_turns_conversation_id');
      writeFileSync(file, text);
      const lineOf = (needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;
      const r = await lintJson('.', copy.root);
      expect(r.findings.map((f) => `${f.rule} ${f.line}`)).toEqual([`non-idempotent-ddl ${lineOf('CREATE TABLE turns')}`, `non-idempotent-ddl ${lineOf('CREATE INDEX ix_turns')}`]);
      expect(r.findings[0]!.message).toMatch(/^`CREATE TABLE turns` fails when it already exists/);
    } finally {
      await copy.remove();
    }
  });

  it('status reads the asyncpg URL in DATABASE_URL through pg, without Python, and lists what is pending', async () => {
    const r = await cli(['status', '--json', '.'], { cwd: seed.root, env: { DATABASE_URL: asyncUrl } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ current: [], heads: ['002'], pending: ['001', '002'], upToDate: false });
  });
});

describe('000-async-chatbot through the runner, with alembicCommand ["uv", "run", "alembic"]', () => {
  it('finds the command from the setting and makes the round trip upgrade heads → downgrade base → upgrade heads', async () => {
    const command = await findAlembicCommand({ setting: ['uv', 'run', 'alembic'], configDir: seed.root, env: withUv() });
    expect(command).toMatchObject({ argv: ['uv', 'run', 'alembic'], source: 'setting' });
    const env = environmentOf(ini());
    expect(env.envPy.readsDatabaseUrl).toBe(true);
    const database = await resolveDatabase(env, { processEnv: { DATABASE_URL: asyncUrl } });
    expect(database).toMatchObject({ source: 'process-env', dialect: 'postgresql' });
    const runner = new AlembicRunner({ graceMs: 1_000, processEnv: withUv() });
    const trip = await roundTrip({ env, command, database: database! }, ini(), () => versionRows(seed.url!), runner);
    expect(trip.steps.map((s) => [s.operation, s.rows, s.result.steps])).toEqual([
      ['upgrade heads', ['002'], 2],
      ['downgrade base', [], 2],
      ['upgrade heads', ['002'], 2],
    ]);
    expect(trip.steps[0]!.result.message).toMatch(/^Upgraded .* to 002 \(2 revisions\) in \d+\.\d s\.$/);
    expect(await tablesOf(seed.url!)).toEqual(['alembic_version', 'conversations', 'tool_calls', 'turns']);
  });

  it('the start script migrates before the app, outside any editor, with DATABASE_URL from .env', async () => {
    await uvAlembic(['downgrade', 'base']);
    expect(await versionRows(seed.url!)).toEqual([]);
    writeFileSync(seed.file('.env'), `DATABASE_URL=${asyncUrl}\n`);
    try {
      const env = withUv();
      delete env['DATABASE_URL'];
      const started = await run(seed.file('scripts/start.sh'), ['--once'], { cwd: seed.root, env, timeoutMs: 120_000 });
      expect(started.code, started.stderr).toBe(0);
      expect(started.stderr).toMatch(/Running upgrade {2}-> 001, baseline schema[\s\S]*Running upgrade 001 -> 002, conversation titles/);
      expect(started.stdout.trim()).toBe('chatbot ready: schema 002, 0 conversations');
      expect(await versionRows(seed.url!)).toEqual(['002']);
      // A second start finds nothing to do: what the team runs on every deploy.
      const again = await run(seed.file('scripts/start.sh'), ['--once'], { cwd: seed.root, env, timeoutMs: 120_000 });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).not.toMatch(/Running upgrade/);
      // status finds the same .env and sees the new state.
      const status = await cli(['status', '.'], { cwd: seed.root });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toBe('002 (head) conversation titles\n0 pending (up to date)\n');
    } finally {
      rmSync(seed.file('.env'), { force: true });
    }
  });
});

describe('000-async-chatbot New Revision', () => {
  it('renders through the server where Alembic would, and `uv run alembic heads` accepts it', async () => {
    const session = await scaffoldSession(seed.root);
    try {
      const configFile = inWorkspace(session, 'alembic.ini');
      const result = await session.scaffold({ configFile, section: 'alembic', kind: 'revision', message: 'add turn feedback' });
      if (!result.ok) throw new Error(result.reason);
      expect(path.dirname(result.file)).toBe(inWorkspace(session, 'alembic/versions'));
      expect(path.basename(result.file)).toBe(`${result.revId}_add_turn_feedback.py`);
      expect(result.downRevisions).toEqual(['002']);
      await session.create(result, configFile);
      const heads = await uvAlembic(['heads'], session.root, undefined);
      expect(heads.code, heads.stderr).toBe(0);
      expect(revisionIds(heads.stdout)).toEqual([result.revId]);
      // The new revision runs too: the whole history, new file included, upgrades the database.
      const up = await uvAlembic(['upgrade', 'head'], session.root);
      expect(up.code, up.stderr).toBe(0);
      expect(await versionRows(seed.url!)).toEqual([result.revId]);
      await uvAlembic(['downgrade', '002'], session.root);
    } finally {
      session.stop();
    }
  });
});
