import path from 'node:path';
import type pg from 'pg';
import { parseSqlalchemyUrl, redactUrl, UrlError, type SqlalchemyUrl } from '../core/config/sqlalchemyUrl';
import { DatabaseError } from './errors';

/**
 * A SQLAlchemy PostgreSQL URL as options for `pg`, read the way the URL's driver reads it, so
 * that we connect where Alembic's engine connects: psycopg2 and psycopg (libpq keywords in the
 * query: `host` socket folders, `port`, `sslmode`, `sslrootcert`, `options`), asyncpg (`ssl=`)
 * and pg8000 (`unix_sock`). What `pg` reads by itself is left to it: `PGPASSWORD`, `~/.pgpass`,
 * `PGUSER`, trust and peer authentication.
 */

/** libpq's `sslmode`, which asyncpg's `ssl=` also takes. */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** The drivers whose URLs we read; `default` is a URL without `+driver`. */
export const PG_DRIVERS = ['default', 'psycopg2', 'psycopg', 'psycopg_async', 'asyncpg', 'pg8000'] as const;
export type PgDriver = (typeof PG_DRIVERS)[number];

export interface PgTarget {
  /**
   * For `new pg.Client(...)`, without `ssl` (see `sslMode`) and without timeouts. No `host`
   * means libpq's default socket, which `connect` looks for (files are not read here).
   */
  config: pg.ClientConfig;
  /**
   * How to use TLS. `prefer` (libpq's and asyncpg's default) and `allow` try one way and then
   * the other, which `pg` cannot do by itself; `connect` in connections.ts does it.
   */
  sslMode: SslMode;
  /**
   * Certificate files named by the URL or PGSSLROOTCERT and friends, read when connecting
   * (`~/.postgresql/root.crt` too for verify-ca and verify-full, as libpq does).
   */
  sslFiles: { ca?: string; cert?: string; key?: string };
  driver: PgDriver;
  /** The URL without its password, for every message. */
  display: string;
  /**
   * Names the database, the login and how we connect (host, port, database, user, sslmode,
   * options), never the password: one pooled connection per key.
   */
  key: string;
  /** A password from the URL or given by the caller; undefined lets pg use PGPASSWORD or ~/.pgpass. */
  password?: string;
  /** Parts of the URL that we could not honour, in plain words (e.g. a second host). */
  notes: string[];
}

