import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { delay, run, runChecked } from './run';

/** The Alembic release whose behaviour the project reproduces; the venv must have exactly this one. */
export const ALEMBIC_VERSION = '1.20.0';

/**
 * What the test virtualenv holds. Both PostgreSQL drivers are installed because SQLAlchemy 2.0
 * maps a plain `postgresql://` URL to psycopg2 while SQLAlchemy 2.1 maps it to psycopg 3, and
 * migration projects in the wild name either one explicitly. asyncpg (with greenlet, which
 * SQLAlchemy's asyncio extension needs) runs `postgresql+asyncpg://` URLs, as the sample's
 * application does.
 */
export const VENV_REQUIREMENTS: readonly string[] = [
  `alembic==${ALEMBIC_VERSION}`,
  'SQLAlchemy>=2.0,<3',
  'psycopg2-binary',
  'psycopg[binary]',
  'asyncpg',
  'greenlet',
];

/** A marker written only after a complete install, so a half-built venv is never reused. */
const READY_MARKER = '.alembic-pilot-ready.json';

/** How long a worker waits for another one that is building the venv before giving up. */
const LOCK_WAIT_MS = 15 * 60_000;

/** Where cached virtualenvs live: outside the repository so that they survive fresh checkouts. */
export function cacheRoot(): string {
  return process.env.ALEMBIC_PILOT_CACHE ?? path.join(os.tmpdir(), 'alembic-pilot-cache');
}

/** The venv directory for the current requirement list; a changed list gets a new directory. */
export function venvDir(): string {
  const hash = createHash('sha256').update(VENV_REQUIREMENTS.join('\n')).digest('hex').slice(0, 12);
  return path.join(cacheRoot(), `venv-${hash}`);
}

function venvPythonPath(dir: string): string {
  return process.platform === 'win32' ? path.join(dir, 'Scripts', 'python.exe') : path.join(dir, 'bin', 'python');
}

/** The interpreter used to create the venv; overridable for machines where `python3` is something else. */
function basePython(): string {
  return process.env.ALEMBIC_PILOT_BASE_PYTHON ?? 'python3';
}

/**
 * Returns `alembic.__version__` as seen by `python`, or undefined when alembic (or the
 * interpreter itself) cannot be loaded.
 */
