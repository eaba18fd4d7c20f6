import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readEnvPy } from '../../../server/src/core/config/envPy';
import { DatabaseError } from '../../../server/src/db/errors';
import { queryVersionTable } from '../../../server/src/db/sqliteEngine';
import { readSnapshot } from '../../../server/src/db/sqliteFiles';
import { readSqliteVersionState } from '../../../server/src/db/sqliteState';
import { sqliteLocation } from '../../../server/src/db/sqliteUrl';
import { unknownRevisionError, versionTableFor, type VersionTableName } from '../../../server/src/db/versionState';
import { run } from '../../helpers/run';
import { copySqliteProject, fileStates, holdDatabase, runPython, SQLITE_HEADS, type SqliteProject } from '../../helpers/sqliteProject';

/**
 * The in-process SQLite reader against databases that the real Alembic 1.20 created and
 * migrated, each answer held to `alembic current` on the same file, and every file left
 * byte-for-byte as it was (the reader never writes or locks).
 */

const python = inject('alembicPython');
const DEFAULT_TABLE: VersionTableName = { table: 'alembic_version', source: 'default' };
let project: SqliteProject;

beforeAll(() => {
  project = copySqliteProject(python);
});

afterAll(() => project?.remove());

const urlOf = (file: string): string => `sqlite:///${file}`;

async function read(url: string, options: { cwd?: string; table?: VersionTableName } = {}) {
  return readSqliteVersionState(url, { cwd: options.cwd ?? project.dir, table: options.table ?? DEFAULT_TABLE });
}

async function failure(work: () => Promise<unknown>): Promise<DatabaseError> {
  try {
    await work();
  } catch (e) {
    if (e instanceof DatabaseError) return e;
    throw e;
  }
  throw new Error('expected a DatabaseError');
}

/** Reads, and checks that the reader left every file of the database as it found it. */
async function readUntouched(file: string, options: { cwd?: string; table?: VersionTableName } = {}) {
  const before = fileStates(path.dirname(file), path.basename(file));
  const state = await read(urlOf(file), options);
  expect(fileStates(path.dirname(file), path.basename(file))).toEqual(before);
  return state;
}

