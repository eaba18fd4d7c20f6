import path from 'node:path';
import { compareCodePoints } from '../../core/config/pyText';
import type { Finding } from '../../core/rules/types';

/**
 * Where a finding is, as every output format prints it: the file relative to the working
 * directory when it is under it (so that output is the same on every machine that checks the
 * project out), otherwise absolute; 1-based lines and columns with an exclusive end.
 *
 * Columns count UTF-16 code units, the unit of the core's ranges, of LSP and of JavaScript
 * strings. They differ from Unicode characters only after an astral character (an emoji, say)
 * on the same line, which a migration rarely has; SARIF output declares the unit explicitly.
 */
export interface LocatedFinding {
  finding: Finding;
  /** Relative with `/` separators when under the working directory, otherwise absolute. */
  file: string;
  /** Whether `file` is relative to the working directory. */
  relative: boolean;
  line: number;
  column: number;
  endLine: number;
  /** The column just after the last character of the range. */
  endColumn: number;
}

export function displayPath(file: string, cwd: string): { file: string; relative: boolean } {
  const root = path.resolve(cwd);
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  const absolute = path.resolve(root, file);
  if (!absolute.startsWith(prefix)) return { file: absolute, relative: false };
  return { file: absolute.slice(prefix.length).split(path.sep).join('/'), relative: true };
}

export function locate(finding: Finding, cwd: string): LocatedFinding {
  const { start, end } = finding.range;
  return {
    finding,
    ...displayPath(finding.file, cwd),
    line: start.line + 1,
    column: start.character + 1,
    endLine: end.line + 1,
    endColumn: end.character + 1,
  };
}

/**
 * Findings in the order every format prints them: by file, line and column, then by the end,
 * the rule and the message so that the output never depends on the order rules ran in.
 */
export function locateAll(findings: readonly Finding[], cwd: string): LocatedFinding[] {
  return findings.map((f) => locate(f, cwd)).sort(compareLocated);
}

function compareLocated(a: LocatedFinding, b: LocatedFinding): number {
  return (
    compareCodePoints(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    a.endLine - b.endLine ||
    a.endColumn - b.endColumn ||
    compareCodePoints(a.finding.rule, b.finding.rule) ||
    compareCodePoints(a.finding.message, b.finding.message)
  );
}
