import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { delay, describeFailure, redactSecrets, run, runChecked } from './run';

/** A running PostgreSQL server that tests may use; `stop` is safe to call more than once. */
export interface PostgresHandle {
  /** A superuser URL for the server's `postgres` database (with the password, when there is one). */
  url: string;
  stop(): Promise<void>;
  /** Stops the server but keeps its data, for tests of a database that goes away (own clusters only). */
  pause(): Promise<void>;
  /** Starts a paused server again on the same port. */
  resume(): Promise<void>;
}

export interface StartOptions {
  /**
   * A superuser password: the cluster then authenticates every TCP connection with
   * scram-sha-256 instead of trusting it, for tests of wrong and missing passwords.
   */
  password?: string;
}

/** Where Debian's postgresql-15 package puts the server programs; overridable for other layouts. */
function postgresBinDir(): string {
  return process.env.ALEMBIC_PILOT_PG_BIN ?? '/usr/lib/postgresql/15/bin';
}

const INSTALL_HINT =
  'Install PostgreSQL 15 with `apt-get update && apt-get install -y postgresql-15`, ' +
  'or set TEST_DATABASE_URL=postgresql://user@host:port/db to use an existing server.';

/**
 * Connects repeatedly until the server answers a query or the deadline passes. Polling beats a
 * fixed sleep: it returns as soon as the server is up and still tolerates a slow machine.
 */
export async function waitForConnection(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await client.end().catch(() => undefined);
    }
    await delay(100);
  }
  throw new Error(
    `PostgreSQL at ${redactSecrets(url)} did not accept connections within ${timeoutMs} ms: ` +
      redactSecrets(lastError instanceof Error ? lastError.message : String(lastError)),
  );
}

/** Asks the kernel for a currently free TCP port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('Could not determine a free port.'));
      });
    });
  });
}

async function postgresUserIds(): Promise<{ uid: number; gid: number }> {
  const uid = await run('id', ['-u', 'postgres']);
  const gid = await run('id', ['-g', 'postgres']);
  if (uid.code !== 0 || gid.code !== 0) {
    throw new Error(`We run as root, and initdb refuses root, but there is no "postgres" user. ${INSTALL_HINT}`);
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Starts a throwaway PostgreSQL 15 cluster in a fresh directory under the system temp dir, with
 * trust authentication on 127.0.0.1, a free port and durability switched off for speed. When
 * TEST_DATABASE_URL is set, that server is used instead and `stop` leaves it alone.
 */