export interface PgTargetOptions {
  /** A password the user typed after the server rejected one (28P01); it wins over the URL's. */
  password?: string;
  /** The process environment to read PGHOST, PGPORT, PGSSLMODE... from; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Maps a URL to `pg` options; throws DatabaseError (`unsupported-url`) for a URL that is not
 * PostgreSQL, names an unknown driver, or does not parse.
 */
export function pgTarget(url: string, options: PgTargetOptions = {}): PgTarget {
  const display = redactUrl(url);
  let parsed: SqlalchemyUrl;
  try {
    parsed = parseSqlalchemyUrl(url);
  } catch (e) {
    throw new DatabaseError('unsupported-url', `${display}: ${e instanceof UrlError ? e.message : String(e)}.`, { display });
  }
  if (parsed.dialect !== 'postgresql') {
    throw new DatabaseError('unsupported-url', `${display} is a ${parsed.backend} URL; Alembic Pilot reads PostgreSQL databases itself and asks \`alembic current\` for the others.`, { display });
  }
  const driver = (parsed.driver ?? 'default') as PgDriver;
  if (!PG_DRIVERS.includes(driver)) {
    throw new DatabaseError('unsupported-url', `${display} names the driver ${parsed.driver}, which Alembic Pilot cannot read; it supports ${PG_DRIVERS.filter((d) => d !== 'default').join(', ')}.`, {
      display,
    });
  }
  const env = options.env ?? process.env;
  const notes: string[] = [];
  const query = new Map<string, string[]>();
  for (const [k, v] of parsed.query) query.set(k, [...(query.get(k) ?? []), v]);
  const one = (key: string): string | undefined => {
    const values = query.get(key);
    if (values && values.length > 1 && key !== 'host') notes.push(`?${key}= is given ${values.length} times; the last one is used`);
    return values?.[values.length - 1];
  };

  let host = parsed.host;
  let port = parsed.port;
  if (driver === 'pg8000') {
    const sock = one('unix_sock');
    if (sock !== undefined) {
      host = path.dirname(sock);
      const m = /\.s\.PGSQL\.(\d+)$/.exec(sock);
      if (m) port = Number(m[1]);
    }
  } else {
    const hosts = query.get('host') ?? [];
    if (hosts.length > 0) {
      if (hosts.length > 1) notes.push(`the URL names ${hosts.length} hosts; only the first, ${hosts[0]}, is read`);
      const [h, p] = splitHostPort(hosts[0]!);
      if (h) host = h;
      if (p !== undefined) port = p;
    }
    const qp = one('port');
    if (qp !== undefined && /^\d+$/.test(qp)) port = Number(qp);
  }
  host ??= env['PGHOST'];
  port ??= envPort(env);

  const user = parsed.username ?? one('user') ?? env['PGUSER'];
  const database = parsed.database ?? one('dbname') ?? one('database') ?? env['PGDATABASE'];
  const password = options.password ?? parsed.password ?? one('password');

  const sslMode = readSslMode(driver, one, env, notes);
  const sslFiles: PgTarget['sslFiles'] = {};
  const ca = one('sslrootcert') ?? env['PGSSLROOTCERT'];
  if (ca !== undefined && ca !== 'system') sslFiles.ca = ca;
  const cert = one('sslcert') ?? env['PGSSLCERT'];
  if (cert !== undefined) sslFiles.cert = cert;
  const key = one('sslkey') ?? env['PGSSLKEY'];
  if (key !== undefined) sslFiles.key = key;

  const config: pg.ClientConfig = { port };
  if (host !== undefined) config.host = host;
  if (user !== undefined) config.user = user;
  if (database !== undefined) config.database = database;
  if (password !== undefined) config.password = password;
  const opts = one('options');
  if (opts !== undefined && driver !== 'asyncpg' && driver !== 'pg8000') config.options = opts;

  const target: PgTarget = {
    config,
    sslMode,
    sslFiles,
    driver,
    display,
    key: `${user ?? ''}@${host ?? '(default socket)'}:${port}/${database ?? user ?? ''}?sslmode=${sslMode}${opts === undefined ? '' : `&options=${opts}`}`,
    notes,
  };
  if (password !== undefined) target.password = password;
  return target;
}

function envPort(env: NodeJS.ProcessEnv): number {
  const p = env['PGPORT'];
  return p !== undefined && /^\d+$/.test(p) ? Number(p) : 5432;
}

/** `host:port` as psycopg's several-hosts form writes it; a socket folder or IPv6 address is kept whole. */
function splitHostPort(value: string): [string, number | undefined] {
  if (value.startsWith('/')) return [value, undefined];
  const m = /^(.*):(\d+)$/.exec(value);
  if (m && !m[1]!.includes(':')) return [m[1]!, Number(m[2])];
  return [value.replace(/^\[(.*)\]$/, '$1'), undefined];
}


function readSslMode(driver: PgDriver, one: (key: string) => string | undefined, env: NodeJS.ProcessEnv, notes: string[]): SslMode {
  if (driver === 'asyncpg') {
    const ssl = one('ssl') ?? one('sslmode');
    if (ssl === undefined) return asMode(env['PGSSLMODE'], notes) ?? 'prefer';
    const lower = ssl.toLowerCase();
    if (lower === 'true') return 'require';
    if (lower === 'false') return 'disable';
    return asMode(lower, notes) ?? 'prefer';
  }
  if (driver === 'pg8000') {
    // pg8000 takes TLS settings only as a Python ssl_context, never from the URL.
    return 'disable';
  }
  return asMode(one('sslmode') ?? env['PGSSLMODE'], notes) ?? 'prefer';
}

function asMode(value: string | undefined, notes: string[]): SslMode | undefined {
  if (value === undefined) return undefined;
  if ((SSL_MODES as readonly string[]).includes(value)) return value as SslMode;
  notes.push(`sslmode ${value} is not one of ${SSL_MODES.join(', ')}; prefer is used`);
  return undefined;
}
