import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import { pgTarget } from '../../../server/src/db/pgOptions';
import { unknownRevisionError, VersionStateReader, type VersionTableName } from '../../../server/src/db/versionState';
import type { AlembicCommand } from '../../../server/src/runner/command';
import { AlembicRunner, type RunRequest } from '../../../server/src/runner/runner';
import { planUnknownRevisionRepair, purgeStamp } from '../../../server/src/runner/unknownRevision';
import { createDatabase, withClient } from '../../helpers/postgres';
import { run as run_ } from '../../helpers/run';
import { database, faultArea, git, labProject, modelOf, startLab, type Lab, type LabProject } from './lab';

/**
 * Odd version tables: none, two rows, and a revision no file knows, with the guided repair
 * (the git history of the versions folder, then `alembic stamp --purge` once confirmed).
 * The migrations run in a database beside the sentinel's, so that stamping and upgrading the
 * lab's history never has the sentinel in its way.
 */

const python = inject('alembicPython');
const command: AlembicCommand = { argv: [python, '-m', 'alembic'], source: 'interpreter', description: 'the test venv' };
const TABLE: VersionTableName = { table: 'alembic_version', source: 'default' };
const env: NodeJS.ProcessEnv = {};

let lab: Lab;
let project: LabProject;
let counter = 0;
const reader = new VersionStateReader();
const runner = new AlembicRunner();

beforeAll(async () => {
  lab = await startLab();
  project = labProject();
}, 240_000);

afterAll(async () => {
  await reader.close();
  project?.remove();
  await lab?.stop();
});

const scenario = faultArea('version tables', () => lab.url, async () => undefined);

/** A fresh database on the lab's server for one scenario; the sentinel stays in `lab`. */
async function freshDatabase(): Promise<string> {
  return createDatabase(lab.url, `vt_${counter++}`);
}

function run(url: string, operation: RunRequest['operation'], extra: Partial<RunRequest> = {}): ReturnType<AlembicRunner['run']> {
  return runner.run({ env: project.env(), operation, command, database: database(url), ...extra });
}

const rows = (url: string): Promise<string[]> => withClient(url, async (c) => (await c.query<{ v: string }>('SELECT version_num AS v FROM alembic_version ORDER BY 1')).rows.map((r) => r.v));

describe('odd version tables', () => {
  scenario('no alembic_version: read as nothing applied, and the first upgrade creates it', async () => {
    const url = await freshDatabase();
    expect(await reader.read(pgTarget(url, { env }), TABLE)).toEqual({ current: [], tableExists: false, table: TABLE });
    const result = await run(url, { kind: 'upgrade', target: 'heads' }, { expectedCurrent: ['r3'] });
    expect(result.ok, result.message).toBe(true);
    expect(result.message).toMatch(/^Upgraded lab to r3 \(3 revisions\) in \d+\.\d s\.$/);
    expect(await rows(url)).toEqual(['r3']);
  });

  scenario('two rows, one the ancestor of the other: both are read, Alembic’s refusal and status say so, nothing moves, stamp --purge repairs', async () => {
    const url = await freshDatabase();
    expect((await run(url, { kind: 'upgrade', target: 'r3' })).ok).toBe(true);
    await withClient(url, (c) => c.query(`INSERT INTO alembic_version VALUES ('r1')`));
    expect((await reader.read(pgTarget(url, { env }), TABLE)).current).toEqual(['r1', 'r3']);
    const result = await run(url, { kind: 'upgrade', target: 'heads' });
    expect(result.errorKind).toBe('alembic');
    expect(result.alembicError).toBe('Requested revision r3 overlaps with other requested revisions r1');
    expect(result.message).toMatch(/lab stays at r1, r3\.$/);
    expect(await rows(url)).toEqual(['r1', 'r3']);
    const status = await run_(process.execPath, [path.resolve(__dirname, '../../../dist/cli.js'), 'status', '--url', url, project.dir], { timeoutMs: 60_000 });
    expect([status.code, status.stderr.trim()]).toEqual([2, 'alembic-pilot: the history cannot be planned as Alembic would: Requested revision r3 overlaps with other requested revisions r1']);
    // Stamping with --purge is the way out, as for an unknown revision.
    const fixed = await run(url, purgeStamp('r3', 'lab', 'alembic_version').operation);
    expect(fixed.ok, fixed.message).toBe(true);
    expect(await rows(url)).toEqual(['r3']);
  });
});

