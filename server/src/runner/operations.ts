import { unsafeIdentifier } from '../core/template/identifiers';
import type { OutputLine } from './process';

/**
 * The Alembic commands the extension runs, as argument arrays (never a shell string), and what
 * their output means. Values that start with `-` can never be taken for options: options are
 * written `--name=value`, and a positional revision may start with `-` only as a relative step.
 */

export type AlembicOperation =
  | { kind: 'upgrade'; target: string }
  | { kind: 'downgrade'; target: string }
  /** Show SQL: `alembic upgrade [from:]target --sql` (offline; nothing touches the database). */
  | { kind: 'upgrade-sql'; from?: string; target: string }
  /** Show SQL: `alembic downgrade from:target --sql`; offline downgrades need a start. */
  | { kind: 'downgrade-sql'; from: string; target: string }
  | { kind: 'stamp'; revisions: string[]; purge?: boolean }
  /** The state of a database we cannot read through `pg` (SQLite, MySQL...). */
  | { kind: 'current' }
  | {
      kind: 'revision';
      message: string;
      autogenerate?: boolean;
      revId?: string;
      /** `--head`: a head id, `label@head`, `head`, or `base`. */
      head?: string;
      splice?: boolean;
      branchLabel?: string;
      versionPath?: string;
      dependsOn?: string[];
    }
  | { kind: 'merge'; message: string; revisions: string[]; revId?: string; branchLabel?: string };

export type OperationKind = AlembicOperation['kind'];

/** Operations that write the version table: they take the advisory lock and are checked afterwards. */
export function writesDatabase(op: AlembicOperation): boolean {
  return op.kind === 'upgrade' || op.kind === 'downgrade' || op.kind === 'stamp';
}

/** Operations that connect to the database at all (the writes, `current`, autogenerate). */
export function connectsToDatabase(op: AlembicOperation): boolean {
  return writesDatabase(op) || op.kind === 'current' || (op.kind === 'revision' && op.autogenerate === true);
}

export class OperationError extends Error {
  override name = 'OperationError';
}

const RELATIVE = /^(?:[^@\s]+@)?[+-]\d+$/;

function positional(value: string, what: string): string {
  if (value.trim() === '') throw new OperationError(`${what} is empty`);
  if (value.startsWith('-') && !RELATIVE.test(value)) throw new OperationError(`${what} '${value}' starts with '-' and is not a relative step such as -1`);
  if (/\s/.test(value)) throw new OperationError(`${what} '${value}' contains white space`);
  return value;
}

/**
 * A message Alembic writes into a new file through a template we could not render ourselves, so
 * we cannot check where it lands: one that could close the template's docstring or comment
 * (triple quotes, line breaks, NUL) would become code that Alembic runs when it loads the file.
 */