export async function alembicVersionOf(python: string): Promise<string | undefined> {
  try {
    const result = await run(python, ['-c', 'import alembic; print(alembic.__version__)'], { timeoutMs: 60_000 });
    return result.code === 0 ? result.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

let debianProbe: { python: string | undefined } | undefined;

/**
 * Returns `/usr/bin/python3` when Debian's python3-alembic package (an older Alembic, 1.8.1 on
 * bookworm) is importable there, so that tests can compare behaviour across versions; undefined
 * when it is not installed, which is a normal situation.
 */
export function debianAlembicPython(): string | undefined {
  if (!debianProbe) {
    const python = '/usr/bin/python3';
    const probe = spawnSync(python, ['-c', 'import alembic'], { stdio: 'ignore', timeout: 30_000 });
    debianProbe = { python: probe.status === 0 ? python : undefined };
  }
  return debianProbe.python;
}

/**
 * Picks the first URL of pip's configured `extra-index-url` from `pip config list` output.
 * Values are printed as Python reprs such as `global.extra-index-url='file:///a file:///b'`;
 * a list may be separated by spaces or by newlines (shown as a literal `\n`).
 * The `global` scope wins over the others because that is where machine images put it.
 */
export function firstExtraIndexUrl(configListOutput: string): string | undefined {
  const values = new Map<string, string>();
  for (const line of configListOutput.split(/\r?\n/)) {
    const match = /^([^=\s]+)\.extra-index-url=(['"])(.*)\2\s*$/.exec(line.trim());
    if (match?.[1] !== undefined && match[3] !== undefined) values.set(match[1], match[3]);
  }
  for (const scope of ['global', 'site', 'user', ':env:']) {
    const value = values.get(scope);
    if (value === undefined) continue;
    const first = value.split(/\s+|\\n/).find((part) => part.length > 0);
    if (first) return first;
  }
  return undefined;
}

/**
 * The environment for `pip install`. When the machine has a local wheel index configured as an
 * extra index (PyPI itself being unreachable), making it the main index avoids a minute of
 * retries against PyPI; with nothing configured, pip's own defaults are kept.
 */
async function pipEnvironment(): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' };
  if (env.PIP_INDEX_URL) return env;
  const listed = await run(basePython(), ['-m', 'pip', 'config', 'list'], { timeoutMs: 60_000 }).catch(() => undefined);
  const index = listed?.code === 0 ? firstExtraIndexUrl(listed.stdout) : undefined;
  if (index) env.PIP_INDEX_URL = index;
  return env;
}

async function isReady(dir: string, python: string): Promise<boolean> {
  try {
    await fs.access(path.join(dir, READY_MARKER));
  } catch {
    return false;
  }
  // The marker alone is not trusted: the base interpreter may have been removed or upgraded.
  const probe = await run(
    python,
    ['-c', 'import alembic, sqlalchemy, psycopg, psycopg2, asyncpg, greenlet; print(alembic.__version__)'],
    { timeoutMs: 60_000 },
  ).catch(() => undefined);
  return probe?.code === 0 && probe.stdout.trim() === ALEMBIC_VERSION;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes an exclusive lock by creating a directory (atomic on every filesystem we care about).
 * A lock whose owner process is gone, or which is older than the wait limit, is considered stale
 * and taken over, so a crashed test run never blocks later ones.
 */
export async function acquireLock(lockDir: string): Promise<() => Promise<void>> {
  const ownerFile = path.join(lockDir, 'owner.json');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      await fs.writeFile(ownerFile, JSON.stringify({ pid: process.pid, host: os.hostname(), since: Date.now() }));
      return () => fs.rm(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await lockIsStale(lockDir, ownerFile)) {
      await fs.rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${lockDir}; remove it if no other test run is building the venv.`);
    }
    await delay(250);
  }
}

async function lockIsStale(lockDir: string, ownerFile: string): Promise<boolean> {
  try {
    const owner = JSON.parse(await fs.readFile(ownerFile, 'utf8')) as { pid?: unknown; host?: unknown; since?: unknown };
    if (typeof owner.since === 'number' && Date.now() - owner.since > LOCK_WAIT_MS) return true;
    return owner.host === os.hostname() && typeof owner.pid === 'number' && !processIsAlive(owner.pid);
  } catch {
    // The owner file is written just after the directory; give a fresh lock a moment to get it.
    const stat = await fs.stat(lockDir).catch(() => undefined);
    return stat !== undefined && Date.now() - stat.mtimeMs > 30_000;
  }
}

async function buildVenv(dir: string, python: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  try {
    await runChecked(basePython(), ['-m', 'venv', dir], { timeoutMs: 5 * 60_000 });
  } catch (error) {
    const hint =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? `${basePython()} was not found; install Python 3 (apt-get install python3 python3-venv) or set ALEMBIC_PILOT_BASE_PYTHON.`
        : 'Creating the venv failed; on Debian/Ubuntu install python3-venv (apt-get install python3-venv).';
    throw new Error(`${hint}\n${(error as Error).message}`);
  }
  await runChecked(python, ['-m', 'pip', 'install', '--no-input', ...VENV_REQUIREMENTS], {
    env: await pipEnvironment(),
    timeoutMs: 10 * 60_000,
  });
  const version = await alembicVersionOf(python);
  if (version !== ALEMBIC_VERSION) {
    throw new Error(`The venv at ${dir} has alembic ${String(version)} instead of ${ALEMBIC_VERSION}.`);
  }
  await fs.writeFile(
    path.join(dir, READY_MARKER),
    JSON.stringify({ requirements: VENV_REQUIREMENTS, alembic: version, created: new Date().toISOString() }, null, 2),
  );
}

async function ensureVenv(): Promise<string> {
  const dir = venvDir();
  const python = venvPythonPath(dir);
  if (await isReady(dir, python)) return python;
  await fs.mkdir(path.dirname(dir), { recursive: true });
  const release = await acquireLock(`${dir}.lock`);
  try {
    // Another worker or test run may have finished the venv while we waited for the lock.
    if (!(await isReady(dir, python))) await buildVenv(dir, python);
    return python;
  } finally {
    await release();
  }
}

let pending: Promise<string> | undefined;

/**
 * Returns the interpreter of a cached virtualenv with alembic 1.20.0, SQLAlchemy 2.x, psycopg2,
 * psycopg 3 and asyncpg, creating it on first use. Concurrent callers, in this process or in other
 * test workers, share one build.
 */
export function alembicPython(): Promise<string> {
  if (!pending) {
    pending = ensureVenv().catch((error: unknown) => {
      // A failed attempt is not cached, so that a later call can retry.
      pending = undefined;
      throw error;
    });
  }
  return pending;
}
