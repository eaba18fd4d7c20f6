import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { format } from 'sql-formatter';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { planMigration, type Direction } from '../../../server/src/core/graph/migrationPlan';
import type { ResolvedDatabase } from '../../../server/src/db/resolve';
import { AlembicCommandError, findAlembicCommand, type AlembicCommand } from '../../../server/src/runner/command';
import { AlembicRunner, type RunRequest } from '../../../server/src/runner/runner';
import { withClient } from '../../helpers/postgres';
import { copySample, revisionIds, SAMPLE_HEADS, type SampleCopy } from '../../helpers/sampleProject';

/**
 * The runner against the real Alembic 1.20 and PostgreSQL: upgrades, downgrades and stamps
 * through the sample's env.py (DATABASE_URL), checked against the planner's expected version
 * table; Show SQL; SQLite through `alembic current`; and how the command is found.
 */

const python = inject('alembicPython');
const adminUrl = inject('databaseUrl');
const command: AlembicCommand = { argv: [python, '-m', 'alembic'], source: 'interpreter', description: 'the test venv' };
const runner = new AlembicRunner({ graceMs: 1_000 });

let sample: SampleCopy;
let database: ResolvedDatabase;

beforeAll(async () => {
  sample = await copySample(python, adminUrl);
  database = { url: sample.url!, display: sample.url!, source: 'named', name: 'dev', production: false, dialect: 'postgresql' };
});

afterAll(() => sample?.remove());

function request(operation: RunRequest['operation'], extra: Partial<RunRequest> = {}): RunRequest {
  return { env: sample.env(), operation, command, database, ...extra };
}

async function rows(): Promise<string[]> {
  return withClient(sample.url!, async (c) => {
    const exists = await c.query(`SELECT to_regclass('alembic_version') AS t`);
    if (exists.rows[0].t === null) return [];
    return (await c.query<{ version_num: string }>('SELECT version_num FROM alembic_version')).rows.map((r) => r.version_num).sort();
  });
}

/** The revisions Alembic logged as run, in order, from `Running upgrade a -> b` lines. */
function ran(output: readonly { text: string }[]): string[] {
  return output.flatMap((l) => {
    const m = /Running (upgrade|downgrade) (.*?) -> ([^,]*),/.exec(l.text);
    if (!m) return [];
    return m[1] === 'upgrade' ? [m[3]!.trim()] : m[2]!.split(',').map((s) => s.trim());
  });
}

describe('upgrade, downgrade and stamp, checked against the plan', () => {
  it.each<[Direction, string]>([
    ['upgrade', '7d40e9b1f3a6'],
    ['downgrade', '5e1d9a0c7b24'],
    ['upgrade', 'analytics@head'],
    ['upgrade', 'heads'],
    ['downgrade', '002'],
    ['downgrade', 'ab93e5d7c162@-1'],
    ['upgrade', 'heads'],
    ['downgrade', '9b2c41e7d05f'],
    ['downgrade', 'base'],
    ['upgrade', '9b2c41e7d05f'],
  ])('%s %s runs what the planner planned and leaves the rows it expected', async (direction, destination) => {
    const before = await rows();
    const plan = planMigration(sample.project().script, direction, destination, before);
    if ('error' in plan) throw new Error(plan.error);
    const lines: string[] = [];
    const result = await runner.run(request({ kind: direction, target: destination }, { expectedCurrent: plan.expectedCurrent, onOutput: (l) => lines.push(l.text) }));
    expect(result.errorKind, result.message).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.before).toEqual(before);
    expect(result.after).toEqual(plan.expectedCurrent);
    expect(await rows()).toEqual(plan.expectedCurrent);
    expect(ran(result.output)).toEqual(plan.steps.map((s) => s.revision));
    expect(result.steps).toBe(plan.steps.length);
    expect(lines.length).toBe(result.output.length);
    expect(result.message).toMatch(new RegExp(`^${direction === 'upgrade' ? 'Upgraded' : 'Downgraded'} dev to .* \\(${plan.steps.length} revisions?\\) in \\d+\\.\\d s\\.$`));
  });

  it('reports Alembic’s own error for a bad target and leaves the database alone', async () => {
    const before = await rows();
    const result = await runner.run(request({ kind: 'upgrade', target: 'zzzzzz' }));
    expect(result.errorKind).toBe('alembic');
    expect(result.alembicError).toBe("Can't locate revision identified by 'zzzzzz'");
    expect(await rows()).toEqual(before);
  });

  it('stamps, and stamps with --purge', async () => {
    let result = await runner.run(request({ kind: 'stamp', revisions: ['heads'] }));
    expect(result.ok, result.message).toBe(true);
    expect(await rows()).toEqual(SAMPLE_HEADS);
    result = await runner.run(request({ kind: 'stamp', revisions: ['002'], purge: true }));
    expect(result.ok, result.message).toBe(true);
    expect(result.after).toEqual(['002']);
    expect(result.message).toMatch(/^Stamped dev to 002 in/);
  });

  it('says loudly when the table is not where the plan said (another database was migrated)', async () => {
    await sample.alembicChecked(['stamp', '--purge', '9b2c41e7d05f']);
    await sample.alembicChecked(['downgrade', 'base']);
    await sample.alembicChecked(['upgrade', '002']);
    const result = await runner.run(request({ kind: 'upgrade', target: '5e1d9a0c7b24' }, { expectedCurrent: ['c83f2b6e4a17'] }));
    expect(result.ok).toBe(false);
    expect(result.errorKind).toBe('wrong-database');
    expect(result.message).toMatch(/Alembic migrated a different database/);
  });
});

