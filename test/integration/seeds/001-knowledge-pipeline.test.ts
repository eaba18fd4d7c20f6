import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveDatabase } from '../../../server/src/db/resolve';
import { AlembicRunner } from '../../../server/src/runner/runner';
import { withClient } from '../../helpers/postgres';
import { run } from '../../helpers/run';
import { revisionIds } from '../../helpers/sampleProject';
import { cli, copySeed, environmentOf, lintJson, roundTrip, versionRows, venvCommand, type SeedCopy } from '../../helpers/seedProjects';
import { inWorkspace, scaffoldSession } from '../../helpers/seedScaffold';

/**
 * 001-knowledge-pipeline (../shared/seeds/001): Alembic under src/ run from the repository root
 * with `python -m alembic -c src/alembic.ini`, ids dated by hand (20260110_001), and a data
 * migration that seeds rows, checked by the opt-in seed rule.
 */

const python = inject('alembicPython');
const adminUrl = inject('databaseUrl');
let seed: SeedCopy;
const ini = (): string => seed.file('src/alembic.ini');

beforeAll(async () => {
  seed = await copySeed('001-knowledge-pipeline', adminUrl);
});

afterAll(() => seed?.remove());

/** `python -m alembic -c src/alembic.ini ...` from the repository root, as the team runs it. */
function alembic(args: string[], root = seed.root): ReturnType<typeof run> {
  return run(python, ['-m', 'alembic', '-c', 'src/alembic.ini', ...args], { cwd: root, env: { ...process.env, DATABASE_URL: seed.url!, PYTHONDONTWRITEBYTECODE: '1' }, timeoutMs: 120_000 });
}

function builtinProfiles(): Promise<string[]> {
  return withClient(seed.url!, async (c) => (await c.query<{ name: string }>('SELECT name FROM extraction_profiles WHERE builtin ORDER BY name')).rows.map((r) => r.name));
}

describe('001-knowledge-pipeline through the CLI', () => {
  it('graph prints the hand-dated ids as `alembic history` does', async () => {
    const ours = await cli(['graph', 'src/alembic.ini'], { cwd: seed.root });
    expect(ours.code).toBe(0);
    expect(ours.stdout).toBe('20260110_001 -> 20260110_002 (head), seed builtin profiles\n<base> -> 20260110_001, initial schema\n');
    const theirs = await alembic(['history']);
    expect(theirs.code, theirs.stderr).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
  });

  it('lint: the seed INSERT has ON CONFLICT, so the opt-in seed rule is satisfied; the baseline is noted as not re-runnable', async () => {
    const r = await lintJson('src/alembic.ini', seed.root, ['--config', 'pyproject.toml']);
    expect(r.code).toBe(0);
    expect(r.findings.filter((f) => f.rule === 'seed-insert-without-conflict')).toEqual([]);
    // The seed's own troubleshooting ("relation already exists" on a database init.sql made) is
    // what these notes are about: the baseline cannot run against an existing schema.
    expect(r.findings.map((f) => `${f.severity} ${f.rule} ${f.line}`)).toEqual(['info non-idempotent-op 23', 'info non-idempotent-op 33', 'info non-idempotent-op 44', 'info non-idempotent-op 55']);
    expect(new Set(r.findings.map((f) => f.file))).toEqual(new Set(['src/alembic/versions/20260110_001_initial_schema.py']));
    expect(r.findings[0]!.message).toBe('`op.create_table` of table `extraction_profiles` fails when it already exists, so this base revision breaks when it runs again or against a database that already has its schema.');
  });

  it('lint: the same seed without ON CONFLICT is reported because the project opted in, and not without the opt-in', async () => {
    const copy = await copySeed('001-knowledge-pipeline');
    try {
      const file = copy.file('src/alembic/versions/20260110_002_seed_builtin_profiles.py');
      const text = readFileSync(file, 'utf8').replace('\n        ON CONFLICT (name) DO NOTHING', '');
      writeFileSync(file, text);
      const seedFindings = async (): Promise<string[]> =>
        (await lintJson('src/alembic.ini', copy.root, ['--config', 'pyproject.toml'])).findings.filter((f) => f.rule === 'seed-insert-without-conflict').map((f) => `${f.file}:${f.line} ${f.severity}`);
      const insertLine = text.slice(0, text.indexOf('INSERT INTO extraction_profiles')).split('\n').length;
      expect(await seedFindings()).toEqual([`src/alembic/versions/20260110_002_seed_builtin_profiles.py:${insertLine} warning`]);
      const pyproject = copy.file('pyproject.toml');
      writeFileSync(pyproject, readFileSync(pyproject, 'utf8').replace(/^rules = .*$/m, ''));
      expect(await seedFindings()).toEqual([]);
    } finally {
      await copy.remove();
    }
  });

  it('status lists both revisions as pending, in upgrade order', async () => {
    const r = await cli(['status', '--json', 'src/alembic.ini'], { cwd: seed.root, env: { DATABASE_URL: seed.url! } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ current: [], heads: ['20260110_002'], pending: ['20260110_001', '20260110_002'], upToDate: false });
  });
});