function revisionMessage(message: string): string {
  if (message.trim() === '') throw new OperationError('The revision message is empty');
  if (/"""|'''|[\r\n\0]/.test(message)) throw new OperationError('The revision message may not hold triple quotes or line breaks when Alembic writes the file itself: they could turn the message into code');
  return message;
}

/** Ids and labels go into file names and source: letters, digits, `_` and `.` only (core/template/identifiers.ts). */
function identifier(value: string, what: string): string {
  const reason = unsafeIdentifier(value, what);
  if (reason !== undefined) throw new OperationError(reason);
  return value;
}

/** The arguments after `alembic -c ... -n ...` for an operation. */
export function alembicArguments(op: AlembicOperation): string[] {
  switch (op.kind) {
    case 'upgrade':
      return ['upgrade', positional(op.target, 'The upgrade target')];
    case 'downgrade':
      return ['downgrade', positional(op.target, 'The downgrade target')];
    case 'upgrade-sql':
      return ['upgrade', '--sql', op.from === undefined ? positional(op.target, 'The upgrade target') : `${positional(op.from, 'The start')}:${positional(op.target, 'The upgrade target')}`];
    case 'downgrade-sql':
      return ['downgrade', '--sql', `${positional(op.from, 'The start')}:${positional(op.target, 'The downgrade target')}`];
    case 'stamp':
      if (op.revisions.length === 0) throw new OperationError('stamp needs at least one revision');
      return ['stamp', ...(op.purge ? ['--purge'] : []), ...op.revisions.map((r) => positional(r, 'The stamp revision'))];
    case 'current':
      return ['current'];
    case 'revision': {
      const args = ['revision', `--message=${revisionMessage(op.message)}`];
      if (op.autogenerate) args.push('--autogenerate');
      if (op.revId !== undefined) args.push(`--rev-id=${identifier(op.revId, 'revision id')}`);
      if (op.head !== undefined) args.push(`--head=${op.head}`);
      if (op.splice) args.push('--splice');
      if (op.branchLabel !== undefined) args.push(`--branch-label=${identifier(op.branchLabel, 'branch label')}`);
      if (op.versionPath !== undefined) args.push(`--version-path=${op.versionPath}`);
      for (const d of op.dependsOn ?? []) args.push(`--depends-on=${d}`);
      return args;
    }
    case 'merge': {
      if (op.revisions.length < 2) throw new OperationError('merge needs at least two revisions');
      const args = ['merge', `--message=${revisionMessage(op.message)}`];
      if (op.revId !== undefined) args.push(`--rev-id=${identifier(op.revId, 'revision id')}`);
      if (op.branchLabel !== undefined) args.push(`--branch-label=${identifier(op.branchLabel, 'branch label')}`);
      return [...args, ...op.revisions.map((r) => positional(r, 'A merged revision'))];
    }
  }
}

/** A short description for messages: "upgrade to heads", "stamp 3f2a1c". */
export function describeOperation(op: AlembicOperation): string {
  switch (op.kind) {
    case 'upgrade':
    case 'downgrade':
      return `${op.kind} to ${op.target}`;
    case 'upgrade-sql':
    case 'downgrade-sql':
      return `SQL for ${op.kind.slice(0, -4)} ${op.from === undefined ? '' : `${op.from}:`}${op.target}`;
    case 'stamp':
      return `stamp ${op.purge ? '--purge ' : ''}${op.revisions.join(' ')}`;
    case 'current':
      return 'alembic current';
    case 'revision':
      return op.autogenerate ? 'revision --autogenerate' : 'revision';
    case 'merge':
      return `merge ${op.revisions.join(' ')}`;
  }
}

/**
 * The revision ids `alembic current` printed: the first word of each stdout line that reads
 * like `3f2a1c (head)` or `3f2a1c (analytics) (effective head)`. Log lines are not counted.
 */
export function parseCurrentOutput(stdout: string): string[] {
  const ids: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^([^\s()]+)((?:\s+\([^)]*\))*)\s*$/.exec(line);
    if (m && !/^(INFO|WARNING|WARN|ERROR|DEBUG)$/.test(m[1]!)) ids.push(m[1]!);
  }
  return [...new Set(ids)].sort();
}

/** The files `alembic revision`/`merge` wrote: `Generating /path/x.py ...  done`. */
export function parseGeneratedFiles(stdout: string): string[] {
  const files: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^\s*Generating (.+?) \.\.\.\s+done\s*$/.exec(line);
    if (m) files.push(m[1]!);
  }
  return files;
}

/** How many `Running upgrade ...`/`Running downgrade ...`/stamp steps Alembic logged. */
export function countSteps(lines: readonly string[]): number {
  return lines.filter((l) => /Running (upgrade|downgrade|stamp_revision)\b/.test(l)).length;
}

/**
 * Alembic's own error: the `FAILED: ...` line of a CommandError, else the exception line of the
 * last Python traceback (`sqlalchemy.exc.ProgrammingError: (psycopg2...) message`) followed by
 * the first line of the statement SQLAlchemy shows after it (`[SQL: ...]`), else undefined.
 *
 * Given lines that name their stream, the traceback is read from stderr alone: Python buffers a
 * piped stdout and flushes it at exit, so what `env.py` printed can land between the traceback's
 * lines and would otherwise be taken for the exception.
 */
export function alembicFailure(output: readonly (string | Pick<OutputLine, 'stream' | 'text'>)[]): string | undefined {
  const all = output.map((l) => (typeof l === 'string' ? l : l.text));
  const failed = lastIndex(all, (l) => l.startsWith('FAILED:'));
  if (failed >= 0) return all[failed]!.slice('FAILED:'.length).trim();
  const lines = output.flatMap((l) => (typeof l === 'string' ? [l] : l.stream === 'stderr' ? [l.text] : []));
  const tracebackAt = lastIndex(lines, (l) => l.startsWith('Traceback (most recent call last)'));
  if (tracebackAt < 0) return undefined;
  const tail = lines.slice(tracebackAt + 1);
  // The frames are indented; the exception is the first line that is not. SQLAlchemy's
  // message can go on over more lines, then names the statement, then links its docs: the
  // last of those lines says less than the first.
  const at = tail.findIndex((l) => l.trim() !== '' && !/^\s/.test(l));
  if (at < 0) return undefined;
  const sql = tail.slice(at + 1).find((l) => l.startsWith('[SQL: '));
  const statement = sql === undefined ? '' : ` ${sql.length > 200 ? `${sql.slice(0, 199)}…` : sql}`;
  return `${tail[at]!.trim()}${statement}`;
}

function lastIndex(lines: readonly string[], test: (line: string) => boolean): number {
  for (let i = lines.length - 1; i >= 0; i--) if (test(lines[i]!)) return i;
  return -1;
}
