import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { classifyPgError, DatabaseError } from './errors';
import type { PgTarget, SslMode } from './pgOptions';

/**
 * Connections to the databases whose state we read: short timeouts, libpq's TLS fallbacks, and
 * one pooled connection per database that is dropped when the server goes away, so the next
 * read connects again instead of failing forever.
 */

export interface ConnectOptions {
  /** Milliseconds to wait for the connection (TCP, TLS and login); 5 s by default. */
  connectTimeoutMs?: number;
  /** Server-side `statement_timeout` and client-side query timeout in ms; 5 s by default. */
  statementTimeoutMs?: number;
  /** `application_name`, so our sessions can be told apart in pg_stat_activity. */
  applicationName?: string;
}

/** Our own sessions' application name when reading state. */
export const STATE_APPLICATION_NAME = 'alembic-pilot';

/** libpq's default socket folders, first Debian's then the compiled-in one. */
const SOCKET_DIRS = ['/var/run/postgresql', '/tmp'];

/**
 * Opens one connection. TLS follows libpq: `prefer` tries TLS and falls back to plain when the
 * server has none, `allow` tries plain first. Throws a classified DatabaseError.
 */
export async function connect(target: PgTarget, options: ConnectOptions = {}): Promise<pg.Client> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 5_000;
  const base: pg.ClientConfig = {
    ...target.config,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 1_000,
    application_name: options.applicationName ?? STATE_APPLICATION_NAME,
    keepAlive: true,
  };
  if (base.host === undefined) base.host = await defaultSocketDir(base.port ?? 5432);
  const attempts = await sslAttempts(target.sslMode, target.sslFiles, base.host);
  let lastError: unknown;
  for (const [i, ssl] of attempts.entries()) {
    const client = new pg.Client({ ...base, ssl });
    // A connection that breaks while idle emits 'error'; unhandled, that would end the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (e) {
      lastError = e;
      await client.end().catch(() => undefined);
      const retry = i + 1 < attempts.length && (ssl ? /does not support SSL/i.test(String((e as Error).message)) : /no encryption/i.test(String((e as Error).message)));
      if (!retry) break;
    }
  }
  throw classifyPgError(lastError, target.display, [target.password], target.password !== undefined);
}

async function defaultSocketDir(port: number): Promise<string> {
  for (const dir of SOCKET_DIRS) {
    const stat = await fs.stat(path.join(dir, `.s.PGSQL.${port}`)).catch(() => undefined);
    if (stat) return dir;
  }
  return 'localhost';
}

/** The `ssl` option of each connection attempt, in order. A socket never uses TLS, as in libpq. */
async function sslAttempts(mode: SslMode, files: PgTarget['sslFiles'], host: string): Promise<(false | ConnectionOptions)[]> {
  if (host.startsWith('/')) return [false];
  const read = async (file: string | undefined): Promise<string | undefined> => (file === undefined ? undefined : fs.readFile(file, 'utf8'));
  let caFile = files.ca;
  if (caFile === undefined && (mode === 'verify-ca' || mode === 'verify-full')) {
    const fallback = path.join(os.homedir(), '.postgresql', 'root.crt');
    if (await fs.stat(fallback).catch(() => undefined)) caFile = fallback;
  }
  const tls: ConnectionOptions = { rejectUnauthorized: mode === 'verify-ca' || mode === 'verify-full' };
  try {
    const [ca, cert, key] = await Promise.all([read(caFile), read(files.cert), read(files.key)]);
    if (ca !== undefined) tls.ca = ca;
    if (cert !== undefined) tls.cert = cert;
    if (key !== undefined) tls.key = key;
  } catch (e) {
    throw new DatabaseError('ssl', `A TLS certificate file cannot be read: ${(e as Error).message}.`);
  }
  // verify-ca checks the chain but not the host name.
  if (mode === 'verify-ca') tls.checkServerIdentity = () => undefined;
  switch (mode) {
    case 'disable':
      return [false];
    case 'allow':
      return [false, tls];
    case 'prefer':
      return [tls, false];
    default:
      return [tls];
  }
}

/**
 * One connection per database (per `PgTarget.key` and password), opened on first use. A
 * connection that fails is dropped, so the next `query` connects again: a server restarted
 * behind our back costs one failed refresh, not a stuck view.
 */
export class DatabaseConnections {
  private readonly open = new Map<string, { password: string | undefined; client: Promise<pg.Client> }>();

  constructor(private readonly options: ConnectOptions = {}) {}

  /**
   * Runs `work` on the database's pooled connection. Errors come back classified; a broken
   * connection is closed and forgotten before the error is thrown.
   */
  async use<T>(target: PgTarget, work: (client: pg.Client) => Promise<T>): Promise<T> {
    let entry = this.open.get(target.key);
    if (entry && entry.password !== target.password) {
      this.forget(target.key, entry.client);
      entry = undefined;
    }
    if (!entry) {
      const client = connect(target, this.options);
      entry = { password: target.password, client };
      this.open.set(target.key, entry);
      const key = target.key;
      const pending = entry.client;
      client.then(
        (c) => c.on('error', () => this.forget(key, pending)),
        () => this.forget(key, pending),
      );
    }
    const client = await entry.client;
    try {
      return await work(client);
    } catch (e) {
      const error = classifyPgError(e, target.display, [target.password], target.password !== undefined);
      if (error.kind === 'connection-lost' || error.kind === 'timeout' || error.kind === 'refused') this.forget(target.key, entry.client);
      throw error;
    }
  }

  /** Closes the connection of one database, e.g. after its URL or password changed. */
  async close(key: string): Promise<void> {
    const entry = this.open.get(key);
    if (!entry) return;
    this.open.delete(key);
    await entry.client.then((c) => c.end()).catch(() => undefined);
  }

  /** Closes every connection; the extension calls it on deactivate. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((k) => this.close(k)));
  }

  get size(): number {
    return this.open.size;
  }

  private forget(key: string, client: Promise<pg.Client>): void {
    if (this.open.get(key)?.client !== client) return;
    this.open.delete(key);
    void client.then((c) => c.end()).catch(() => undefined);
  }
}
