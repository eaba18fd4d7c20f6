import path from 'node:path';
import { parseSqlalchemyUrl, redactUrl, UrlError } from '../core/config/sqlalchemyUrl';
import { DatabaseError } from './errors';

/**
 * Which file a `sqlite://` URL opens, decided as SQLAlchemy 2.x's pysqlite dialect
 * (`create_connect_args`) and then SQLite itself decide it, so that we read the file Alembic
 * would open from the same working directory:
 *
 * - `sqlite://` and `sqlite:///:memory:` are in-memory databases;
 * - `sqlite:///relative.db` is `os.path.abspath("relative.db")`: relative to Alembic's working
 *   directory, never to the config file;
 * - `sqlite:////abs/path.db` is absolute;
 * - without `uri=true` the query string only holds pysqlite's own options (`timeout`...), and
 *   any other key is ignored (SQLAlchemy warns);
 * - with `uri=true`, the database part and the remaining query keys form a SQLite URI filename
 *   (`file:name.db?mode=ro`), which SQLite parses: `mode=memory`, `file::memory:` and
 *   `vfs=memdb` are in memory, `mode=ro`/`rw` do not create a missing file.
 */

export type SqliteLocation =
  | {
      kind: 'memory';
      /** The URL as people may see it. */
      display: string;
    }
  | {
      kind: 'file';
      display: string;
      /** Absolute. */
      path: string;
      /** False when SQLite would create a missing file (the default), true for `mode=ro`/`rw`. */
      mustExist: boolean;
      /** The URL's path was relative, so `path` depends on the working directory. */
      relative: boolean;
    }
  | {
      /** A URL we can parse but whose file only its driver can read (SQLCipher, another driver). */
      kind: 'foreign';
      display: string;
      reason: string;
    };

/** The drivers that open files with Python's sqlite3 module, and so with the URL rules above. */
const SQLITE3_DRIVERS = new Set([undefined, 'pysqlite', 'aiosqlite']);

/** pysqlite's own query keys (`create_connect_args`' `pysqlite_args`), which never reach the URI. */
const PYSQLITE_KEYS = new Set(['uri', 'timeout', 'isolation_level', 'detect_types', 'check_same_thread', 'cached_statements']);

/**
 * Where a SQLite URL points. `cwd` is the working directory Alembic runs in (the runner's:
 * `alembicPilot.cwd`, else the config file's folder; `status --cwd`). Throws DatabaseError
 * `unsupported-url` for what SQLAlchemy itself refuses (a host or user in the URL, a bad `uri`).
 */