describe('001-knowledge-pipeline through the runner, from the repository root', () => {
  it('fails with Alembic’s own import error when run from the config’s folder, which is why alembicPilot.cwd is "."', async () => {
    const env = environmentOf(ini());
    const database = await resolveDatabase(env, { processEnv: { DATABASE_URL: seed.url! } });
    const result = await new AlembicRunner().run({ env, command: venvCommand(python), database: database!, operation: { kind: 'upgrade', target: 'heads' } });
    expect(result.ok).toBe(false);
    expect(result.errorKind).toBe('alembic');
    expect(result.alembicError).toBe("ModuleNotFoundError: No module named 'src'");
    expect(result.message).toMatch(/stays at base \(nothing applied\)\.$/);
    expect(await versionRows(seed.url!)).toEqual([]);
  });

  it('makes the round trip with cwd at the root, and the data migration seeds its rows each time', async () => {
    const env = environmentOf(ini());
    expect(env.scriptLocation).toBe(seed.file('src/alembic'));
    const database = await resolveDatabase(env, { processEnv: { DATABASE_URL: seed.url! }, cwd: seed.root });
    expect(database).toMatchObject({ source: 'process-env', dialect: 'postgresql' });
    const trip = await roundTrip({ env, command: venvCommand(python), database: database!, cwd: seed.root }, ini(), () => versionRows(seed.url!));
    expect(trip.steps.map((s) => [s.operation, s.rows])).toEqual([
      ['upgrade heads', ['20260110_002']],
      ['downgrade base', []],
      ['upgrade heads', ['20260110_002']],
    ]);
    expect(await builtinProfiles()).toEqual(['general', 'legal', 'scientific']);
  });

  it('status is up to date afterwards', async () => {
    const r = await cli(['status', 'src/alembic.ini'], { cwd: seed.root, env: { DATABASE_URL: seed.url! } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('20260110_002 (head) seed builtin profiles\n0 pending (up to date)\n');
  });
});

describe('001-knowledge-pipeline New Revision with a typed id', () => {
  it('names the file <id>_<slug>.py, and `python -m alembic heads` from the root accepts it and runs it', async () => {
    const session = await scaffoldSession(seed.root);
    try {
      const configFile = inWorkspace(session, 'src/alembic.ini');
      const result = await session.scaffold({ configFile, section: 'alembic', kind: 'revision', message: 'add document language', revId: '20260112_003' });
      if (!result.ok) throw new Error(result.reason);
      expect(result.file).toBe(inWorkspace(session, 'src/alembic/versions/20260112_003_add_document_language.py'));
      expect(result.revId).toBe('20260112_003');
      expect(result.text).toContain(`revision: str = '20260112_003'\ndown_revision: Union[str, Sequence[str], None] = '20260110_002'`);
      await session.create(result, configFile);
      const heads = await alembic(['heads'], session.root);
      expect(heads.code, heads.stderr).toBe(0);
      expect(revisionIds(heads.stdout)).toEqual(['20260112_003']);
      const up = await alembic(['upgrade', 'head'], session.root);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toContain('Running upgrade 20260110_002 -> 20260112_003, add document language');
      expect(await versionRows(seed.url!)).toEqual(['20260112_003']);
      // A typed id that exists already is refused with Alembic's words, and nothing is written.
      const again = await session.scaffold({ configFile, section: 'alembic', kind: 'revision', message: 'again', revId: '20260112_003' });
      expect(again).toMatchObject({ ok: false, fallback: false });
      expect(!again.ok && again.reason).toMatch(/^Revision 20260112_003 already exists/);
      await alembic(['downgrade', '20260110_002'], session.root);
    } finally {
      session.stop();
    }
  });
});
