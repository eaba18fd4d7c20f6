import { readFileSync } from 'node:fs';
import type { AlembicEnvironment } from '../config';
import { parseRevisionFile } from '../parse';
import type { RevisionFile } from '../parse/types';
import type { RevisionProject } from '../project/revisionProject';
import type { RevisionHeader } from '../revisionHeader';
import { decodePythonSource } from '../scan/decode';
import { RULES } from './registry';
import { Suppressions } from './suppressions';
import type { Finding, LintTargets, Rule, RuleContext, RuleId, RuleSetting, Severity, SqlParser } from './types';

/**
 * Runs the rules over revision files: applies the configured severities, drops findings that
 * a suppression comment covers, reports unused suppressions, and keeps going when a rule
 * throws, so that one rule's bug costs that rule on that file and nothing more.
 */

/** A rule that threw on a file; the rule was skipped for that file. */
export interface RuleError {
  rule: RuleId;
  file: string;
  error: unknown;
}

export interface LintOptions {
  /** Severity per rule; a rule that is not listed runs at its default severity. */
  settings: Partial<Record<RuleId, RuleSetting>>;
  targets: LintTargets;
  sql: SqlParser | undefined;
  /** The rules to run; all of {@link RULES} when omitted. */
  rules?: readonly Rule[];
  /**
   * Told about every rule that throws. The findings of the other rules are still returned;
   * callers log the error (the language server to its output channel, the CLI to stderr).
   */
  onRuleError?: (error: RuleError) => void;
}

export const DEFAULT_TARGETS: LintTargets = { alembicVersion: undefined, postgresVersion: 14 };

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2, hint: 3 };

/** Higher is milder. */
function rank(s: Severity): number {
  return SEVERITY_RANK[s];
}

const UNUSED_SUPPRESSION: RuleId = 'unused-suppression';

/** Lints one fully parsed revision file of `env`, whose graph `project` holds. */
export function lintFile(file: RevisionFile, env: AlembicEnvironment, project: RevisionProject, options: LintOptions): Finding[] {
  const suppressions = new Suppressions(file.path, file.text);
  const found: Finding[] = [];
  const checked = new Set<RuleId>();
  let unusedSeverity: RuleSetting = 'off';
  for (const rule of options.rules ?? RULES) {
    const severity = options.settings[rule.id] ?? rule.defaultSeverity;
    if (rule.id === UNUSED_SUPPRESSION) unusedSeverity = severity;
    if (severity === 'off') continue;
    const reported: Finding[] = [];
    const ctx: RuleContext = {
      file,
      env,
      project,
      targets: options.targets,
      sql: options.sql,
      report: ({ file: elsewhere, severity: milder, ...r }) =>
        reported.push({ ...r, rule: rule.id, severity: milder && rank(milder) > rank(severity) ? milder : severity, file: elsewhere ?? file.path }),
    };
    try {
      rule.check(ctx);
    } catch (error) {
      options.onRuleError?.({ rule: rule.id, file: file.path, error });
      continue;
    }
    found.push(...reported);
    if (!rule.needsSql || options.sql !== undefined) checked.add(rule.id);
  }
  // Unused-suppression findings are suppressed last, so that a comment which only hides
  // another one's report does not count as unused itself.
  const ordered = [...found.filter((f) => f.rule !== UNUSED_SUPPRESSION), ...found.filter((f) => f.rule === UNUSED_SUPPRESSION)];
  // A finding placed in another file (the config) is not under this file's comments.
  const visible = ordered.filter((f) => f.file !== file.path || !suppressions.suppresses(f));
  if (unusedSeverity !== 'off') {
    for (const r of suppressions.unused(checked)) {
      const f: Finding = { ...r, rule: UNUSED_SUPPRESSION, severity: unusedSeverity, file: file.path };
      if (!suppressions.suppresses(f, true)) visible.push(f);
    }
  }
  return visible.sort(compareFindings);
}

/**
 * Lints every revision file of an environment (or only `onlyFiles` among them), in load
 * order. Each file is parsed fully; a project built with `parseRevisionFile` as its header
 * reader already holds that parse, including the text of open editor buffers, and it is used
 * as is. Otherwise the file is read from disk.
 */
export function lintEnvironment(env: AlembicEnvironment, project: RevisionProject, options: LintOptions, onlyFiles?: readonly string[]): Finding[] {
  const only = onlyFiles ? new Set(onlyFiles) : undefined;
  const findings: Finding[] = [];
  for (const entry of project.entries()) {
    const path = entry.header.path;
    if (only && !only.has(path)) continue;
    findings.push(...lintFile(fullParse(entry.header), env, project, options));
  }
  return findings.sort(compareFindings);
}

/** The full parse of a file: the project's own when it holds one, otherwise read from disk. */
export function fullParse(header: RevisionHeader): RevisionFile {
  if (isRevisionFile(header)) return header;
  let text = '';
  try {
    text = decodePythonSource(readFileSync(header.path)).text;
  } catch {
    // The project already reports an unreadable file as a python-syntax problem; an empty
    // parse keeps the other rules quiet about it.
  }
  return parseRevisionFile(header.path, text);
}

function isRevisionFile(header: RevisionHeader): header is RevisionFile {
  return 'functions' in header && 'text' in header;
}

export function compareFindings(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  const s = a.range.start;
  const t = b.range.start;
  if (s.line !== t.line) return s.line - t.line;
  if (s.character !== t.character) return s.character - t.character;
  return a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0;
}
