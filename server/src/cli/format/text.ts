import type { LocatedFinding } from './location';

/** One line per finding, `file:line:col: severity[rule-id] message`, as compilers print them. */
export function formatText(located: readonly LocatedFinding[]): string[] {
  return located.map((l) => `${l.file}:${l.line}:${l.column}: ${l.finding.severity}[${l.finding.rule}] ${l.finding.message}`);
}