describe('a version_num that no file knows, with the guided repair', () => {
  scenario('found on another branch in git: explained, the nearest known revision offered, a plain stamp fails, stamp --purge repairs', async () => {
    const repo = labProject();
    try {
      await git(repo.dir, 'init', '--quiet', '--initial-branch=main');
      await git(repo.dir, 'add', '.');
      await git(repo.dir, 'commit', '--quiet', '-m', 'r1 to r3');
      await git(repo.dir, 'checkout', '--quiet', '-b', 'feature/audit');
      repo.add('a4udit000001', 'r3', 'op.create_table("audit", sa.Column("id", sa.Integer(), primary_key=True))', 'op.drop_table("audit")');
      await git(repo.dir, 'add', '.');
      await git(repo.dir, 'commit', '--quiet', '-m', 'Audit table');
      const url = await freshDatabase();
      const onFeature = await runner.run({ env: repo.env(), operation: { kind: 'upgrade', target: 'heads' }, command, database: database(url) });
      expect(onFeature.ok, onFeature.message).toBe(true);
      // Back on main, the database is at a revision this checkout has no file for.
      await git(repo.dir, 'checkout', '--quiet', 'main');
      const state = await reader.read(pgTarget(url, { env }), TABLE);
      const script = repo.project().script;
      const error = unknownRevisionError(state, (id) => script.map.get(id) !== undefined, 'lab');
      expect(error?.details.unknownRevisions).toEqual(['a4udit000001']);

      const repair = await planUnknownRevisionRepair(modelOf(repo).repairInput(state.current));
      expect(repair.found).toMatchObject([{ revision: 'a4udit000001', downRevisions: ['r3'], file: 'migrations/versions/a4udit000001.py', subject: 'Audit table', branches: ['feature/audit'] }]);
      expect(repair.candidates.map((c) => c.revision)).toEqual(['r3']);
      expect(repair.explanation).toContain(`fail with "Can't locate revision identified by 'a4udit000001'"`);
      expect(repair.explanation).toContain('It is on feature/audit: check that out to migrate with its files.');
      expect(repair.explanation).toContain('`alembic stamp --purge r3`');

      // Alembic itself agrees: a plain stamp cannot locate the current revision.
      const plain = await runner.run({ env: repo.env(), operation: { kind: 'stamp', revisions: ['r3'] }, command, database: database(url) });
      expect(plain.errorKind).toBe('alembic');
      expect(plain.alembicError).toMatch(/Can't locate revision identified by 'a4udit000001'/);
      expect(await rows(url)).toEqual(['a4udit000001']);

      const stamp = purgeStamp(repair.candidates[0]!.revision, 'lab', 'alembic_version');
      expect(stamp.confirmation).toMatch(/^Stamp lab to r3\? `alembic stamp --purge r3` deletes every row of alembic_version/);
      const repaired = await runner.run({ env: repo.env(), operation: stamp.operation, command, database: database(url) });
      expect(repaired.ok, repaired.message).toBe(true);
      expect(await rows(url)).toEqual(['r3']);
      const upgrade = await runner.run({ env: repo.env(), operation: { kind: 'upgrade', target: 'heads' }, command, database: database(url), expectedCurrent: ['r3'] });
      expect(upgrade.ok, upgrade.message).toBe(true);
    } finally {
      repo.remove();
    }
  });

  scenario('a deleted revision file two steps away: its parents are followed through git history to a known revision', async () => {
    const repo = labProject();
    try {
      await git(repo.dir, 'init', '--quiet', '--initial-branch=main');
      repo.add('x4', 'r3', 'op.create_table("x4", sa.Column("id", sa.Integer(), primary_key=True))', 'op.drop_table("x4")');
      repo.add('x5', 'x4', 'op.create_table("x5", sa.Column("id", sa.Integer(), primary_key=True))', 'op.drop_table("x5")');
      await git(repo.dir, 'add', '.');
      await git(repo.dir, 'commit', '--quiet', '-m', 'Up to x5');
      const url = await freshDatabase();
      expect((await runner.run({ env: repo.env(), operation: { kind: 'upgrade', target: 'heads' }, command, database: database(url) })).ok).toBe(true);
      await git(repo.dir, 'rm', '--quiet', path.join('migrations', 'versions', 'x4.py'), path.join('migrations', 'versions', 'x5.py'));
      await git(repo.dir, 'commit', '--quiet', '-m', 'Drop x4 and x5');
      const repair = await planUnknownRevisionRepair(modelOf(repo).repairInput(['x5']));
      expect(repair.found.map((f) => [f.revision, f.downRevisions, f.branches])).toEqual([
        ['x5', ['x4'], []],
        ['x4', ['r3'], []],
      ]);
      expect(repair.candidates).toMatchObject([{ revision: 'r3', reason: expect.stringContaining('below x5 → x4') }]);
      expect(repair.explanation).toContain('No branch has it any more: its file was deleted.');
    } finally {
      repo.remove();
    }
  });

  scenario('never committed anywhere: said so, and the heads are offered, each with its caveat', async () => {
    const url = await freshDatabase();
    expect((await run(url, { kind: 'upgrade', target: 'heads' })).ok).toBe(true);
    await withClient(url, (c) => c.query(`UPDATE alembic_version SET version_num = 'feedface0001'`));
    // The lab project is not a git repository: nothing can be found in history.
    rmSync(path.join(project.dir, '.git'), { recursive: true, force: true });
    const repair = await planUnknownRevisionRepair(modelOf(project).repairInput(['feedface0001']));
    expect(repair.found).toEqual([]);
    expect(repair.explanation).toContain('feedface0001 is not in the git history of the version locations either');
    expect(repair.candidates).toEqual([{ revision: 'r3', reason: expect.stringMatching(/^r3 is a head of this checkout: stamp to it only if the database already has everything up to it\.$/) }]);
    const result = await run(url, { kind: 'upgrade', target: 'heads' });
    expect(result.alembicError).toBe("Can't locate revision identified by 'feedface0001'");
    expect(result.message).toMatch(/lab stays at feedface0001\.$/);
  });
});
