import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveDatabase } from '../../../server/src/db/resolve';
import { AlembicRunner } from '../../../server/src/runner/runner';
import { withClient } from '../../helpers/postgres';
import { run } from '../../helpers/run';
import { revisionIds } from '../../helpers/sampleProject';
import { cli, copySeed, environmentOf, lintJson, pgDatabase, roundTrip, venvCommand, versionRows, type SeedCopy } from '../../helpers/seedProjects';
import { inWorkspace, scaffoldSession } from '../../helpers/seedScaffold';

/**
 * 002-incident-service (../shared/seeds/002): SQLite for development (state through `alembic
 * current`), PostgreSQL elsewhere, `batch_alter_table` revisions that the downgrade rules and
 * the lock rules must read, and the pending-migrations check of CI through `status`.
 */

const python = inject('alembicPython');
const adminUrl = inject('databaseUrl');
let seed: SeedCopy;
const backend = (): string => seed.file('backend');
const ini = (): string => seed.file('backend/alembic.ini');
/** The developers' shell: the venv active, so `alembic` is on PATH. */
const devShell = (): NodeJS.ProcessEnv => ({ PATH: `${path.dirname(python)}${path.delimiter}${process.env.PATH ?? ''}`, PYTHONDONTWRITEBYTECODE: '1' });
const SQLITE_URL = 'sqlite:///./history.db';
const HEADS = ['003_alert_category'];
const ALL = ['001_initial_schema', '002_add_resolution_notes', '003_alert_category'];

beforeAll(async () => {
  seed = await copySeed('002-incident-service', adminUrl);
});

afterAll(() => seed?.remove());

function alembic(args: string[], databaseUrl: string | undefined, cwd = backend()): ReturnType<typeof run> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...devShell() };
  delete env['DATABASE_URL'];
  if (databaseUrl !== undefined) env['DATABASE_URL'] = databaseUrl;
  return run(python, ['-m', 'alembic', ...args], { cwd, env, timeoutMs: 120_000 });
}

/** lint's findings at warning or above, as `<file> <line> <rule>`. */
async function warnings(root: string): Promise<string[]> {
  const r = await lintJson('backend', root);
  return r.findings.filter((f) => f.severity === 'warning' || f.severity === 'error').map((f) => `${path.basename(f.file)}:${f.line} ${f.rule}`);
}

async function withEdited(file: string, edit: (text: string) => string, body: (root: string) => Promise<void>): Promise<void> {
  const copy = await copySeed('002-incident-service');
  try {
    const target = copy.file(file);
    const before = readFileSync(target, 'utf8');
    const after = edit(before);
    expect(after).not.toBe(before);
    writeFileSync(target, after);
    await body(copy.root);
  } finally {
    await copy.remove();
  }
}