export function sqliteLocation(url: string, cwd: string): SqliteLocation {
  const display = redactUrl(url);
  let parsed;
  try {
    parsed = parseSqlalchemyUrl(url);
  } catch (e) {
    if (e instanceof UrlError) throw new DatabaseError('unsupported-url', `${display} is not a database URL SQLAlchemy can read: ${e.message}.`, { display });
    throw e;
  }
  if (parsed.dialect !== 'sqlite') throw new DatabaseError('unsupported-url', `${display} is not a SQLite URL.`, { display });
  if (!SQLITE3_DRIVERS.has(parsed.driver)) {
    const reason =
      parsed.driver === 'pysqlcipher'
        ? 'the database is encrypted with SQLCipher, and only its driver, with the key, can read it'
        : `its driver (${parsed.driver}) is not Python's sqlite3, so the file it opens is the driver's business`;
    return { kind: 'foreign', display, reason };
  }
  if (parsed.username !== undefined || parsed.password !== undefined || parsed.host !== undefined || parsed.port !== undefined) {
    throw new DatabaseError(
      'unsupported-url',
      `${display} is not a valid SQLite URL: SQLAlchemy accepts no user, host or port there. Use sqlite:///relative/path.db (relative to the folder Alembic runs in) or sqlite:////absolute/path.db.`,
      { display },
    );
  }
  const query = new Map<string, string>();
  // SQLAlchemy keeps a repeated key as a list, which its option coercion then rejects or
  // stringifies; the first value is what a URL with one occurrence means.
  for (const [key, value] of parsed.query) if (!query.has(key)) query.set(key, value);
  const uri = query.has('uri') ? pythonBool(query.get('uri')!, display) : false;

  if (!uri) {
    const database = parsed.database ?? ':memory:';
    if (database === ':memory:') return { kind: 'memory', display };
    return fileAt(display, cwd, database, false);
  }

  // uri=true: pysqlite passes `database?key=value&...` (the non-pysqlite keys, sorted) to
  // sqlite3.connect(..., uri=True), and SQLite reads it as a URI only when it starts with `file:`.
  const database = parsed.database ?? '';
  const uriOptions = [...query].filter(([key]) => !PYSQLITE_KEYS.has(key));
  if (!database.startsWith('file:')) {
    const filename = uriOptions.length === 0 ? database : `${database}?${uriOptions.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&')}`;
    if (filename === '' || filename === ':memory:') return { kind: 'memory', display };
    return fileAt(display, cwd, filename, false);
  }
  const sqliteUri = parseSqliteUri(database, display);
  // The URL's own query keys come after anything written into the database part.
  for (const [key, value] of uriOptions) if (!sqliteUri.params.has(key)) sqliteUri.params.set(key, value);
  const mode = sqliteUri.params.get('mode');
  if (sqliteUri.path === ':memory:' || mode === 'memory' || sqliteUri.params.get('vfs') === 'memdb') return { kind: 'memory', display };
  if (sqliteUri.path === '') return { kind: 'memory', display };
  return fileAt(display, cwd, sqliteUri.path, mode === 'ro' || mode === 'rw');
}

/** `os.path.abspath` (and SQLite's own resolution) of a relative name: against the working directory. */
function fileAt(display: string, cwd: string, name: string, mustExist: boolean): SqliteLocation {
  return { kind: 'file', display, path: path.resolve(cwd, name), mustExist, relative: !path.isAbsolute(name) };
}

/** Python's `sqlalchemy.util.asbool` on a query value, as `coerce_kw_type(opts, "uri", bool)` does. */
function pythonBool(value: string, display: string): boolean {
  const text = value.trim().toLowerCase();
  if (['true', 'yes', 'on', 'y', 't', '1'].includes(text)) return true;
  if (['false', 'no', 'off', 'n', 'f', '0'].includes(text)) return false;
  throw new DatabaseError('unsupported-url', `${display}: uri=${value} is not a boolean SQLAlchemy accepts (String is not true/false).`, { display });
}

/**
 * A SQLite URI filename (https://sqlite.org/uri.html): `file:`, an optional `//authority`
 * (empty or `localhost`), the path up to `?` or `#`, then `key=value` pairs; every part
 * percent-decoded.
 */
function parseSqliteUri(text: string, display: string): { path: string; params: Map<string, string> } {
  let rest = text.slice('file:'.length);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  let pathPart = q >= 0 ? rest.slice(0, q) : rest;
  const queryPart = q >= 0 ? rest.slice(q + 1) : '';
  if (pathPart.startsWith('//')) {
    const slash = pathPart.indexOf('/', 2);
    const authority = slash >= 0 ? pathPart.slice(2, slash) : pathPart.slice(2);
    if (authority !== '' && authority !== 'localhost') {
      throw new DatabaseError('unsupported-url', `${display}: SQLite accepts only an empty or "localhost" authority in a file: URI, not "${authority}" (invalid uri authority).`, { display });
    }
    pathPart = slash >= 0 ? pathPart.slice(slash) : '';
  }
  const params = new Map<string, string>();
  for (const pair of queryPart.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = percentDecode(eq >= 0 ? pair.slice(0, eq) : pair);
    if (!params.has(key)) params.set(key, percentDecode(eq >= 0 ? pair.slice(eq + 1) : ''));
  }
  return { path: percentDecode(pathPart), params };
}

function percentDecode(s: string): string {
  return s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}
