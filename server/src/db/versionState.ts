import type pg from 'pg';
import { DatabaseConnections } from './connections';
import { DatabaseError } from './errors';
import type { PgTarget } from './pgOptions';

/**
 * Which revisions a database is at: the rows of its Alembic version table, read through `pg`
 * without Python. Several rows are several heads; no table means nothing was ever applied.
 */

export interface VersionTableName {
  /** undefined: the table is found on the connection's search_path, as Alembic finds it. */
  schema?: string;
  table: string;
  /** Where the name came from, for messages. */
  source: 'setting' | 'env.py' | 'default';
}

export const DEFAULT_VERSION_TABLE = 'alembic_version';

/**
 * The version table of an environment: the `alembicPilot.versionTable` setting (`table` or
 * `schema.table`) when set, else the literals of env.py's `context.configure(...)`, else
 * `alembic_version` on the search path. A setting that is not a string is ignored.
 */
export function versionTableFor(setting: unknown, envPy?: { versionTable?: string; versionTableSchema?: string }): VersionTableName {
  if (typeof setting === 'string' && setting.trim() !== '') {
    const text = setting.trim();
    const dot = text.lastIndexOf('.');
    return dot > 0 ? { schema: text.slice(0, dot), table: text.slice(dot + 1), source: 'setting' } : { table: text, source: 'setting' };
  }
  if (envPy?.versionTable !== undefined || envPy?.versionTableSchema !== undefined) {
    const name: VersionTableName = { table: envPy.versionTable ?? DEFAULT_VERSION_TABLE, source: 'env.py' };
    if (envPy.versionTableSchema !== undefined) name.schema = envPy.versionTableSchema;
    return name;
  }
  return { table: DEFAULT_VERSION_TABLE, source: 'default' };
}

/** `schema.table` as people write it. */
export function versionTableLabel(name: VersionTableName): string {
  return name.schema === undefined ? name.table : `${name.schema}.${name.table}`;
}

export interface VersionState {
  /** The version table's rows (its current heads), sorted; empty when nothing is applied. */
  current: string[];
  /** False when the table does not exist: nothing was ever applied (or the name is wrong). */
  tableExists: boolean;
  table: VersionTableName;
}

/** Reads the version table on an open connection; errors are pg's, not yet classified. */
export async function queryVersionState(client: pg.ClientBase, table: VersionTableName): Promise<VersionState> {
  const qualified = (table.schema === undefined ? '' : `${client.escapeIdentifier(table.schema)}.`) + client.escapeIdentifier(table.table);
  const found = await client.query<{ oid: string | null }>('SELECT to_regclass($1)::text AS oid', [qualified]);
  if (found.rows[0]?.oid == null) return { current: [], tableExists: false, table };
  const rows = await client.query<{ version_num: string }>(`SELECT version_num FROM ${qualified}`);
  return { current: rows.rows.map((r) => r.version_num).sort(), tableExists: true, table };
}

/**
 * The ids among `current` that no revision file declares, as a DatabaseError of kind
 * `unknown-revision` (undefined when all are known). The database was migrated from another
 * branch or checkout, and nothing can be planned from it.
 */
export function unknownRevisionError(state: VersionState, isKnown: (id: string) => boolean, display: string): DatabaseError | undefined {
  const unknown = state.current.filter((id) => !isKnown(id));
  if (unknown.length === 0) return undefined;
  const list = unknown.join(', ');
  return new DatabaseError(
    'unknown-revision',
    `${display} is at revision ${list}, which no revision file declares: it was migrated from another branch or checkout. Check out the branch that has ${unknown.length > 1 ? 'them' : 'it'}, or stamp the database.`,
    { display, unknownRevisions: unknown },
  );
}

/**
 * Reads version state through a pool of connections, one per database. Every failure is a
 * classified DatabaseError with the URL redacted.
 */
export class VersionStateReader {
  constructor(readonly connections: DatabaseConnections = new DatabaseConnections()) {}

  read(target: PgTarget, table: VersionTableName): Promise<VersionState> {
    return this.connections.use(target, (client) => queryVersionState(client, table));
  }

  close(): Promise<void> {
    return this.connections.closeAll();
  }
}
