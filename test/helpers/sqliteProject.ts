import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, runChecked, type RunResult } from './run';
import { REPO_ROOT, revisionIds } from './sampleProject';

/**
 * A fresh copy of test/fixtures/sqlite-state (a branched Alembic project that runs on SQLite)
 * and the real Alembic 1.20 run on it, for the tests of the in-process SQLite reader.
 */

export const SQLITE_HEADS = ['b2000000side', 'c1000000main'];

export interface SqliteProject {
  dir: string;
  ini: string;
  /** Runs `python -m alembic -c <ini> ...` in `cwd` (the copy by default) with DATABASE_URL. */
  alembic(args: readonly string[], url: string, options?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  alembicChecked(args: readonly string[], url: string, options?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  /** `alembic current`'s revisions, or throws with Alembic's error. */
  current(url: string, options?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<string[]>;
  remove(): void;
}

export function copySqliteProject(python: string): SqliteProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-sqlite-'));
  cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'sqlite-state'), dir, { recursive: true });
  const ini = path.join(dir, 'alembic.ini');
  const envFor = (url: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...extra, DATABASE_URL: url };
    return env;
  };
  const project: SqliteProject = {
    dir,
    ini,
    alembic: (args, url, options = {}) => run(python, ['-m', 'alembic', '-c', ini, ...args], { cwd: options.cwd ?? dir, env: envFor(url, options.env), timeoutMs: 120_000 }),
    alembicChecked: (args, url, options = {}) => runChecked(python, ['-m', 'alembic', '-c', ini, ...args], { cwd: options.cwd ?? dir, env: envFor(url, options.env), timeoutMs: 120_000 }),
    async current(url, options = {}) {
      const r = await project.alembic(['current'], url, options);
      if (r.code !== 0) throw new Error(`alembic current failed: ${r.stderr.trim()}`);
      return revisionIds(r.stdout).sort();
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  return project;
}

/** Each file's bytes (hashed), size and modification time: what a read-only reader must leave alone. */
export function fileStates(folder: string, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(folder).filter((n) => n.startsWith(prefix)).sort()) {
    const file = path.join(folder, name);
    const stat = statSync(file, { bigint: true });
    out[name] = `${createHash('sha256').update(readFileSync(file)).digest('hex')} ${stat.size} ${stat.mtimeNs} ${stat.ctimeNs}`;
  }
  return out;
}

export interface HeldDatabase {
  /** Ends the Python process (closing stdin lets it finish; SIGKILL if it does not). */
  stop(): Promise<void>;
}

/**
 * Runs `script` in a Python process that keeps the database open: the script's last line must
 * print `ready` and flush; the process then waits until its stdin closes. Used to keep a WAL
 * from being checkpointed, or to hold a lock, while the test reads.
 */
export function holdDatabase(python: string, script: string): Promise<HeldDatabase> {
  const child: ChildProcessWithoutNullStreams = spawn(python, ['-c', `${script}\nimport sys\nsys.stdin.read()\n`], { stdio: 'pipe', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async (): Promise<void> => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve({ stop });
    });
    child.on('close', (code) => reject(new Error(`the holding Python process ended (${String(code)}) before it was ready: ${stderr}`)));
  });
}

/** Runs a Python script to its end (for one-off writes with the sqlite3 module). */
export async function runPython(python: string, script: string): Promise<RunResult> {
  return run(python, ['-c', script], { timeoutMs: 60_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
}