describe('002-incident-service through the CLI', () => {
  it('graph prints the descriptive ids as `alembic history` does', async () => {
    const ours = await cli(['graph', 'backend'], { cwd: seed.root });
    expect(ours.code).toBe(0);
    expect(ours.stdout).toBe(
      [
        '002_add_resolution_notes -> 003_alert_category (head), alert category',
        '001_initial_schema -> 002_add_resolution_notes, add resolution notes',
        '<base> -> 001_initial_schema, initial schema',
        '',
      ].join('\n'),
    );
    const theirs = await alembic(['history'], undefined);
    expect(theirs.code, theirs.stderr).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
  });

  it('lint: the lock rules read batch_op calls as PostgreSQL runs them; the batch downgrades are complete', async () => {
    const r = await lintJson('backend', seed.root);
    expect(r.code).toBe(1);
    expect(await warnings(seed.root)).toEqual([
      '002_add_resolution_notes.py:24 missing-lock-timeout',
      '002_add_resolution_notes.py:25 index-without-concurrently',
      '003_alert_category.py:24 missing-lock-timeout',
      '003_alert_category.py:37 drop-column',
    ]);
    const byRule = (rule: string): string | undefined => r.findings.find((f) => f.rule === rule)?.message;
    expect(byRule('index-without-concurrently')).toBe('`batch_op.create_index` builds index `ix_alert_sessions_status` without CONCURRENTLY, so writes to `alert_sessions` are blocked until the whole index is built.');
    expect(byRule('drop-column')).toMatch(/^`batch_op.drop_column` drops `alert_sessions.alert_type`/);
    expect(r.findings.filter((f) => f.rule === 'missing-downgrade' || f.rule === 'incomplete-downgrade')).toEqual([]);
  });

  it('lint: a batch revision whose downgrade does nothing is missing-downgrade', async () => {
    await withEdited(
      'backend/alembic/versions/002_add_resolution_notes.py',
      (t) => t.replace(/def downgrade\(\) -> None:\n[\s\S]*$/, 'def downgrade() -> None:\n    pass\n'),
      async (root) => {
        const found = (await lintJson('backend', root)).findings.filter((f) => f.rule === 'missing-downgrade');
        expect(found.map((f) => path.basename(f.file))).toEqual(['002_add_resolution_notes.py']);
      },
    );
  });

  it('lint: a batch downgrade that forgets the index it should drop is incomplete-downgrade, naming the index', async () => {
    await withEdited(
      'backend/alembic/versions/002_add_resolution_notes.py',
      (t) => t.replace('        batch_op.drop_index("ix_alert_sessions_status")\n', ''),
      async (root) => {
        const found = (await lintJson('backend', root)).findings.filter((f) => f.rule === 'incomplete-downgrade');
        expect(found).toHaveLength(1);
        expect(found[0]!.message).toContain('ix_alert_sessions_status');
      },
    );
  });

  it('status of the developers’ SQLite goes through `alembic current` and says so; CI’s pending check exits 1', async () => {
    const r = await cli(['status', '--json', '.'], { cwd: backend(), env: { ...devShell(), DATABASE_URL: SQLITE_URL } });
    expect(r.stderr).toMatch(/^alembic-pilot: sqlite:\/\/\/\.\/history\.db is not PostgreSQL; reading its state with `alembic current` through .*alembic on PATH\.\n$/);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ current: [], heads: HEADS, pending: ALL, upToDate: false });
  });
});

describe('002-incident-service on SQLite (development) through the runner', () => {
  it('upgrades, downgrades and upgrades again, the state read back through `alembic current`', async () => {
    const env = environmentOf(ini());
    const database = await resolveDatabase(env, { processEnv: { DATABASE_URL: SQLITE_URL } });
    expect(database).toMatchObject({ dialect: 'sqlite', source: 'process-env' });
    const runner = new AlembicRunner({ graceMs: 1_000 });
    const request = { env, command: venvCommand(python), database: database! };
    // SQLite's state, as the view reads it: `alembic current` through the runner.
    const current = async (): Promise<string[]> => {
      const r = await runner.run({ ...request, operation: { kind: 'current' } });
      if (!r.ok) throw new Error(r.message);
      return r.current ?? [];
    };
    const trip = await roundTrip(request, ini(), current, runner);
    expect(trip.steps.map((s) => s.result.after)).toEqual([HEADS, [], HEADS]);
    expect(trip.steps.map((s) => [s.operation, s.rows])).toEqual([
      ['upgrade heads', HEADS],
      ['downgrade base', []],
      ['upgrade heads', HEADS],
    ]);
    expect(existsSync(path.join(backend(), 'history.db'))).toBe(true);
    const status = await cli(['status', '.'], { cwd: backend(), env: { ...devShell(), DATABASE_URL: SQLITE_URL } });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toBe('003_alert_category (head) alert category\n0 pending (up to date)\n');
  });
});

