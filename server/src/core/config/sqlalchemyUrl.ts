/**
 * SQLAlchemy database URLs as `sqlalchemy.engine.url.make_url` reads them (a port of
 * `_parse_url`, SQLAlchemy 2.x), so that the dialect, driver, host and query we see are the ones
 * Alembic's engine will see. A URL often holds a password: nothing here logs, and `redactUrl`
 * is what every message must use.
 */

/** The database families Alembic Pilot tells apart; everything else is `other`. */
export type Dialect = 'postgresql' | 'sqlite' | 'mysql' | 'mssql' | 'oracle' | 'other';

export interface SqlalchemyUrl {
  /** The scheme before `+`, lower-cased, with `postgres` read as `postgresql` (as env.py rewrites it). */
  backend: string;
  /** The part after `+` (`psycopg2`, `asyncpg`...), or undefined for the backend's default driver. */
  driver?: string;
  dialect: Dialect;
  username?: string;
  password?: string;
  /** Without the brackets of an IPv6 address. */
  host?: string;
  port?: number;
  database?: string;
  /** Every query value, in order; a key given twice keeps both (psycopg's several hosts). */
  query: [string, string][];
}

/** The URL `alembic init` writes into alembic.ini; it names no database, so it is never used. */
export const PLACEHOLDER_URL = 'driver://user:pass@localhost/dbname';

const URL_PATTERN =
  /^(?<name>[\w+]+):\/\/(?:(?<username>[^:/]*)(?::(?<password>[^@]*))?@)?(?:(?:\[(?<ipv6host>[^/?]+)\]|(?<ipv4host>[^/:?]+))?(?::(?<port>[^/?]*))?)?(?:\/(?<database>[^?]*))?(?:\?(?<query>.*))?/su;

export class UrlError extends Error {
  override name = 'UrlError';
}

/**
 * Parses a URL as SQLAlchemy does; throws UrlError with SQLAlchemy's own wording when it cannot.
 * The error message never contains the URL, which may hold a password.
 */
export function parseSqlalchemyUrl(url: string): SqlalchemyUrl {
  const m = URL_PATTERN.exec(url.trim());
  const g = m?.groups;
  if (!g) throw new UrlError('Could not parse SQLAlchemy URL from given URL string');
  const name = g['name']!.toLowerCase();
  const plus = name.indexOf('+');
  const rawBackend = plus < 0 ? name : name.slice(0, plus);
  const backend = rawBackend === 'postgres' ? 'postgresql' : rawBackend;
  const out: SqlalchemyUrl = { backend, dialect: dialectOfBackend(backend), query: [] };
  if (plus >= 0) out.driver = name.slice(plus + 1);
  if (g['username'] !== undefined) out.username = unquote(g['username']);
  if (g['password'] !== undefined) out.password = unquote(g['password']);
  const host = g['ipv4host'] || g['ipv6host'];
  if (host) out.host = host;
  if (g['port']) {
    if (!/^\d+$/.test(g['port'])) throw new UrlError(`The port of the URL is not a number`);
    out.port = Number(g['port']);
  }
  if (g['database'] !== undefined && g['database'] !== '') out.database = unquote(g['database']);
  if (g['query'] !== undefined) out.query = [...new URLSearchParams(g['query'])];
  return out;
}

/** The dialect named by a URL's scheme, or undefined when the text is not a URL at all. */
export function dialectOf(url: string): Dialect | undefined {
  try {
    return parseSqlalchemyUrl(url).dialect;
  } catch {
    return undefined;
  }
}

function dialectOfBackend(backend: string): Dialect {
  switch (backend) {
    case 'postgresql':
      return 'postgresql';
    case 'sqlite':
      return 'sqlite';
    case 'mysql':
    case 'mariadb':
      return 'mysql';
    case 'mssql':
      return 'mssql';
    case 'oracle':
      return 'oracle';
    default:
      return 'other';
  }
}

/** True for an empty value and for `alembic init`'s placeholder, neither of which names a database. */
export function isPlaceholderUrl(url: string | undefined): boolean {
  if (url === undefined) return true;
  const trimmed = url.trim();
  return trimmed === '' || trimmed === PLACEHOLDER_URL;
}

/**
 * The URL with its password replaced by `***`, for every message and log line. Text that does
 * not parse as a URL is replaced entirely, since we cannot tell where a password would be.
 */
export function redactUrl(url: string): string {
  const m = URL_PATTERN.exec(url.trim());
  if (!m?.groups) return '<an unparsable database URL>';
  const password = m.groups['password'];
  if (password === undefined) return url.trim();
  const text = url.trim();
  const at = text.indexOf('@', text.indexOf('://') + 3);
  const colon = text.indexOf(':', text.indexOf('://') + 3);
  return `${text.slice(0, colon + 1)}***${text.slice(at)}`;
}

/** Python's `urllib.parse.unquote`: percent escapes decoded as UTF-8, malformed ones kept. */
function unquote(s: string): string {
  return s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}
