import { readFileSync } from 'node:fs';
import type { AlembicEnvironment } from '../config';
import { parseRevisionFile } from '../parse';
import type { RevisionFile } from '../parse/types';
import type { RevisionProject } from '../project/revisionProject';
import type { RevisionHeader } from '../revisionHeader';
import { decodePythonSource } from '../scan/decode';
import { byRule, compareFindings, finishLint, runRules } from './phases';
import type { Finding, LintTargets, Rule, RuleId, RuleSetting, SqlParser } from './types';

/**
 * Runs the rules over revision files: applies the configured severities, drops findings that
 * a suppression comment covers, reports unused suppressions, and keeps going when a rule
 * throws, so that one rule's bug costs that rule on that file and nothing more. The work is
 * done in two steps (phases.ts), so that callers that keep what a file alone gave can redo
 * only the rules that read the graph.
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

/** Lints one fully parsed revision file of `env`, whose graph `project` holds. */
export function lintFile(file: RevisionFile, env: AlembicEnvironment, project: RevisionProject, options: LintOptions): Finding[] {
  return finishLint(file, byRule(runRules(file, env, project, options)), env, project, options);
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

export { compareFindings };
