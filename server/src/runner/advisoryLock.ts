import type pg from 'pg';
import { connect } from '../db/connections';
import { DatabaseError } from '../db/errors';
import type { PgTarget } from '../db/pgOptions';
import type { VersionTableName } from '../db/versionState';

/**
 * A PostgreSQL session advisory lock held for the whole of a run, keyed on the database and its
 * version table, so that a second window or a second VS Code refuses to migrate the same
 * database at the same time. Alembic takes no lock of its own: two concurrent runs would both
 * execute migration bodies.
 */

/** The first key of the two-key lock: the same in every Alembic Pilot. */
const NAMESPACE = 'alembic-pilot';

/** The application name of the session that holds the lock, so a refusal can say who holds it. */
export const LOCK_APPLICATION_NAME = 'alembic-pilot-lock';

export interface HeldLock {
  /** Unlocks and closes the session; safe to call twice. */
  release(): Promise<void>;
}

/** Another session holds the lock: another window, another VS Code or another machine. */
export class RunLockBusyError extends Error {
  override name = 'RunLockBusyError';
}

/** The SQL text naming the lock, shared with tests that take it from another process. */
export const LOCK_SQL = `SELECT pg_try_advisory_lock(hashtext($1), hashtext(current_database() || '.' || coalesce($2, current_schema()) || '.' || $3)) AS locked`;

export function lockParameters(table: VersionTableName): [string, string | null, string] {
  return [NAMESPACE, table.schema ?? null, table.table];
}

/** Takes the lock on its own session, or throws RunLockBusyError (or a classified DatabaseError). */
export async function acquireRunLock(target: PgTarget, table: VersionTableName): Promise<HeldLock> {
  const client = await connect(target, { applicationName: LOCK_APPLICATION_NAME });
  let locked = false;
  try {
    const r = await client.query<{ locked: boolean }>(LOCK_SQL, lockParameters(table));
    locked = r.rows[0]?.locked === true;
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e instanceof DatabaseError ? e : new DatabaseError('other', `Could not take the run lock on ${target.display}: ${(e as Error).message}`, { display: target.display });
  }
  if (!locked) {
    const holder = await describeHolder(client).catch(() => undefined);
    await client.end().catch(() => undefined);
    throw new RunLockBusyError(
      `Another Alembic Pilot${holder ? ` (${holder})` : ''} is running an operation on ${target.display} right now (another window, another VS Code or another machine). Wait for it to finish, then try again.`,
    );
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

async function describeHolder(client: pg.Client): Promise<string | undefined> {
  const r = await client.query<{ who: string }>(
    `SELECT coalesce(host(client_addr), 'local socket') || ', since ' || to_char(backend_start, 'HH24:MI:SS') AS who
       FROM pg_stat_activity
      WHERE application_name = $1 AND datname = current_database() AND pid <> pg_backend_pid()
      ORDER BY backend_start LIMIT 1`,
    [LOCK_APPLICATION_NAME],
  );
  return r.rows[0]?.who;
}

/**
 * Cancels the statements still running in the sessions of a run (found by the application name
 * the run set through PGAPPNAME). Returns how many sessions were found.
 */
export async function cancelRunStatements(target: PgTarget, applicationName: string): Promise<number> {
  const client = await connect(target, { applicationName: LOCK_APPLICATION_NAME });
  try {
    const r = await client.query<{ pid: number }>(
      `SELECT pid, pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`,
      [applicationName],
    );
    return r.rowCount ?? r.rows.length;
  } finally {
    await client.end().catch(() => undefined);
  }
}
