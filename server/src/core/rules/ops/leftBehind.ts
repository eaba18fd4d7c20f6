import type { MigrationFunction, OpCall, RevisionFile } from '../../parse/types';
import { upgradeChanges, type Change } from './changes';
import { nameOf, tableOf } from './signatures';

/**
 * What a revision's migration function left in the database when it failed partway where DDL is
 * not transactional (SQLite, MySQL): every statement before the failing one stays applied. The
 * failing statement (SQLAlchemy's `[SQL: ...]`) is matched to the op call that sends it, and what
 * the calls before it created is named; when no call matches, everything the function does is
 * named, as what may stay.
 */

export interface LeftBehind {
  /** As people name it: "table audit", "column accounts.email". */
  left: string[];
  /** False when the failing statement matched no call, and `left` is what may stay. */
  certain: boolean;
}

export function leftBehind(file: RevisionFile, direction: 'upgrade' | 'downgrade', failedStatement: string | undefined): LeftBehind {
  const fn = file.functions.find((f) => f.name === direction);
  if (!fn) return { left: [], certain: false };
  const at = failedStatement === undefined ? -1 : fn.opCalls.findIndex((call) => produces(fn, call, failedStatement));
  const ran = at < 0 ? fn.opCalls : fn.opCalls.slice(0, at);
  const left =
    direction === 'upgrade'
      ? upgradeChanges({ ...fn, opCalls: ran }).map(describe)
      : ran.filter((c) => c.name !== 'get_bind').map((c) => `op.${c.name}(${c.args[0]?.text ?? ''})`);
  return { left, certain: at >= 0 };
}

const words = (sql: string): string => sql.replace(/["`[\]]/g, '').replace(/\s+/g, ' ').trim().toUpperCase();

/** Whether the call is the one that sent `statement`, by the SQL SQLAlchemy writes for it. */
function produces(fn: MigrationFunction, call: OpCall, statement: string): boolean {
  const sql = words(statement);
  if (call.name === 'execute') {
    const s = fn.sql.find((x) => x.callRange.start.line === call.range.start.line && x.callRange.start.character === call.range.start.character);
    return s !== undefined && !s.dynamic && words(s.text) === sql;
  }
  const table = tableOf(call)?.toUpperCase();
  const name = (param: string): string | undefined => nameOf(call, param)?.toUpperCase();
  const starts = (prefix: string | undefined): boolean => prefix !== undefined && (sql === prefix || sql.startsWith(`${prefix} `) || sql.startsWith(`${prefix}(`));
  switch (call.name) {
    case 'create_table':
      return starts(table && `CREATE TABLE ${table}`);
    case 'drop_table':
      return starts(table && `DROP TABLE ${table}`);
    case 'add_column':
      return starts(table && `ALTER TABLE ${table} ADD`);
    case 'drop_column':
      return starts(table && `ALTER TABLE ${table} DROP COLUMN ${name('column_name') ?? ''}`.trimEnd());
    case 'alter_column':
      return starts(table && `ALTER TABLE ${table}`);
    case 'create_index': {
      const index = name('index_name');
      return index !== undefined && (starts(`CREATE INDEX ${index}`) || starts(`CREATE UNIQUE INDEX ${index}`));
    }
    case 'drop_index':
      return starts(name('index_name') && `DROP INDEX ${name('index_name')}`);
    case 'rename_table':
      return starts(name('old_table_name') && `ALTER TABLE ${name('old_table_name')} RENAME`);
    default:
      return false;
  }
}

function describe(c: Change): string {
  switch (c.kind) {
    case 'column':
      return `column ${c.table === undefined ? '' : `${c.table}.`}${c.name}`;
    case 'table-rename':
      return `table ${c.from} renamed to ${c.name}`;
    case 'column-rename':
      return `column ${c.table === undefined ? '' : `${c.table}.`}${c.from} renamed to ${c.name}`;
    default:
      return `${c.kind} ${c.name}`;
  }
}
