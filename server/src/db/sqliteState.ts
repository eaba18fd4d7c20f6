import path from 'node:path';
import { DatabaseError } from './errors';
import { readSnapshot } from './sqliteFiles';
import { sqliteLocation } from './sqliteUrl';
import { versionTableLabel, type VersionState, type VersionTableName } from './versionState';

/**
 * The version table of a SQLite database, read in-process without Python: the URL resolved
 * as SQLAlchemy resolves it (sqliteUrl.ts), the files copied consistently without a lock
 * (sqliteFiles.ts), and the copy read by SQLite's own WebAssembly build (sqliteEngine.ts,
 * loaded on first use). The `status` CLI and the extension's state store use it for every
 * `sqlite://` URL; a DatabaseError of kind `needs-alembic` tells them to ask `alembic current`
 * instead, and its message is the reason to show (a clause, without a final period).
 */

export interface SqliteReadOptions {
  /** The folder Alembic runs in (`alembicPilot.cwd`, else the config's folder; `status --cwd`). */
  cwd: string;
  table: VersionTableName;
  /** Above this many bytes the files are not copied (see DEFAULT_MAX_SNAPSHOT_BYTES). */
  maxBytes?: number;
}

export async function readSqliteVersionState(url: string, options: SqliteReadOptions): Promise<VersionState> {
  const { table } = options;
  const location = sqliteLocation(url, options.cwd);
  const display = location.display;
  if (location.kind === 'foreign') throw new DatabaseError('needs-alembic', `${display} cannot be read without its driver: ${location.reason}`, { display });
  if (table.schema !== undefined && table.schema.toLowerCase() !== 'main') {
    throw new DatabaseError(
      'needs-alembic',
      `the version table is ${versionTableLabel(table)} (from ${table.source}), and on SQLite the schema ${table.schema} is a database that env.py attaches (ATTACH DATABASE); which file that is, only Alembic's connection knows`,
      { display },
    );
  }
  if (location.kind === 'memory') {
    return {
      current: [],
      tableExists: false,
      table,
      note: `${display} is an in-memory SQLite database: every connection starts empty, so it holds no state to read and no revision stays applied. Point the URL at a file to keep one.`,
    };
  }
  const file = location.path;
  // A relative path is resolved against the folder Alembic runs in: naming it shows a wrong one.
  const where = location.relative ? ` (relative to ${path.resolve(options.cwd)}, the folder Alembic runs in)` : '';
  const result = await readSnapshot(file, display, options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {});
  if (result.kind === 'missing') {
    if (location.mustExist) {
      throw new DatabaseError('missing-database', `There is no database file at ${file}${where}, and the URL's mode does not let SQLite create one (Alembic would fail with "unable to open database file").`, { display });
    }
    return {
      current: [],
      tableExists: false,
      table,
      file,
      note: `No database file at ${file}${where}: nothing applied. SQLAlchemy creates the file on Alembic's first connection; if your database is elsewhere, check the URL and the folder Alembic runs in.`,
    };
  }
  if (result.kind === 'too-large') {
    throw new DatabaseError('needs-alembic', `${file} and its side files hold ${(result.size / 1024 / 1024).toFixed(0)} MB, more than is worth copying into memory to read one table`, { display });
  }
  const { queryVersionTable } = await import('./sqliteEngine.js');
  const rows = await queryVersionTable(result.snapshot, table.table, file, display);
  return { current: rows.rows, tableExists: rows.tableExists, table, file };
}