describe('Show SQL (offline)', () => {
  it('prints the upgrade SQL without touching the database, and sql-formatter reads it', async () => {
    const before = await rows();
    const result = await runner.run(request({ kind: 'upgrade-sql', target: 'heads' }));
    expect(result.ok, result.message).toBe(true);
    expect(result.stdout).toMatch(/CREATE TABLE IF NOT EXISTS kraken_conversations/);
    expect(result.stdout).toMatch(/INSERT INTO alembic_version \(version_num\) VALUES \('001'\)/);
    expect(await rows()).toEqual(before);
    expect(format(result.stdout, { language: 'postgresql' })).toMatch(/CREATE TABLE/);
  });

  it('prints a downgrade range', async () => {
    const result = await runner.run(request({ kind: 'downgrade-sql', from: '7d40e9b1f3a6', target: '002' }));
    expect(result.ok, result.message).toBe(true);
    expect(result.stdout).toMatch(/DROP TABLE kraken_feedback/);
    expect(result.stdout).toMatch(/DELETE FROM alembic_version|UPDATE alembic_version/);
  });
});

describe('other dialects through alembic current', () => {
  it('stamps a SQLite database, checks it through `alembic current`, and reads its state', async () => {
    const dbFile = path.join(sample.dir, 'dev.db');
    const sqlite: ResolvedDatabase = { url: `sqlite:///${dbFile}`, display: `sqlite:///${dbFile}`, source: 'dotenv', production: false, dialect: 'sqlite' };
    const stamp = await runner.run(request({ kind: 'stamp', revisions: ['002'] }, { database: sqlite, expectedCurrent: ['002'] }));
    expect(stamp.ok, stamp.message).toBe(true);
    expect(stamp.after).toEqual(['002']);
    const current = await runner.run(request({ kind: 'current' }, { database: sqlite }));
    expect(current.ok, current.message).toBe(true);
    expect(current.current).toEqual(['002']);
  });
});

