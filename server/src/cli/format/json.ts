import type { RuleId, Severity } from '../../core/rules/types';
import type { LocatedFinding } from './location';

export interface JsonFinding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  rule: RuleId;
  severity: Severity;
  message: string;
}

/** The findings as one JSON array, already sorted (see locateAll). */
export function formatJson(located: readonly LocatedFinding[]): string {
  const out: JsonFinding[] = located.map((l) => ({
    file: l.file,
    line: l.line,
    column: l.column,
    endLine: l.endLine,
    endColumn: l.endColumn,
    rule: l.finding.rule,
    severity: l.finding.severity,
    message: l.finding.message,
  }));
  return JSON.stringify(out, null, 2);
}
