import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withClient } from '../helpers/postgres';
import { run } from '../helpers/run';
import { copySample, REPO_ROOT, SAMPLE_HEADS, type SampleCopy } from '../helpers/sampleProject';

/**
 * `alembic-pilot status` as a CI job runs it (dist/cli.js in its own process) against a database
 * migrated by the real Alembic 1.20: each state, its exit code, JSON and text.
 */

const python = inject('alembicPython');
const adminUrl = inject('databaseUrl');
let sample: SampleCopy;

beforeAll(async () => {
  sample = await copySample(python, adminUrl);
});

afterAll(() => sample?.remove());

interface Status {
  current: string[];
  heads: string[];
  pending: string[];
  upToDate: boolean;
  unknown?: string[];
}

async function status(args: string[], env: NodeJS.ProcessEnv = {}, cwd = sample.dir): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('DATABASE_URL' in env)) delete base['DATABASE_URL'];
  return run(process.execPath, [path.join(REPO_ROOT, 'dist/cli.js'), 'status', ...args], { cwd, env: base, timeoutMs: 60_000 });
}

async function json(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; status: Status; stderr: string }> {
  const r = await status(['--json', '--url', sample.url!, ...args, sample.dir], env);
  return { code: r.code, status: JSON.parse(r.stdout) as Status, stderr: r.stderr };
}

describe('status of a PostgreSQL database, without Python', () => {
  it('lists every revision as pending, in the order `alembic upgrade heads` runs them', async () => {
    const r = await json();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.status.current).toEqual([]);
    expect(r.status.upToDate).toBe(false);
    expect([...r.status.heads].sort()).toEqual(SAMPLE_HEADS);
    const upgraded = await sample.alembicChecked(['upgrade', 'heads']);
    const order = [...upgraded.stderr.matchAll(/Running upgrade .*? -> (\S+),/g)].map((m) => m[1]);
    expect(r.status.pending).toEqual(order);
    await sample.alembicChecked(['downgrade', 'base']);
  });

  it('prints one line per current revision and the pending count', async () => {
    await sample.alembicChecked(['upgrade', '002']);
    const r = await status(['--url', sample.url!, sample.ini]);
    expect(r.code).toBe(1);
    // Alembic's own order from 002, from its offline mode.
    const offline = await sample.alembicChecked(['upgrade', '002:heads', '--sql']);
    const order = [...offline.stdout.matchAll(/-- Running upgrade .*? -> (\S+)/g)].map((m) => m[1]);
    expect(order).toHaveLength(7);
    expect(r.stdout.trim().split('\n')).toEqual(['002 add user_id to conversations', `7 pending: ${order.join(' ')}`]);
  });

  it('exits 0 at the heads, reading DATABASE_URL from the environment', async () => {
    await sample.alembicChecked(['upgrade', 'heads']);
    const r = await status([sample.dir], { DATABASE_URL: sample.url! });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'ab93e5d7c162 (head) conversation timestamps with time zone',
      'e6a3f8c1b920 (analytics) (head) add analytics daily usage',
      '0 pending (up to date)',
    ]);
    expect((await json()).status).toMatchObject({ current: SAMPLE_HEADS, pending: [], upToDate: true });
  });

  it('reads DATABASE_URL from a .env beside the config', async () => {
    writeFileSync(path.join(sample.dir, '.env'), `DATABASE_URL=${sample.url!}\n`);
    const r = await status(['--json', sample.dir]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Status).upToDate).toBe(true);
  });

  it('exits 1 for a revision that no file declares', async () => {
    await withClient(sample.url!, (c) => c.query(`INSERT INTO alembic_version VALUES ('feedfacecafe')`));
    const r = await json();
    expect(r.code).toBe(1);
    expect(r.status).toMatchObject({ unknown: ['feedfacecafe'], upToDate: false, pending: [] });
    const text = await status(['--url', sample.url!, sample.dir]);
    expect(text.stdout).toMatch(/feedfacecafe \(unknown: no revision file declares it\)/);
    await withClient(sample.url!, (c) => c.query(`DELETE FROM alembic_version WHERE version_num = 'feedfacecafe'`));
  });

  it('exits 2 with the URL redacted when the database cannot be read', async () => {
    const r = await status(['--url', 'postgresql://app:Sup3rSecret@127.0.0.1:1/kraken', sample.dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/postgresql:\/\/app:\*\*\*@127\.0\.0\.1:1\/kraken.*connection refused/);
    expect(r.stderr).not.toContain('Sup3rSecret');
  });

  it('exits 2 when no database is configured, or the config is not there', async () => {
    const none = await status([path.join(REPO_ROOT, 'migrations-sample')], {}, os.tmpdir());
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no database is configured/);
    const missing = await status(['--name', 'nosuchsection', sample.dir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no \[nosuchsection\] section/);
  });
});

describe('status with the version table env.py names', () => {
  it('reads meta.schema_history, as env.py configures it', async () => {
    const custom = await copySample(python, adminUrl);
    try {
      const file = path.join(custom.dir, 'alembic', 'env.py');
      writeFileSync(file, readFileSync(file, 'utf8').replaceAll('context.configure(', 'context.configure(version_table="schema_history", version_table_schema="meta", '));
      await withClient(custom.url!, (c) => c.query('CREATE SCHEMA meta'));
      await custom.alembicChecked(['upgrade', '002']);
      const r = await run(process.execPath, [path.join(REPO_ROOT, 'dist/cli.js'), 'status', '--json', '--url', custom.url!, custom.dir], { cwd: custom.dir, timeoutMs: 60_000 });
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ current: ['002'] });
    } finally {
      await custom.remove();
    }
  });
});

describe('status of a SQLite database, through alembic current', () => {
  it('falls back to the runner and says so on stderr', async () => {
    symlinkSync(path.dirname(path.dirname(python)), path.join(sample.dir, '.venv'));
    const url = `sqlite:///${path.join(sample.dir, 'dev.db')}`;
    await sample.alembicChecked(['stamp', '7d40e9b1f3a6'], url);
    const r = await status(['--json', '--url', url, sample.dir]);
    expect(r.stderr).toMatch(/is not PostgreSQL; reading its state with `alembic current` through the virtual environment/);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ current: ['7d40e9b1f3a6'], pending: ['9b2c41e7d05f', '41f7c2d9e8b3', 'ab93e5d7c162', 'e6a3f8c1b920'], upToDate: false });
  });
});