export async function startPostgres(options: StartOptions = {}): Promise<PostgresHandle> {
  const external = process.env.TEST_DATABASE_URL;
  if (external && options.password === undefined) {
    await waitForConnection(external);
    const refuse = async (): Promise<void> => {
      throw new Error('TEST_DATABASE_URL names a server these tests may not stop.');
    };
    return { url: external, stop: async () => undefined, pause: refuse, resume: refuse };
  }

  const bin = postgresBinDir();
  const initdb = path.join(bin, 'initdb');
  const pgCtl = path.join(bin, 'pg_ctl');
  for (const program of [initdb, pgCtl, path.join(bin, 'postgres')]) {
    if (!existsSync(program)) throw new Error(`${program} does not exist. ${INSTALL_HINT}`);
  }

  // initdb refuses to run as root, so as root every server program runs as the postgres user,
  // which is also why the cluster lives in the temp dir: that user cannot enter /root.
  const asRoot = process.getuid?.() === 0;
  const command = (program: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];

  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'alembic-pilot-pg-'));
  const dataDir = path.join(base, 'data');
  const logFile = path.join(base, 'postgres.log');

  let stopped = false;
  const stopSync = (): void => {
    if (stopped) return;
    stopped = true;
    const [cmd, args] = command(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
    rmSync(base, { recursive: true, force: true });
  };
  // If the test process exits without calling stop (a crash, an unhandled error, Ctrl+C, a CI
  // runner's SIGTERM), the server would otherwise keep running with its data dir left behind.
  process.once('exit', stopSync);
  const unhook = stopOnSignals(stopSync);

  try {
    if (asRoot) {
      const { uid, gid } = await postgresUserIds();
      await fs.chown(base, uid, gid);
    }
    const auth = ['--auth=trust'];
    if (options.password !== undefined) {
      const pwfile = path.join(base, 'pwfile');
      await fs.writeFile(pwfile, `${options.password}\n`);
      if (asRoot) {
        const { uid, gid } = await postgresUserIds();
        await fs.chown(pwfile, uid, gid);
      }
      auth.splice(0, 1, '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`);
    }
    const [initCmd, initArgs] = command(initdb, [
      '-D', dataDir,
      '-U', 'postgres',
      ...auth,
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    await runChecked(initCmd, initArgs, { timeoutMs: 120_000 });

    const plainUrl = await startOnFreePort(command, pgCtl, base, dataDir, logFile);
    const url = options.password === undefined ? plainUrl : plainUrl.replace('postgres@', `postgres:${encodeURIComponent(options.password)}@`);
    await waitForConnection(url);
    return {
      url,
      pause: async () => {
        const [cmd, args] = command(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
        await runChecked(cmd, args, { timeoutMs: 90_000 });
      },
      resume: async () => {
        const [cmd, args] = command(pgCtl, ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
        await runChecked(cmd, args, { timeoutMs: 90_000 });
        await waitForConnection(url);
      },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', stopSync);
        unhook();
        const [cmd, args] = command(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
        await run(cmd, args, { timeoutMs: 90_000 });
        await fs.rm(base, { recursive: true, force: true });
      },
    };
  } catch (error) {
    process.removeListener('exit', stopSync);
    unhook();
    stopSync();
    throw error;
  }
}

/** The clusters of this process that are still running, each with its synchronous stop. */
const running = new Set<() => void>();
let signalsHooked = false;

/**
 * Stops every running cluster when the process gets SIGINT, SIGTERM or SIGHUP, which end a
 * Node process without its 'exit' event. Then the signal has its usual effect: when nothing
 * else listens for it (a runner of its own would), it is raised again and ends the process.
 */
function stopOnSignals(stop: () => void): () => void {
  running.add(stop);
  if (!signalsHooked) {
    signalsHooked = true;
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        for (const each of [...running]) each();
        running.clear();
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    }
  }
  return () => running.delete(stop);
}

/**
 * Picks a free port and starts the server on it. Another process can grab the port between the
 * probe and the server's bind, so a bind failure is retried with a new port a few times.
 */
async function startOnFreePort(
  command: (program: string, args: string[]) => [string, string[]],
  pgCtl: string,
  base: string,
  dataDir: string,
  logFile: string,
): Promise<string> {
  const conf = path.join(dataDir, 'postgresql.conf');
  let lastFailure = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    // Later settings in postgresql.conf override earlier ones, so retries can simply append.
    await fs.appendFile(
      conf,
      [
        '',
        '# Settings for a throwaway test cluster: speed matters, durability does not.',
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${base}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 50',
        '',
      ].join('\n'),
    );
    const [cmd, args] = command(pgCtl, ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
    const result = await run(cmd, args, { timeoutMs: 90_000 });
    if (result.code === 0) return `postgresql://postgres@127.0.0.1:${port}/postgres`;
    const log = await fs.readFile(logFile, 'utf8').catch(() => '');
    lastFailure = `${describeFailure(cmd, args, result)}\n--- ${logFile} ---\n${log.slice(-4_000)}`;
    if (!/could not bind|address already in use/i.test(log)) break;
  }
  throw new Error(`Could not start PostgreSQL.\n${lastFailure}`);
}

function assertIdentifier(name: string): void {
  // Database names are interpolated into SQL, so only plain identifiers are accepted.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`Invalid database name ${JSON.stringify(name)}: use lower-case letters, digits and underscores.`);
  }
}

/** Returns `url` with its database name replaced by `database`, keeping credentials and query. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs `work` with a connected client and always closes it. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database named `name` and returns a URL for it that uses the same
 * credentials as `adminUrl`. An existing database of that name is an error rather than being
 * dropped, because with TEST_DATABASE_URL the server may hold someone's real data.
 */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  assertIdentifier(name);
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  return withDatabase(adminUrl, name);
}

/** Drops a database made by `createDatabase`, disconnecting anyone still using it. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  assertIdentifier(name);
  await withClient(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}
