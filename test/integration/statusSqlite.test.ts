import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { run } from '../helpers/run';
import { REPO_ROOT } from '../helpers/sampleProject';
import { copySqliteProject, runPython, SQLITE_HEADS, type SqliteProject } from '../helpers/sqliteProject';

/**
 * `alembic-pilot status` on SQLite databases made by the real Alembic 1.20 (bundled CLI, own
 * process): read without Python, the same JSON, text and exit codes as for PostgreSQL, each
 * state held to `alembic current`; the file resolved against the folder Alembic runs in.
 */

const python = inject('alembicPython');
let project: SqliteProject;

beforeAll(() => {
  project = copySqliteProject(python);
});

afterAll(() => project?.remove());

/** A shell with the venv's `alembic` on PATH, for the cases that fall back to it. */
const shell = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.dirname(python)}${path.delimiter}${process.env.PATH ?? ''}`, PYTHONDONTWRITEBYTECODE: '1', ...extra };
  delete env['DATABASE_URL'];
  return env;
};

function status(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run(process.execPath, [path.join(REPO_ROOT, 'dist/cli.js'), 'status', ...args], { cwd: options.cwd ?? project.dir, env: options.env ?? shell(), timeoutMs: 60_000 });
}

describe('status of SQLite, agreeing with `alembic current`', () => {
  const url = 'sqlite:///app.db';

  it('no file yet: nothing applied, exit 1, and stderr names the file it looked for', async () => {
    const r = await status(['--json', '--url', url, '.']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ current: [], heads: SQLITE_HEADS, pending: ['a1000000base', 'b1000000main', 'c1000000main', 'b2000000side'], upToDate: false });
    expect(r.stderr).toBe(`alembic-pilot: No database file at ${path.join(project.dir, 'app.db')} (relative to ${project.dir}, the folder Alembic runs in): nothing applied. SQLAlchemy creates the file on Alembic's first connection; if your database is elsewhere, check the URL and the folder Alembic runs in.\n`);
    expect(existsSync(path.join(project.dir, 'app.db'))).toBe(false);
    expect(await project.current(url)).toEqual([]);
  });

  it('one branch applied: the other is pending, exit 1', async () => {
    await project.alembicChecked(['upgrade', 'c1000000main'], url);
    const r = await status(['--json', '--url', url, '.']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ current: await project.current(url), heads: SQLITE_HEADS, pending: ['b2000000side'], upToDate: false });
  });

  it('both heads applied: up to date, exit 0, one text line per head', async () => {
    await project.alembicChecked(['upgrade', 'heads'], url);
    expect(await project.current(url)).toEqual(SQLITE_HEADS);
    const r = await status(['--url', url, 'alembic.ini']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('b2000000side (side) (head) create audit log\nc1000000main (head) index priority\n0 pending (up to date)\n');
  });

  it('a revision no file declares: exit 1 and `unknown`, where Alembic itself stops', async () => {
    const db = path.join(project.dir, 'app.db');
    await runPython(python, `import sqlite3\nc = sqlite3.connect(${JSON.stringify(db)})\nc.execute("UPDATE alembic_version SET version_num = '0badc0ffee00' WHERE version_num = 'b2000000side'")\nc.commit()`);
    const r = await status(['--json', '--url', url, '.']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ current: ['0badc0ffee00', 'c1000000main'], heads: SQLITE_HEADS, pending: [], upToDate: false, unknown: ['0badc0ffee00'] });
    await expect(project.current(url)).rejects.toThrow(/Can't locate revision identified by '0badc0ffee00'/);
  });

  it('exit 2 for a file that is not a database, and for an in-memory URL it says there is no state', async () => {
    writeFileSync(path.join(project.dir, 'junk.db'), 'junk'.repeat(1000));
    const junk = await status(['--url', 'sqlite:///junk.db', '.']);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toBe(`alembic-pilot: ${path.join(project.dir, 'junk.db')} (from sqlite:///junk.db) is not a readable SQLite database (file is not a database). Alembic cannot use it either; restore it, or delete it to start from an empty database.\n`);
    const memory = await status(['--url', 'sqlite://', '.']);
    expect(memory.code).toBe(1);
    expect(memory.stdout).toBe('base (no revision applied)\n4 pending: a1000000base b1000000main c1000000main b2000000side\n');
    expect(memory.stderr).toMatch(/^alembic-pilot: sqlite:\/\/ is an in-memory SQLite database: every connection starts empty/);
  });
});

describe('status of SQLite: where the file is, and what only Alembic can read', () => {
  it('`--cwd` is the folder a relative sqlite:/// path is resolved in, as Alembic run there resolves it', async () => {
    const copy = copySqliteProject(python);
    try {
      writeFileSync(copy.ini, readFileSync(copy.ini, 'utf8').replace('script_location = migrations', 'script_location = %(here)s/migrations'));
      const runIn = path.join(copy.dir, 'service');
      mkdirSync(runIn);
      await copy.alembicChecked(['upgrade', 'heads'], 'sqlite:///dev.db', { cwd: runIn });
      const there = await status(['--json', '--cwd', 'service', '--url', 'sqlite:///dev.db', '.'], { cwd: copy.dir });
      expect(there.stderr).toBe('');
      expect(there.code).toBe(0);
      expect(JSON.parse(there.stdout)).toMatchObject({ current: await copy.current('sqlite:///dev.db', { cwd: runIn }), upToDate: true });
      // Without --cwd, Alembic runs in the config's folder, where there is no dev.db: the message says where it looked.
      const here = await status(['--json', '--url', 'sqlite:///dev.db', '.'], { cwd: copy.dir });
      expect(here.code).toBe(1);
      expect(here.stderr).toContain(`No database file at ${path.join(copy.dir, 'dev.db')} (relative to ${copy.dir}, the folder Alembic runs in)`);
    } finally {
      copy.remove();
    }
  });

  it('a version table in an attached database goes through `alembic current`, and stderr says why', async () => {
    const copy = copySqliteProject(python);
    try {
      const envPy = path.join(copy.dir, 'migrations', 'env.py');
      writeFileSync(envPy, readFileSync(envPy, 'utf8').replace('context.configure(connection=connection,', 'context.configure(connection=connection, version_table_schema="meta",'));
      const attach = { SQLITE_TEST_ATTACH: path.join(copy.dir, 'meta.db') };
      await copy.alembicChecked(['upgrade', 'heads'], 'sqlite:///app.db', { env: attach });
      const r = await status(['--json', '--url', 'sqlite:///app.db', '.'], { cwd: copy.dir, env: shell(attach) });
      expect(r.stderr).toMatch(
        /^alembic-pilot: reading the state of sqlite:\/\/\/app\.db with `alembic current` through \S+\/alembic on PATH, because the version table is meta\.alembic_version \(from env\.py\), and on SQLite the schema meta is a database that env\.py attaches \(ATTACH DATABASE\); which file that is, only Alembic's connection knows\.\n$/,
      );
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ current: SQLITE_HEADS, upToDate: true });
    } finally {
      copy.remove();
    }
  });
});
