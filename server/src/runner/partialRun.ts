/**
 * Which revision a failed run stopped in, where DDL is not transactional (SQLite, MySQL). Alembic
 * says so in its log ("Will assume non-transactional DDL"); it then commits each revision as it
 * goes, and in the revision that failed, every statement before the failing one stays applied
 * while the version table still names the revision before. Read from Alembic's output alone:
 * what those statements were is in the revision file, which the server reads (see
 * `core/rules/ops/leftBehind.ts` and `RunnerOptions.describePartial`), since this module runs in
 * the extension host, which never parses revision files.
 */

export interface PartialRevision {
  /** The revision whose upgrade() (or downgrade()) failed. */
  revision: string;
  direction: 'upgrade' | 'downgrade';
  /** The statement that failed, as SQLAlchemy showed it. */
  failedStatement?: string;
  /** What stays from the statements that ran ("table audit"), when the caller could read the file. */
  left?: string[];
  /** False when the failing statement matched no call of the file: `left` then names what may stay. */
  certain?: boolean;
}

const RUNNING = /Running (upgrade|downgrade) (.*?) -> ([^,]*),/;

/** The revision a non-transactional run failed in, from its output lines; undefined for a transactional run. */
export function partialRevision(lines: readonly string[]): PartialRevision | undefined {
  if (!lines.some((l) => l.includes('Will assume non-transactional DDL'))) return undefined;
  let step: RegExpExecArray | null = null;
  for (const line of lines) step = RUNNING.exec(line) ?? step;
  if (!step) return undefined;
  const direction = step[1] as 'upgrade' | 'downgrade';
  // A merge or a branch point names several revisions; the one that ran is on its side.
  const revision = (direction === 'upgrade' ? step[3]! : step[2]!).split(',')[0]!.trim();
  const partial: PartialRevision = { revision, direction };
  const failedStatement = failingStatement(lines);
  if (failedStatement !== undefined) partial.failedStatement = failedStatement;
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
