import { promises as fs, type BigIntStats } from 'node:fs';
import path from 'node:path';
import { DatabaseError } from './errors';

/**
 * A consistent copy of a SQLite database's files, read without opening them through SQLite:
 * the main file, and beside it the write-ahead log (`-wal`, committed rows not yet copied into
 * the main file) and the rollback journal (`-journal`, the original pages of a write in
 * progress, or of one that crashed). SQLite itself, on our private copy, then applies the
 * log or rolls the journal back (sqliteEngine.ts), so we see exactly the committed state.
 *
 * Nothing here writes or locks: a writer is never blocked by us. Instead, each file is
 * stat()ed before and after reading, and the copy is taken again when anything moved in
 * between (a commit or a checkpoint during our read), so the three files always belong to
 * one moment.
 */

export interface SqliteSnapshot {
  main: Uint8Array;
  wal?: Uint8Array;
  journal?: Uint8Array;
  /** Bytes read in all. */
  size: number;
}

export interface SnapshotOptions {
  /** Above this many bytes (all files together) the caller is told to ask Alembic instead. */
  maxBytes?: number;
  /** How many times a copy is taken again while a writer keeps changing the files. */
  attempts?: number;
}

/** 128 MiB: a copy costs memory for as long as it is read, which no development database needs. */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 128 * 1024 * 1024;

export type SnapshotResult = { kind: 'snapshot'; snapshot: SqliteSnapshot } | { kind: 'missing' } | { kind: 'too-large'; size: number };

const SIDE_FILES = ['-wal', '-journal'] as const;

/**
 * Reads `file` and its side files. `missing` when the file does not exist but its folder does
 * (SQLite would create it); a DatabaseError when the folder is missing, the path is a folder,
 * the files cannot be read, or a writer kept changing them through every attempt.
 */
export async function readSnapshot(file: string, display: string, options: SnapshotOptions = {}): Promise<SnapshotResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES;
  const attempts = options.attempts ?? 8;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(10 * 2 ** attempt, 250)));
    const before = await statAll(file, display);
    if (before.main === undefined) {
      await checkFolder(file, display);
      return { kind: 'missing' };
    }
    if (before.main.isDirectory()) throw new DatabaseError('other', `${file} (from ${display}) is a folder, not a SQLite database file.`, { display });
    const size = Number(before.main.size) + Number(before.wal?.size ?? 0n) + Number(before.journal?.size ?? 0n);
    if (size > maxBytes) return { kind: 'too-large', size };
    const main = await readIfThere(file, display);
    const wal = before.wal ? await readIfThere(file + '-wal', display) : undefined;
    const journal = before.journal ? await readIfThere(file + '-journal', display) : undefined;
    const after = await statAll(file, display);
    if (main === undefined || !sameFiles(before, after)) continue;
    const snapshot: SqliteSnapshot = { main, size: main.byteLength + (wal?.byteLength ?? 0) + (journal?.byteLength ?? 0) };
    if (wal !== undefined) snapshot.wal = wal;
    if (journal !== undefined) snapshot.journal = journal;
    return { kind: 'snapshot', snapshot };
  }
  throw new DatabaseError(
    'busy',
    `${file} (from ${display}) kept changing while it was read, ${attempts} times in a row: something is writing it (a migration or the application). Refresh again in a moment.`,
    { display },
  );
}

interface FileStates {
  main: BigIntStats | undefined;
  wal: BigIntStats | undefined;
  journal: BigIntStats | undefined;
}

async function statAll(file: string, display: string): Promise<FileStates> {
  const [main, wal, journal] = await Promise.all([file, ...SIDE_FILES.map((s) => file + s)].map((f) => statIfThere(f, display)));
  return { main, wal, journal };
}

async function statIfThere(file: string, display: string): Promise<BigIntStats | undefined> {
  try {
    return await fs.stat(file, { bigint: true });
  } catch (e) {
    if (isCode(e, 'ENOENT')) return undefined;
    throw fileError(e, file, display);
  }
}

async function readIfThere(file: string, display: string): Promise<Uint8Array | undefined> {
  try {
    const buffer = await fs.readFile(file);
    // SQLite's wasm copies from a plain Uint8Array (a Buffer is one, but of another class).
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (e) {
    if (isCode(e, 'ENOENT')) return undefined;
    throw fileError(e, file, display);
  }
}

/** A change between two stat()s: another inode (replaced), size, modification or change time. */
function sameFiles(a: FileStates, b: FileStates): boolean {
  const same = (x: BigIntStats | undefined, y: BigIntStats | undefined): boolean =>
    x === undefined || y === undefined ? x === y : x.ino === y.ino && x.size === y.size && x.mtimeNs === y.mtimeNs && x.ctimeNs === y.ctimeNs;
  return same(a.main, b.main) && same(a.wal, b.wal) && same(a.journal, b.journal);
}

async function checkFolder(file: string, display: string): Promise<void> {
  const folder = path.dirname(file);
  let stat;
  try {
    stat = await fs.stat(folder);
  } catch (e) {
    if (isCode(e, 'ENOENT') || isCode(e, 'ENOTDIR')) {
      throw new DatabaseError(
        'missing-database',
        `There is no folder ${folder} for the database file ${file} (from ${display}), so SQLite cannot open or create it there (Alembic would fail with "unable to open database file"). Check the URL, and the folder Alembic runs in (alembicPilot.cwd, or status --cwd).`,
        { display },
      );
    }
    throw fileError(e, folder, display);
  }
  if (!stat.isDirectory()) throw new DatabaseError('missing-database', `${folder} is not a folder, so the database file ${file} (from ${display}) cannot exist.`, { display });
}

function fileError(e: unknown, file: string, display: string): DatabaseError {
  if (isCode(e, 'EACCES') || isCode(e, 'EPERM')) return new DatabaseError('permission-denied', `${file} (from ${display}) may not be read by this user: ${(e as Error).message}.`, { display });
  if (isCode(e, 'ENOTDIR')) return new DatabaseError('missing-database', `A part of the path ${file} (from ${display}) is a file, not a folder.`, { display });
  return new DatabaseError('other', `Reading ${file} (from ${display}) failed: ${e instanceof Error ? e.message : String(e)}.`, { display });
}

function isCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}
