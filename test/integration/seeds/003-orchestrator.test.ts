import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { databasesFor, parseDatabasesSetting, resolveDatabase, type NamedDatabase } from '../../../server/src/db/resolve';
import { AlembicRunner } from '../../../server/src/runner/runner';
import { run } from '../../helpers/run';
import { revisionIds } from '../../helpers/sampleProject';
import { cli, copySeed, environmentOf, lintJson, roundTrip, venvCommand, versionRows, type SeedCopy } from '../../helpers/seedProjects';
import { inWorkspace, scaffoldSession } from '../../helpers/seedScaffold';

/**
 * 003-orchestrator (../shared/seeds/003): a `migrations/` folder with a relative
 * script_location, a file_template with date tokens, and three named databases (dev and
 * staging on SQLite, prod on PostgreSQL and marked production) from .vscode/settings.json.
 */

const python = inject('alembicPython');
const adminUrl = inject('databaseUrl');
let seed: SeedCopy;
let databases: NamedDatabase[];
const backend = (): string => seed.file('backend');
const ini = (): string => seed.file('backend/alembic.ini');
const devShell = (): NodeJS.ProcessEnv => ({ PATH: `${path.dirname(python)}${path.delimiter}${process.env.PATH ?? ''}`, PYTHONDONTWRITEBYTECODE: '1' });

beforeAll(async () => {
  seed = await copySeed('003-orchestrator', adminUrl);
  const settings = JSON.parse(readFileSync(seed.file('.vscode/settings.json'), 'utf8')) as Record<string, unknown>;
  const parsed = parseDatabasesSetting(settings['alembicPilot.databases']);
  expect(parsed.problems).toEqual([]);
  // prod points at the team's server; here it is this test's database on the throwaway cluster.
  databases = parsed.databases.map((d) => (d.name === 'prod' ? { ...d, url: seed.url! } : d));
});

afterAll(() => seed?.remove());

function resolve(active: string): ReturnType<typeof resolveDatabase> {
  return resolveDatabase(environmentOf(ini()), { databases, active, workspaceFolder: seed.root, processEnv: {} });
}

describe('003-orchestrator through the CLI', () => {
  it('graph reads the relative migrations/ folder and prints `alembic history`', async () => {
    const ours = await cli(['graph', 'backend'], { cwd: seed.root });
    expect(ours.code).toBe(0);
    expect(ours.stdout).toBe('002 -> 003 (head), add indexes\n001 -> 002, add priority column\n<base> -> 001, initial schema\n');
    const theirs = await run(python, ['-m', 'alembic', 'history'], { cwd: backend(), env: { ...process.env, ...devShell() }, timeoutMs: 120_000 });
    expect(theirs.code, theirs.stderr).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
  });

  it('lint: nothing to report, lock_timeout being set in env.py and the indexes built concurrently', async () => {
    const r = await lintJson('backend', seed.root);
    expect(r.findings).toEqual([]);
    expect(r.code).toBe(0);
  });
});

describe('003-orchestrator named databases', () => {
  it('are dev, staging and prod for backend/alembic.ini; only prod is production', async () => {
    const env = environmentOf(ini());
    expect(env.scriptLocation).toBe(seed.file('backend/migrations'));
    expect(databasesFor(env, databases, seed.root).map((d) => [d.name, d.production])).toEqual([
      ['dev', false],
      ['staging', false],
      ['prod', true],
    ]);
    expect(await resolve('dev')).toMatchObject({ name: 'dev', dialect: 'sqlite', url: 'sqlite:///orchestrator_dev.db', production: false });
    expect(await resolve('prod')).toMatchObject({ name: 'prod', dialect: 'postgresql', production: true });
  });

  it('upgrade dev (SQLite) through the runner; staging is a separate file and stays at base', async () => {
    const runner = new AlembicRunner();
    const env = environmentOf(ini());
    const dev = (await resolve('dev'))!;
    const up = await runner.run({ env, command: venvCommand(python), database: dev, operation: { kind: 'upgrade', target: 'heads' }, expectedCurrent: ['003'] });
    expect(up.message).toMatch(/^Upgraded dev to 003 \(3 revisions\) in \d+\.\d s\.$/);
    expect(existsSync(path.join(backend(), 'orchestrator_dev.db'))).toBe(true);
    const staging = (await resolve('staging'))!;
    const state = await runner.run({ env, command: venvCommand(python), database: staging, operation: { kind: 'current' } });
    expect(state.ok, state.message).toBe(true);
    expect(state.current).toEqual([]);
    // From the repository root, as CI runs it: `alembic current` still runs in backend/, where
    // the relative script_location and sqlite:/// paths of this project point.
    const status = (url: string, extra: string[] = []): ReturnType<typeof cli> => cli(['status', '--json', '--url', url, ...extra, 'backend'], { cwd: seed.root, env: devShell() });
    expect(JSON.parse((await status(dev.url)).stdout)).toMatchObject({ current: ['003'], upToDate: true });
    expect(JSON.parse((await status(staging.url)).stdout)).toMatchObject({ current: [], pending: ['001', '002', '003'], upToDate: false });
    const elsewhere = await status(dev.url, ['--cwd', '.']);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toMatch(/alembic current failed: Path doesn't exist: migrations\./);
  });

  it('prod (PostgreSQL) makes the round trip through the runner', async () => {
    const env = environmentOf(ini());
    const prod = (await resolve('prod'))!;
    const trip = await roundTrip({ env, command: venvCommand(python), database: prod }, ini(), () => versionRows(seed.url!));
    expect(trip.steps.map((s) => [s.operation, s.rows])).toEqual([
      ['upgrade heads', ['003']],
      ['downgrade base', []],
      ['upgrade heads', ['003']],
    ]);
    expect(trip.steps[1]!.result.message).toMatch(/^Downgraded prod to base \(nothing applied\) \(3 revisions\)/);
    const status = await cli(['status', '--url', seed.url!, 'backend'], { cwd: seed.root });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toBe('003 (head) add indexes\n0 pending (up to date)\n');
  });
});

describe('003-orchestrator New Revision', () => {
  it('names the file by the date tokens of file_template, and `alembic heads` accepts it', async () => {
    const session = await scaffoldSession(seed.root);
    try {
      const configFile = inWorkspace(session, 'backend/alembic.ini');
      const result = await session.scaffold({ configFile, section: 'alembic', kind: 'revision', message: 'add task deadlines' });
      if (!result.ok) throw new Error(result.reason);
      expect(path.dirname(result.file)).toBe(inWorkspace(session, 'backend/migrations/versions'));
      const m = /^(\d{4})(\d\d)(\d\d)_(\d\d)(\d\d)_([0-9a-f]{12})_add_task_deadlines\.py$/.exec(path.basename(result.file));
      expect(m, path.basename(result.file)).not.toBeNull();
      // The name's date is the revision's Create Date, as Alembic takes both from one clock reading.
      const created = /^Create Date: (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):/m.exec(result.text);
      expect(created?.slice(1)).toEqual(m!.slice(1, 6));
      expect(m![6]).toBe(result.revId);
      await session.create(result, configFile);
      const heads = await run(python, ['-m', 'alembic', 'heads'], { cwd: inWorkspace(session, 'backend'), env: { ...process.env, ...devShell() }, timeoutMs: 120_000 });
      expect(heads.code, heads.stderr).toBe(0);
      expect(revisionIds(heads.stdout)).toEqual([result.revId]);
    } finally {
      session.stop();
    }
  });
});