describe('002-incident-service on PostgreSQL (staging, production) through the runner', () => {
  it('makes the round trip', async () => {
    const env = environmentOf(ini());
    const trip = await roundTrip({ env, command: venvCommand(python), database: pgDatabase(seed.url!, 'staging') }, ini(), () => versionRows(seed.url!));
    expect(trip.steps.map((s) => [s.operation, s.rows, s.result.steps])).toEqual([
      ['upgrade heads', HEADS, 3],
      ['downgrade base', [], 3],
      ['upgrade heads', HEADS, 3],
    ]);
  });

  it('CI’s pending check names the one revision a deploy would run, and the data migration keeps the rows', async () => {
    const env = environmentOf(ini());
    const runner = new AlembicRunner();
    const request = { env, command: venvCommand(python), database: pgDatabase(seed.url!, 'staging') };
    expect((await runner.run({ ...request, operation: { kind: 'downgrade', target: '002_add_resolution_notes' } })).ok).toBe(true);
    await withClient(seed.url!, (c) =>
      c.query(
        `INSERT INTO alert_sessions (session_id, alert_type, agent_type, status, started_at_us)
         VALUES ('s1', 'k8s_pod_crashloop', 'kubernetes', 'completed', 1), ('s2', 'argocd_sync_failed', 'argocd', 'failed', 2), ('s3', 'disk_full', 'base', 'pending', 3)`,
      ),
    );
    const pending = await cli(['status', '--json', 'backend'], { cwd: seed.root, env: { DATABASE_URL: seed.url! } });
    expect(pending.code).toBe(1);
    expect(JSON.parse(pending.stdout)).toEqual({ current: ['002_add_resolution_notes'], heads: HEADS, pending: ['003_alert_category'], upToDate: false });
    const text = await cli(['status', 'backend'], { cwd: seed.root, env: { DATABASE_URL: seed.url! } });
    expect(text.stdout).toBe('002_add_resolution_notes add resolution notes\n1 pending: 003_alert_category\n');

    const up = await runner.run({ ...request, operation: { kind: 'upgrade', target: 'heads' }, expectedCurrent: HEADS });
    expect(up.message).toMatch(/^Upgraded staging to 003_alert_category \(1 revision\) in \d+\.\d s\.$/);
    const categories = await withClient(seed.url!, async (c) => (await c.query<{ session_id: string; alert_category: string }>('SELECT session_id, alert_category FROM alert_sessions ORDER BY 1')).rows);
    expect(categories).toEqual([
      { session_id: 's1', alert_category: 'kubernetes' },
      { session_id: 's2', alert_category: 'argocd' },
      { session_id: 's3', alert_category: 'general' },
    ]);
    const done = await cli(['status', 'backend'], { cwd: seed.root, env: { DATABASE_URL: seed.url! } });
    expect(done.code).toBe(0);
  });

  it('refuses to run when env.py would not use our URL (it read only the service settings), and says which file to change', async () => {
    const copy = await copySeed('002-incident-service');
    try {
      const envPy = copy.file('backend/alembic/env.py');
      writeFileSync(envPy, readFileSync(envPy, 'utf8').replace(/if os\.getenv\("DATABASE_URL"\):\n.*\nelif /, 'if '));
      const env = environmentOf(copy.file('backend/alembic.ini'));
      expect(env.envPy.readsDatabaseUrl).toBe(false);
      const result = await new AlembicRunner().run({ env, command: venvCommand(python), database: pgDatabase(seed.url!, 'staging'), operation: { kind: 'upgrade', target: 'heads' } });
      expect(result).toMatchObject({ ok: false, errorKind: 'url-not-used', openFile: envPy });
      expect(result.message).toContain('does not read DATABASE_URL');
    } finally {
      await copy.remove();
    }
  });
});

describe('002-incident-service New Revision', () => {
  it('takes the team’s descriptive id, names the file after it, and `alembic heads` accepts it', async () => {
    const session = await scaffoldSession(seed.root);
    try {
      const configFile = inWorkspace(session, 'backend/alembic.ini');
      const result = await session.scaffold({ configFile, section: 'alembic', kind: 'revision', message: 'add escalation policy', revId: '004_add_escalation_policy' });
      if (!result.ok) throw new Error(result.reason);
      expect(result.file).toBe(inWorkspace(session, 'backend/alembic/versions/004_add_escalation_policy.py'));
      expect(result.downRevisions).toEqual(HEADS);
      await session.create(result, configFile);
      const heads = await alembic(['heads'], undefined, inWorkspace(session, 'backend'));
      expect(heads.code, heads.stderr).toBe(0);
      expect(revisionIds(heads.stdout)).toEqual(['004_add_escalation_policy']);
    } finally {
      session.stop();
    }
  });
});
