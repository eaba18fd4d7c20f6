import { readFileSync } from 'node:fs';
import { listRevisionFiles, type AlembicEnvironment } from '../core/config';
import { parseRevisionFile } from '../core/parse';
import type { MigrationFunction, OpCall } from '../core/parse/types';
import { upgradeChanges, type Change } from '../core/rules/ops/changes';
import { nameOf, tableOf } from '../core/rules/ops/signatures';
import { scanRevisionHeader } from '../core/scan/headerScanner';

/**
 * What a failed run left behind where DDL is not transactional (SQLite, MySQL). Alembic says so
 * in its log ("Will assume non-transactional DDL"); it then commits each revision as it goes,
 * and in the revision that failed, every statement before the failing one stays applied while
 * the version table still names the revision before. The revision file says what those
 * statements were: the failing statement (from SQLAlchemy's `[SQL: ...]`) is matched to its
 * op call, and what the calls before it created is named.
 */

export interface PartialRevision {
  /** The revision whose upgrade() (or downgrade()) failed. */
  revision: string;
  direction: 'upgrade' | 'downgrade';
  file?: string;
  /** The statement that failed, as SQLAlchemy showed it. */
  failedStatement?: string;
  /** What stays from the statements that ran, as people name it: "table audit", "column accounts.email". */
  left: string[];
  /**
   * False when the failing statement could not be matched to a call of the file: `left` then
   * names everything the function does, any of which may have run.
   */
  certain: boolean;
}

const RUNNING = /Running (upgrade|downgrade) (.*?) -> ([^,]*),/;

export function partialRevision(lines: readonly string[], versionLocations: readonly string[]): PartialRevision | undefined {
  if (!lines.some((l) => l.includes('Will assume non-transactional DDL'))) return undefined;
  let step: RegExpExecArray | null = null;
  for (const line of lines) step = RUNNING.exec(line) ?? step;
  if (!step) return undefined;
  const direction = step[1] as 'upgrade' | 'downgrade';
  // A merge or a branch point names several revisions; the one that ran is on its side.
  const revision = (direction === 'upgrade' ? step[3]! : step[2]!).split(',')[0]!.trim();
  const failedStatement = failingStatement(lines);
  const partial: PartialRevision = { revision, direction, left: [], certain: false };
  if (failedStatement !== undefined) partial.failedStatement = failedStatement;
  const file = fileOf(revision, versionLocations);
  if (!file) return partial;
  partial.file = file;
  const fn = parseRevisionFile(file, readFileSync(file, 'utf8')).functions.find((f) => f.name === direction);
  if (!fn) return partial;
  const at = failedStatement === undefined ? -1 : fn.opCalls.findIndex((call) => produces(fn, call, failedStatement));
  const ran = at < 0 ? fn.opCalls : fn.opCalls.slice(0, at);
  partial.certain = at >= 0;
  partial.left = direction === 'upgrade' ? upgradeChanges({ ...fn, opCalls: ran }).map(describe) : ran.filter((c) => c.name !== 'get_bind').map((c) => `op.${c.name}(${c.args[0]?.text ?? ''})`);
  return partial;
}

/** SQLAlchemy's `[SQL: ...]`, which may span lines, without its brackets. */
function failingStatement(lines: readonly string[]): string | undefined {
  const start = lines.findIndex((l) => l.startsWith('[SQL: '));
  if (start < 0) return undefined;
  const parts: string[] = [];
  for (let i = start; i < lines.length; i++) {
    const line = i === start ? lines[i]!.slice('[SQL: '.length) : lines[i]!;
    if (line.endsWith(']') && (i + 1 >= lines.length || /^(\[parameters:|\(Background on this error)/.test(lines[i + 1]!))) {
      parts.push(line.slice(0, -1));
      break;
    }
    parts.push(line);
  }
  return parts.join('\n').trim();
}

function fileOf(revision: string, versionLocations: readonly string[]): string | undefined {
  const env = { versionLocations: [...versionLocations], recursiveVersionLocations: true } as AlembicEnvironment;
  for (const file of listRevisionFiles(env)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (scanRevisionHeader(file, text).revision?.ids?.[0] === revision) return file;
  }
  return undefined;
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
