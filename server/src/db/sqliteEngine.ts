import type { Database, Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { DatabaseError } from './errors';
import type { SqliteSnapshot } from './sqliteFiles';

/**
 * SQLite itself (the SQLite project's WebAssembly build, `@sqlite.org/sqlite-wasm`) reading a
 * private copy of a database. The build's file system lives in memory only and cannot reach
 * the disk, so the user's files are never opened, written or locked by it; sqliteFiles.ts
 * copies them in. On the copy SQLite does what it does on open: it replays the committed
 * frames of a `-wal` file and rolls back a hot `-journal`, so we read the committed state
 * exactly as Alembic's connection would.
 *
 * The module (about 1.4 MB of JavaScript and WebAssembly) is loaded on the first read of a
 * SQLite database, never at activation: the bundles load it from a file of its own
 * (dist/sqlite3.js, see esbuild.mjs), and the language server never imports this file.
 */

export interface VersionRows {
  /** False when the database has no such table: nothing was ever applied there. */
  tableExists: boolean;
  /** `version_num` of every row, as text. */
  rows: string[];
}

/** After reading a copy larger than this, the engine is dropped so its grown memory can be freed. */
const KEEP_ENGINE_BELOW_BYTES = 16 * 1024 * 1024;

let engine: Promise<Sqlite3Static> | undefined;
let fileCounter = 0;

function loadEngine(): Promise<Sqlite3Static> {
  engine ??= import('@sqlite.org/sqlite-wasm')
    .then((m: unknown) => initFunction(m)())
    .catch((e: unknown) => {
      engine = undefined;
      throw new DatabaseError('other', `The SQLite reader could not be loaded: ${e instanceof Error ? e.message : String(e)}.`);
    });
  return engine;
}

/** The module's init function, whether the bundler hands us the ES module or its CommonJS form. */
function initFunction(m: unknown): () => Promise<Sqlite3Static> {
  let candidate: unknown = m;
  for (let i = 0; i < 3 && typeof candidate !== 'function'; i++) {
    candidate = typeof candidate === 'object' && candidate !== null ? (candidate as { default?: unknown }).default : undefined;
  }
  if (typeof candidate !== 'function') throw new Error('@sqlite.org/sqlite-wasm exports no init function');
  return candidate as () => Promise<Sqlite3Static>;
}

/**
 * The rows of `table` in the snapshot's main database. `file` and `display` name the database
 * in messages. Throws DatabaseError: `corrupt` for a file that is not a database (or is
 * damaged), `other` for a table without `version_num`.
 */
export async function queryVersionTable(snapshot: SqliteSnapshot, table: string, file: string, display: string): Promise<VersionRows> {
  const sqlite3 = await loadEngine();
  // Everything below is synchronous, so reads of several databases never interleave on the
  // engine's one in-memory file system.
  const name = `/alembic-pilot-${process.pid}-${++fileCounter}.db`;
  const unlink = sqlite3.wasm.xWrap('sqlite3__wasm_vfs_unlink', 'int', ['*', 'string']) as (vfs: number, file: string) => number;
  const vfs = sqlite3.capi.sqlite3_vfs_find(null);
  let db: Database | undefined;
  try {
    sqlite3.capi.sqlite3_js_posix_create_file(name, snapshot.main);
    if (snapshot.wal !== undefined) sqlite3.capi.sqlite3_js_posix_create_file(`${name}-wal`, snapshot.wal);
    if (snapshot.journal !== undefined) sqlite3.capi.sqlite3_js_posix_create_file(`${name}-journal`, snapshot.journal);
    // Read-write on the private copy: SQLite needs it to replay a WAL or roll back a journal.
    db = new sqlite3.oo1.DB(name, 'w');
    // With an exclusive lock SQLite keeps the WAL index in its own memory instead of a -shm
    // file shared with other processes, which a copy has no use for.
    db.exec('PRAGMA locking_mode=EXCLUSIVE');
    const found = db.selectValue("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE", [table]);
    if (found === undefined) return { tableExists: false, rows: [] };
    const rows = db.selectValues(`SELECT version_num FROM main."${table.replaceAll('"', '""')}"`);
    return { tableExists: true, rows: rows.map((v) => String(v)).sort() };
  } catch (e) {
    throw classify(e, sqlite3, table, file, display);
  } finally {
    try {
      db?.close();
    } finally {
      for (const suffix of ['', '-wal', '-journal', '-shm']) unlink(vfs, name + suffix);
      if (snapshot.size > KEEP_ENGINE_BELOW_BYTES) engine = undefined;
    }
  }
}

function classify(e: unknown, sqlite3: Sqlite3Static, table: string, file: string, display: string): DatabaseError {
  if (e instanceof DatabaseError) return e;
  const message = e instanceof Error ? e.message.replace(/^SQLITE_[A-Z_]+: sqlite3 result code \d+: /, '') : String(e);
  const code = e instanceof sqlite3.SQLite3Error ? e.resultCode & 0xff : undefined;
  if (code === sqlite3.capi.SQLITE_NOTADB || code === sqlite3.capi.SQLITE_CORRUPT) {
    return new DatabaseError('corrupt', `${file} (from ${display}) is not a readable SQLite database (${message}). Alembic cannot use it either; restore it, or delete it to start from an empty database.`, { display });
  }
  if (/no such column: version_num/i.test(message)) {
    return new DatabaseError('other', `The table ${table} in ${file} has no version_num column, so it is not Alembic's version table. Check alembicPilot.versionTable and env.py's version_table.`, { display });
  }
  return new DatabaseError('other', `Reading ${file} (from ${display}) failed: ${message}.`, { display });
}
