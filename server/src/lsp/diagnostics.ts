import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import type { Finding, Severity } from '../core/rules/types';

/**
 * Lint findings as LSP diagnostics: the rule id is the code, and the code links to the rule's
 * doc page shipped with the extension (docs/rules/<id>.md beside dist/, where the server
 * bundle runs from).
 */

const DOCS = path.join(__dirname, '..', 'docs', 'rules');

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function ruleDocUri(rule: string, docs = DOCS): string {
  return pathToFileURL(path.join(docs, `${rule}.md`)).toString();
}

export function toDiagnostic(f: Finding, docs = DOCS): Diagnostic {
  return {
    range: f.range,
    severity: SEVERITY[f.severity],
    code: f.rule,
    codeDescription: { href: ruleDocUri(f.rule, docs) },
    source: 'alembic-pilot',
    message: f.help ? `${f.message}\n${f.help}` : f.message,
  };
}
