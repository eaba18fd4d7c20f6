import pg from 'pg';
import { delay } from './run';

/**
 * What a statement does to a table on a real PostgreSQL, for the lock rules' behaviour tests:
 * the locks it holds (from pg_locks, while its transaction is still open), whether it rewrites
 * the table (pg_relation_filenode), whether it scans it (the transaction's scan counter), and
 * whether another session's writes get through meanwhile.
 */

/** Two tables with rows, made again before each test: what the statements under test run on. */
export const ORDERS_SCHEMA = `
  DROP SCHEMA public CASCADE;
  CREATE SCHEMA public;
  CREATE TABLE customers (id int PRIMARY KEY);
  INSERT INTO customers SELECT g FROM generate_series(1, 1000) g;
  CREATE TABLE orders (
    id int PRIMARY KEY, customer_id int, qty int, ref varchar(10), note text,
    total numeric(10, 2), email text, placed_at timestamp
  );
  INSERT INTO orders SELECT g, g, g % 5, 'r' || g, 'n', g, 'e' || g, now() FROM generate_series(1, 1000) g;
  CREATE INDEX ix_orders_qty ON orders (qty);
`;

/** One connection, with its backend pid, for a session that holds locks while others look. */
export class Session {
  private constructor(
    readonly client: pg.Client,
    readonly pid: number,
  ) {}

  static async open(url: string): Promise<Session> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return new Session(client, rows[0]!.pid);
  }

  async query(sql: string): Promise<pg.QueryResult> {
    return this.client.query(sql);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/** Opens sessions, runs `work`, and closes them all whatever happens. */
export async function withSessions<T>(url: string, count: number, work: (sessions: Session[]) => Promise<T>): Promise<T> {
  const sessions: Session[] = [];
  try {
    for (let i = 0; i < count; i++) sessions.push(await Session.open(url));
    return await work(sessions);
  } finally {
    for (const s of sessions) await s.close();
  }
}

/** The granted lock modes a backend holds on a table, sorted: `['AccessExclusiveLock']`. */
export async function heldModes(observer: Session, pid: number, table: string): Promise<string[]> {
  const { rows } = await observer.client.query<{ mode: string }>(
    'SELECT mode FROM pg_locks WHERE pid = $1 AND granted AND locktype = $2 AND relation = to_regclass($3) ORDER BY mode',
    [pid, 'relation', table],
  );
  return rows.map((r) => r.mode);
}

/**
 * Runs `statement` in an open transaction of a fresh session and returns the lock modes it
 * then holds on each of `tables`, as another session sees them; the transaction is rolled back.
 */
export async function locksHeldBy(url: string, statement: string, tables: readonly string[]): Promise<Record<string, string[]>> {
  return withSessions(url, 2, async ([actor, observer]) => {
    await actor!.query('BEGIN');
    try {
      await actor!.query(statement);
      const out: Record<string, string[]> = {};
      for (const t of tables) out[t] = await heldModes(observer!, actor!.pid, t);
      return out;
    } finally {
      await actor!.query('ROLLBACK');
    }
  });
}

/**
 * Whether `write` (an INSERT, say) gets through in a fresh session within `waitMs` while
 * `statement` holds its locks in another session's open transaction. A write that waits
 * longer than that for a lock is what "writes are blocked" means here.
 */
export async function writeGetsThrough(url: string, statement: string, write: string, waitMs = 300): Promise<boolean> {
  return withSessions(url, 2, async ([actor, writer]) => {
    await actor!.query('BEGIN');
    try {
      await actor!.query(statement);
      return await attempt(writer!, write, waitMs);
    } finally {
      await actor!.query('ROLLBACK');
    }
  });
}

/** Runs `sql` with a lock_timeout; false when it timed out waiting for a lock. */
export async function attempt(session: Session, sql: string, waitMs: number): Promise<boolean> {
  await session.query('BEGIN');
  try {
    await session.query(`SET LOCAL lock_timeout = '${waitMs}ms'`);
    await session.query(sql);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') return false;
    throw error;
  } finally {
    await session.query('ROLLBACK');
  }
}

export async function filenode(session: Session, table: string): Promise<string> {
  const { rows } = await session.client.query<{ node: string }>('SELECT pg_relation_filenode(to_regclass($1))::text AS node', [table]);
  return rows[0]!.node;
}

/** Sequential scans of the table started by the current transaction. */
export async function scansSoFar(session: Session, table: string): Promise<number> {
  const { rows } = await session.client.query<{ n: string }>('SELECT pg_stat_get_xact_numscans(to_regclass($1))::text AS n', [table]);
  return Number(rows[0]!.n);
}

/**
 * Runs `statement` in a transaction that is rolled back, and says whether it rewrote `table`
 * (its filenode changed) and how many times it scanned it.
 */
export async function rewriteAndScans(url: string, statement: string, table: string): Promise<{ rewrote: boolean; scans: number }> {
  return withSessions(url, 1, async ([s]) => {
    await s!.query('BEGIN');
    try {
      const node = await filenode(s!, table);
      const before = await scansSoFar(s!, table);
      await s!.query(statement);
      return { rewrote: (await filenode(s!, table)) !== node, scans: (await scansSoFar(s!, table)) - before };
    } finally {
      await s!.query('ROLLBACK');
    }
  });
}

/** The SQLSTATE and message `statement` fails with in a rolled-back transaction, or undefined when it succeeds. */
export async function failureOf(url: string, statement: string): Promise<{ code: string; message: string } | undefined> {
  return withSessions(url, 1, async ([s]) => {
    await s!.query('BEGIN');
    try {
      await s!.query(statement);
      return undefined;
    } catch (error) {
      const e = error as { code?: string; message?: string };
      return { code: e.code ?? '', message: e.message ?? '' };
    } finally {
      await s!.query('ROLLBACK');
    }
  });
}

/** Polls until the backend waits for a lock (its statement is in progress and blocked). */
export async function waitUntilBlocked(observer: Session, pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await observer.client.query<{ w: string | null }>('SELECT wait_event_type AS w FROM pg_stat_activity WHERE pid = $1', [pid]);
    if (rows[0]?.w === 'Lock') return;
    await delay(20);
  }
  throw new Error(`backend ${pid} never waited for a lock`);
}
