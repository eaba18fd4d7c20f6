import type { OpCall } from '../../parse/types';
import type { AnalyzedSql, AnalyzedStatement } from '../../sql/analyze';
import type { ColumnType } from './columnTypes';

/**
 * What the lock and downtime rules read from one `op.*` call or one SQL statement: the
 * schema change it makes and the table it makes it on. The rules differ only in which of
 * these they report, so the calls and statements are read once, into these, and shared.
 */

/** A column default as far as rewriting the table is concerned. */
export type DefaultKind =
  /** No default, or `DEFAULT NULL`: nothing to fill in. */
  | 'none'
  /** A constant or a stable expression (`now()`): PostgreSQL 11 stores it once, without a rewrite. */
  | 'non-volatile'
  /** A volatile expression (`gen_random_uuid()`, `nextval(...)`): every row gets its own value, so the table is rewritten. */
  | 'volatile'
  /** Not known statically (a variable, a user function): never reported. */
  | 'unknown';

export type ConstraintKind = 'foreign-key' | 'check' | 'unique' | 'primary-key' | 'other';

/** The schema changes the rules distinguish. Every one but `set-lock-timeout` and `create-table` is on a table. */
export type LockChange =
  | { kind: 'create-table'; to: string | undefined }
  | { kind: 'rename-table'; to: string | undefined }
  | { kind: 'drop-table' }
  | { kind: 'create-index'; index: string | undefined; concurrently: boolean; ifNotExists: boolean }
  | { kind: 'drop-index'; index: string | undefined; concurrently: boolean; ifExists: boolean; single: boolean }
  | {
      kind: 'add-column';
      column: string | undefined;
      /** The name's Python expression when it is not a literal (`f"{col}_new"`). */
      columnExpression?: string;
      notNull: boolean;
      defaultKind: DefaultKind;
      /** `serial`, an identity column or a generated column: PostgreSQL fills it in itself. */
      generated: 'serial' | 'identity' | 'computed' | undefined;
    }
  | { kind: 'set-not-null'; column: string | undefined }
  | { kind: 'add-constraint'; constraint: string | undefined; type: ConstraintKind; notValid: boolean; usingIndex: boolean; notNullOf: string | undefined }
  | { kind: 'validate-constraint'; constraint: string | undefined }
  | { kind: 'alter-type'; column: string | undefined; from: ColumnType | undefined; to: ColumnType | undefined; using: boolean }
  | {
      kind: 'rename-column';
      column: string | undefined;
      columnExpression?: string;
      to: string | undefined;
      /** The new name's Python expression when it is not a literal (`col` in a loop), to match a drop of the same expression. */
      toExpression?: string;
    }
  | { kind: 'drop-column'; column: string | undefined; columnExpression?: string }
  /** `CREATE VIEW`, on the view's name: a view with a renamed table's old name keeps old queries working. */
  | { kind: 'create-view' }
  /** Any other change that takes a lock on the table (`ALTER TABLE ... SET DEFAULT`, `DROP CONSTRAINT`, ...). */
  | { kind: 'other-lock' }
  /**
   * `SET lock_timeout`; `on` is false for `0`, `DEFAULT` and `RESET`, which switch it off again.
   * `SET LOCAL` lasts until its transaction ends.
   */
  | { kind: 'set-lock-timeout'; on: boolean; local: boolean }
  /** An executed `COMMIT` or `ROLLBACK`: what follows runs in a new transaction. */
  | { kind: 'end-transaction' };

/** A change and its table, as read from the call or statement alone. */
export type ChangeOn = LockChange & {
  /** The table, lower-cased and without its schema; undefined when it is not a literal. */
  table: string | undefined;
};

/** Where a change was written: an `op.*` call, or a statement of an SQL string. */
export type LockSource =
  | { via: 'op'; call: OpCall }
  | {
      via: 'sql';
      sql: AnalyzedSql;
      statement: AnalyzedStatement;
      /** The number of top-level statements of the string, for fixes that need the statement alone. */
      topLevel: number;
    };

/** One change of a migration function, in the order the function makes them. */
export type LockEvent = ChangeOn & {
  source: LockSource;
  /**
   * True when the table already existed before the function ran: it was not created (or
   * renamed into place from a table created) earlier in the same function. A table whose name
   * is not a literal counts as existing.
   */
  existing: boolean;
  /**
   * The table's name was given by a rename earlier in the same function, so no running
   * application queries it by that name (`t` renamed to `t_old` in a swap).
   */
  renamedHere: boolean;
  /**
   * The transaction the change runs in, numbered in order: Alembic runs a migration function
   * in one transaction, and `autocommit_block()` commits before and after it, with each
   * statement inside committed on its own. Locks are held until their transaction ends.
   */
  transaction: number;
};
