import type { LockEvent } from './types';

/** Names as the lock rules' messages show them. */

/** "`users`", or "its table" when the table is not a literal. */
export function tableText(e: LockEvent): string {
  return e.table !== undefined ? `\`${e.table}\`` : 'its table';
}

/** "`users.email`", "`email`" or "a column". */
export function columnText(e: LockEvent, column: string | undefined): string {
  if (column === undefined) return e.table !== undefined ? `a column of \`${e.table}\`` : 'a column';
  return e.table !== undefined ? `\`${e.table}.${column}\`` : `\`${column}\``;
}

/** Help that names the op form or the SQL form, whichever the finding is about. */
export function byForm(e: LockEvent, op: string, sql: string): string {
  return e.source.via === 'op' ? op : sql;
}