describe('SQLite state as Alembic left it, read without Python', () => {
  const file = (): string => path.join(project.dir, 'state.db');

  it('a missing file: nothing applied, the resolved path named, and no file created', async () => {
    const state = await read('sqlite:///state.db');
    expect(state).toMatchObject({ current: [], tableExists: false, file: file() });
    expect(state.note).toBe(
      `No database file at ${file()} (relative to ${project.dir}, the folder Alembic runs in): nothing applied. SQLAlchemy creates the file on Alembic's first connection; if your database is elsewhere, check the URL and the folder Alembic runs in.`,
    );
    expect(existsSync(file())).toBe(false);
    // Alembic agrees (and, unlike us, creates the empty file).
    expect(await project.current('sqlite:///state.db')).toEqual([]);
    expect(existsSync(file())).toBe(true);
  });

  it('a database without a version table: nothing applied', async () => {
    expect(await readUntouched(file())).toEqual({ current: [], tableExists: false, table: DEFAULT_TABLE, file: file() });
  });

  it('one head', async () => {
    await project.alembicChecked(['upgrade', 'c1000000main'], urlOf(file()));
    const state = await readUntouched(file());
    expect(state).toMatchObject({ current: ['c1000000main'], tableExists: true });
    expect(state.current).toEqual(await project.current(urlOf(file())));
  });

  it('several heads (a branched history): one row per head', async () => {
    await project.alembicChecked(['upgrade', 'heads'], urlOf(file()));
    const state = await readUntouched(file());
    expect(state.current).toEqual(SQLITE_HEADS);
    expect(state.current).toEqual(await project.current(urlOf(file())));
  });

  it('downgraded to base: the table stays, with no row', async () => {
    await project.alembicChecked(['downgrade', 'base'], urlOf(file()));
    expect(await readUntouched(file())).toMatchObject({ current: [], tableExists: true });
    expect(await project.current(urlOf(file()))).toEqual([]);
  });

  it('a version_num that no revision file declares is read as it is, for the caller to name', async () => {
    const db = path.join(project.dir, 'unknown.db');
    await project.alembicChecked(['upgrade', 'a1000000base'], urlOf(db));
    await runPython(python, `import sqlite3\nc = sqlite3.connect(${JSON.stringify(db)})\nc.execute("UPDATE alembic_version SET version_num = '0badc0ffee00'")\nc.commit()`);
    const state = await readUntouched(db);
    expect(state.current).toEqual(['0badc0ffee00']);
    const error = unknownRevisionError(state, (id) => ['a1000000base', 'b1000000main', 'c1000000main', 'b2000000side'].includes(id), urlOf(db));
    expect(error?.message).toMatch(/is at revision 0badc0ffee00, which no revision file declares/);
    // Alembic stops there too.
    await expect(project.current(urlOf(db))).rejects.toThrow(/Can't locate revision identified by '0badc0ffee00'/);
  });
});

describe('the version table env.py names', () => {
  it('reads schema_history from env.py’s version_table literal, and says there is no alembic_version', async () => {
    const copy = copySqliteProject(python);
    try {
      const envPy = path.join(copy.dir, 'migrations', 'env.py');
      writeFileSync(envPy, readFileSync(envPy, 'utf8').replace('context.configure(connection=connection,', 'context.configure(connection=connection, version_table="schema_history",'));
      const db = path.join(copy.dir, 'custom.db');
      await copy.alembicChecked(['upgrade', 'heads'], urlOf(db));
      const table = versionTableFor(undefined, readEnvPy(envPy, readFileSync(envPy, 'utf8')));
      expect(table).toEqual({ table: 'schema_history', source: 'env.py' });
      const state = await readUntouched(db, { table });
      expect(state.current).toEqual(SQLITE_HEADS);
      expect(state.current).toEqual(await copy.current(urlOf(db)));
      expect(await read(urlOf(db), { table: DEFAULT_TABLE })).toMatchObject({ current: [], tableExists: false });
      // The setting's `main.` schema is the database file itself on SQLite.
      expect((await read(urlOf(db), { table: versionTableFor('main.schema_history') })).current).toEqual(SQLITE_HEADS);
    } finally {
      copy.remove();
    }
  });

  it('a version table in an attached database (version_table_schema) is left to Alembic, which knows the file', async () => {
    const copy = copySqliteProject(python);
    try {
      const envPy = path.join(copy.dir, 'migrations', 'env.py');
      writeFileSync(envPy, readFileSync(envPy, 'utf8').replace('context.configure(connection=connection,', 'context.configure(connection=connection, version_table_schema="meta",'));
      const db = path.join(copy.dir, 'app.db');
      const attach = { SQLITE_TEST_ATTACH: path.join(copy.dir, 'meta.db') };
      await copy.alembicChecked(['upgrade', 'heads'], urlOf(db), { env: attach });
      expect(await copy.current(urlOf(db), { env: attach })).toEqual(SQLITE_HEADS);
      const table = versionTableFor(undefined, readEnvPy(envPy, readFileSync(envPy, 'utf8')));
      const error = await failure(() => read(urlOf(db), { table }));
      expect(error.kind).toBe('needs-alembic');
      expect(error.message).toBe(
        'the version table is meta.alembic_version (from env.py), and on SQLite the schema meta is a database that env.py attaches (ATTACH DATABASE); which file that is, only Alembic\'s connection knows',
      );
    } finally {
      copy.remove();
    }
  });
});

describe('the traps of reading a SQLite file from outside SQLite', () => {
  it('WAL mode with committed rows not yet checkpointed: read from the -wal, as Alembic sees them', async () => {
    const db = path.join(project.dir, 'wal.db');
    // Another connection (the application) keeps the database open, so Alembic's closing
    // connection cannot checkpoint: the rows stay in wal.db-wal only.
    const holder = await holdDatabase(
      python,
      `import sqlite3\nc = sqlite3.connect(${JSON.stringify(db)})\nc.execute("PRAGMA journal_mode=WAL")\nc.execute("SELECT count(*) FROM sqlite_schema").fetchall()\nprint("ready", flush=True)`,
    );
    try {
      await project.alembicChecked(['upgrade', 'heads'], urlOf(db), { env: { SQLITE_TEST_WAL: '1' } });
      expect(readFileSync(`${db}-wal`).byteLength).toBeGreaterThan(0);
      // The trap is real: the main file alone has no version table yet.
      const snapshot = await readSnapshot(db, urlOf(db));
      if (snapshot.kind !== 'snapshot') throw new Error(`expected a snapshot, got ${snapshot.kind}`);
      const { wal: _wal, ...mainOnly } = snapshot.snapshot;
      expect(await queryVersionTable({ ...mainOnly }, 'alembic_version', db, urlOf(db))).toEqual({ tableExists: false, rows: [] });

      const state = await readUntouched(db);
      expect(state.current).toEqual(SQLITE_HEADS);
      expect(state.current).toEqual(await project.current(urlOf(db)));
      // A later write is seen too, and the -wal and -shm are still left alone.
      await project.alembicChecked(['downgrade', 'side@-1'], urlOf(db), { env: { SQLITE_TEST_WAL: '1' } });
      expect((await readUntouched(db)).current).toEqual(['c1000000main']);
      expect(await project.current(urlOf(db))).toEqual(['c1000000main']);
    } finally {
      await holder.stop();
    }
  });

  it('a writer that crashed mid-transaction (a hot -journal): the committed state, and the files untouched', async () => {
    const db = path.join(project.dir, 'crashed.db');
    await project.alembicChecked(['upgrade', 'c1000000main'], urlOf(db));
    // A transaction big enough to spill into the main file, then SIGKILL: the main file holds
    // uncommitted pages, and the -journal the originals that SQLite must roll back.
    const crash = await runPython(
      python,
      `import os, signal, sqlite3\nc = sqlite3.connect(${JSON.stringify(db)}, isolation_level=None)\nc.execute("PRAGMA cache_size=1")\nc.execute("BEGIN")\nc.execute("UPDATE alembic_version SET version_num = 'uncommitted'")\nc.execute("CREATE TABLE filler (x)")\nfor _ in range(2000): c.execute("INSERT INTO filler VALUES (randomblob(400))")\nos.kill(os.getpid(), signal.SIGKILL)`,
    );
    expect(crash.signal).toBe('SIGKILL');
    expect(readFileSync(`${db}-journal`).byteLength).toBeGreaterThan(0);
    const state = await readUntouched(db);
    expect(state.current).toEqual(['c1000000main']);
    expect(existsSync(`${db}-journal`)).toBe(true);
    // Alembic's connection rolls the journal back on the file itself, and agrees.
    expect(await project.current(urlOf(db))).toEqual(['c1000000main']);
  });

  it('a writer holding the lock mid-transaction: the last committed state, without waiting for the lock', async () => {
    const db = path.join(project.dir, 'locked.db');
    await project.alembicChecked(['upgrade', 'heads'], urlOf(db));
    const holder = await holdDatabase(
      python,
      `import sqlite3\nc = sqlite3.connect(${JSON.stringify(db)}, isolation_level=None)\nc.execute("BEGIN EXCLUSIVE")\nc.execute("DELETE FROM alembic_version")\nprint("ready", flush=True)`,
    );
    try {
      const started = Date.now();
      expect((await readUntouched(db)).current).toEqual(SQLITE_HEADS);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await holder.stop();
    }
    // The holder never committed: Alembic sees the same rows once the lock is gone.
    expect(await project.current(urlOf(db))).toEqual(SQLITE_HEADS);
  });

  it('a file that is not a database: a clear error, as Alembic fails too', async () => {
    const db = path.join(project.dir, 'corrupt.db');
    writeFileSync(db, 'this is not a SQLite database, but a text file that was renamed\n'.repeat(100));
    const error = await failure(() => readUntouched(db));
    expect(error.kind).toBe('corrupt');
    expect(error.message).toBe(`${db} (from ${urlOf(db)}) is not a readable SQLite database (file is not a database). Alembic cannot use it either; restore it, or delete it to start from an empty database.`);
    await expect(project.current(urlOf(db))).rejects.toThrow(/file is not a database/);
  });

  it('a folder that does not exist: SQLite cannot create the file there, and the message says where it looked', async () => {
    const error = await failure(() => read('sqlite:///no/such/folder/app.db'));
    expect(error.kind).toBe('missing-database');
    expect(error.message).toContain(`There is no folder ${path.join(project.dir, 'no/such/folder')} for the database file`);
    await expect(project.current('sqlite:///no/such/folder/app.db')).rejects.toThrow(/unable to open database file/);
  });

  it('mode=ro on a missing file: an error, not an empty state, as SQLite refuses to create it', async () => {
    const url = 'sqlite:///file:absent.db?mode=ro&uri=true';
    const error = await failure(() => read(url));
    expect(error.kind).toBe('missing-database');
    expect(error.message).toContain(`There is no database file at ${path.join(project.dir, 'absent.db')}`);
    await expect(project.current(url)).rejects.toThrow(/unable to open database file/);
  });

  it('an in-memory URL holds no state, and says so', async () => {
    for (const url of ['sqlite://', 'sqlite:///:memory:', 'sqlite:///file:mem?mode=memory&uri=true']) {
      const state = await read(url);
      expect(state.current).toEqual([]);
      expect(state.note).toMatch(/is an in-memory SQLite database: every connection starts empty, so it holds no state to read/);
      expect(await project.current(url)).toEqual([]);
    }
  });

  it('files larger than the copy limit, and SQLCipher URLs, are left to Alembic with the reason', async () => {
    const db = path.join(project.dir, 'state.db');
    const big = await failure(() => readSqliteVersionState(urlOf(db), { cwd: project.dir, table: DEFAULT_TABLE, maxBytes: 1024 }));
    expect(big.kind).toBe('needs-alembic');
    expect(big.message).toMatch(/MB, more than is worth copying into memory to read one table$/);
    const cipher = await failure(() => read('sqlite+pysqlcipher://:secret@/enc.db'));
    expect(cipher.kind).toBe('needs-alembic');
    expect(cipher.message).toBe('sqlite+pysqlcipher://:***@/enc.db cannot be read without its driver: the database is encrypted with SQLCipher, and only its driver, with the key, can read it');
  });
});

describe('which file a SQLite URL opens: the same as SQLAlchemy and SQLite, from the same working directory', () => {
  let cwd: string;

  beforeAll(() => {
    cwd = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-sqlite-url-'));
    mkdirSync(path.join(cwd, 'sub'));
  });

  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('resolves every form as create_engine(url).connect() does (PRAGMA database_list)', async () => {
    const abs = path.join(cwd, 'abs.db');
    const urls = [
      'sqlite:///rel.db',
      'sqlite:///./sub/../rel-dots.db',
      'sqlite:///sub/nested.db',
      `sqlite:///${abs}`,
      'sqlite://',
      'sqlite:///:memory:',
      'sqlite:///timeout.db?timeout=5&check_same_thread=false',
      'sqlite:///ignored.db?foo=bar',
      'sqlite:///with%20space.db',
      'sqlite+pysqlite:///driver.db',
      'sqlite:///file:uri-plain.db?uri=true',
      'sqlite:///file:uri-rwc.db?mode=rwc&uri=true',
      'sqlite:///file:sub/../uri-dots.db?uri=true&cache=shared',
      `sqlite:///file://${path.join(cwd, 'uri-abs.db')}?uri=true`,
      `sqlite:///file://localhost${path.join(cwd, 'uri-localhost.db')}?uri=true`,
      'sqlite:///file:uri%2Dpercent.db?uri=true',
      'sqlite:///not-a-uri.db?uri=true',
      'sqlite:///file:mem?mode=memory&uri=true',
      'sqlite:///file::memory:?uri=true',
      'sqlite:///file:memdb?vfs=memdb&uri=true',
      'sqlite://somehost/host.db',
      'sqlite:///bad-flag.db?uri=maybe',
    ];
    const script = [
      'import json, os, sys',
      'from sqlalchemy import create_engine',
      'out = []',
      'for url in json.loads(sys.argv[1]):',
      '    try:',
      '        with create_engine(url).connect() as c:',
      '            rows = c.exec_driver_sql("PRAGMA database_list").fetchall()',
      // A main database without an absolute path (vfs=memdb names its memory) is no disk file.
      '        file = [r[2] for r in rows if r[1] == "main"][0]',
      '        out.append({"url": url, "file": file if os.path.isabs(file) else ""})',
      '    except Exception as e:',
      '        out.append({"url": url, "error": type(e).__name__})',
      'print(json.dumps(out))',
    ].join('\n');
    const r = await run(python, ['-W', 'ignore', '-c', script, JSON.stringify(urls)], { cwd, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const theirs = JSON.parse(r.stdout) as { url: string; file?: string; error?: string }[];
    const ours = urls.map((url) => {
      try {
        const location = sqliteLocation(url, cwd);
        return { url, file: location.kind === 'memory' ? '' : location.kind === 'file' ? location.path : `foreign: ${location.reason}` };
      } catch (e) {
        if (!(e instanceof DatabaseError)) throw e;
        return { url, error: e.kind };
      }
    });
    // SQLAlchemy's ArgumentError/ValueError are our unsupported-url.
    expect(ours).toEqual(theirs.map((t) => (t.error !== undefined ? { url: t.url, error: 'unsupported-url' } : t)));
  });

  it('a relative path follows the folder Alembic runs in; another folder shows in the message', async () => {
    const copy = copySqliteProject(python);
    try {
      // script_location relative to the config, so Alembic can run from any folder.
      writeFileSync(copy.ini, readFileSync(copy.ini, 'utf8').replace('script_location = migrations', 'script_location = %(here)s/migrations'));
      const runIn = path.join(copy.dir, 'run');
      mkdirSync(runIn);
      await copy.alembicChecked(['upgrade', 'heads'], 'sqlite:///dev.db', { cwd: runIn });
      expect(existsSync(path.join(runIn, 'dev.db'))).toBe(true);
      const there = await read('sqlite:///dev.db', { cwd: runIn });
      expect(there).toMatchObject({ current: SQLITE_HEADS, file: path.join(runIn, 'dev.db') });
      expect(there.current).toEqual(await copy.current('sqlite:///dev.db', { cwd: runIn }));
      // From the config's folder the same URL is another (missing) file, named with that folder.
      const here = await read('sqlite:///dev.db', { cwd: copy.dir });
      expect(here.current).toEqual([]);
      expect(here.note).toContain(`No database file at ${path.join(copy.dir, 'dev.db')} (relative to ${copy.dir}, the folder Alembic runs in)`);
    } finally {
      copy.remove();
    }
  });
});