describe('which command runs Alembic', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-cmd-'));
    mkdirSync(path.join(dir, 'empty-bin'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const noPath = (): NodeJS.ProcessEnv => ({ PATH: path.join(dir, 'empty-bin') });

  it('takes the setting as it is, and refuses a shell string', async () => {
    expect(await findAlembicCommand({ setting: ['uv', 'run', 'alembic'], configDir: dir })).toMatchObject({ argv: ['uv', 'run', 'alembic'], source: 'setting' });
    await expect(findAlembicCommand({ setting: 'uv run alembic', configDir: dir })).rejects.toBeInstanceOf(AlembicCommandError);
  });

  it('takes the selected interpreter when it has alembic, else a .venv beside the config', async () => {
    expect(await findAlembicCommand({ interpreter: python, configDir: dir, env: noPath() })).toMatchObject({ argv: [python, '-m', 'alembic'], source: 'interpreter' });
    symlinkSync(path.dirname(path.dirname(python)), path.join(dir, '.venv'));
    const found = await findAlembicCommand({ interpreter: '/bin/false', configDir: dir, env: noPath() });
    expect(found.source).toBe('venv');
    expect(found.argv[0]).toBe(path.join(dir, '.venv', 'bin', 'python'));
    rmSync(path.join(dir, '.venv'));
  });

  it('finds alembic on PATH, and says clearly when there is none', async () => {
    symlinkSync(path.join(path.dirname(python), 'alembic'), path.join(dir, 'empty-bin', 'alembic'));
    expect(await findAlembicCommand({ configDir: dir, env: noPath() })).toMatchObject({ source: 'path' });
    rmSync(path.join(dir, 'empty-bin', 'alembic'));
    const error = await findAlembicCommand({ interpreter: '/bin/false', configDir: dir, env: noPath() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlembicCommandError);
    expect((error as AlembicCommandError).message).toMatch(/No Alembic found/);
    expect((error as AlembicCommandError).tried).toHaveLength(2);
  });
});

describe('revision and merge through the runner (the scaffold fallback, and autogenerate)', () => {
  let copy: SampleCopy;
  beforeAll(async () => {
    copy = await copySample(python, adminUrl);
    await copy.alembicChecked(['upgrade', 'heads']);
  });
  afterAll(() => copy?.remove());
  const req = (operation: RunRequest['operation']): RunRequest => ({
    env: copy.env(),
    operation,
    command,
    database: { url: copy.url!, display: copy.url!, source: 'named', name: 'dev', production: false, dialect: 'postgresql' },
  });

  it('writes the revision Alembic generates and reports its file', async () => {
    const result = await runner.run(req({ kind: 'revision', message: '-starts with a dash', head: 'analytics@head', revId: '20260110_001' }));
    expect(result.ok, result.message).toBe(true);
    expect(result.files).toHaveLength(1);
    expect(path.basename(result.files![0]!)).toMatch(/-20260110_001_starts_with_a_dash\.py$/);
    expect(readFileSync(result.files![0]!, 'utf8')).toContain('"""-starts with a dash');
    expect(revisionIds((await copy.alembicChecked(['heads'])).stdout)).toEqual(['20260110_001', 'ab93e5d7c162']);
  });

  it('autogenerates against the database', async () => {
    const envPy = path.join(copy.dir, 'alembic', 'env.py');
    writeFileSync(
      envPy,
      readFileSync(envPy, 'utf8').replace(
        'target_metadata = None',
        'import sqlalchemy as sa\ntarget_metadata = sa.MetaData()\nsa.Table("autogen_t", target_metadata, sa.Column("id", sa.Integer, primary_key=True))',
      ),
    );
    await runner.run(req({ kind: 'upgrade', target: 'heads' }));
    const result = await runner.run(req({ kind: 'revision', message: 'add autogen_t', autogenerate: true, head: 'ab93e5d7c162' }));
    expect(result.ok, result.message).toBe(true);
    expect(readFileSync(result.files![0]!, 'utf8')).toMatch(/op\.create_table\('autogen_t'/);
  });

  it('merges heads', async () => {
    const heads = revisionIds((await copy.alembicChecked(['heads'])).stdout);
    expect(heads).toHaveLength(2);
    const result = await runner.run(req({ kind: 'merge', message: 'merge heads', revisions: heads }));
    expect(result.ok, result.message).toBe(true);
    expect(readFileSync(result.files![0]!, 'utf8')).toContain(`('${heads[0]}', '${heads[1]}')`);
    expect(revisionIds((await copy.alembicChecked(['heads'])).stdout)).toHaveLength(1);
  });
});
