import type { AlembicEnvironment } from '../config';
import type { RevisionFile } from '../parse/types';
import type { RevisionProject } from '../project/revisionProject';
import { RULES } from './registry';
import { readSuppressionComments, Suppressions, type SuppressionCommentsRead } from './suppressions';
import type { Finding, Rule, RuleContext, RuleId, RuleSetting, LintTargets, Severity, SqlParser } from './types';

/**
 * Linting a file in two steps, so that what a rule found from the file alone can be kept (in
 * the language server's memory, in `lint --cache`) and only what depends on the rest of the
 * history is computed again.
 *
 * Every rule runs through a context that notes what it reads. A rule that reads nothing but
 * the file, the environment's configuration, the targets and the SQL parser (the keyed inputs)
 * gives the same findings for the same file and settings, so its outcome is *local*. A rule
 * that reads anything else (the graph through `ctx.project`, or a context field this module
 * does not know, which counts as unkeyed until someone adds it to KEYED and to the cache key)
 * is *dependent*, and `finishLint` runs it again every time. A rule that throws is dependent
 * too, so that its error is reported on every run rather than cached away.
 */

/** What one rule did on one file. */
export interface RuleOutcome {
  rule: RuleId;
  /** Before suppressions, with the configured severity. Empty when the rule threw. */
  findings: Finding[];
  /** The rule read the graph (or another unkeyed input), or threw. */
  dependent: boolean;
  /** Set when the rule threw, with what it threw. */
  failure?: { error: unknown };
}

/** The inputs of a lint besides the file: every one of them is part of a cache key. */
export interface PhaseOptions {
  settings: Partial<Record<RuleId, RuleSetting>>;
  targets: LintTargets;
  sql: SqlParser | undefined;
  rules?: readonly Rule[];
  onRuleError?: (error: { rule: RuleId; file: string; error: unknown }) => void;
}

/**
 * The context fields whose values are keyed: the file itself, and what `lint --cache` hashes
 * into its settings key (the environment, the targets, the rule settings that decide
 * `report`'s severity, and the SQL parser, which is part of the tool). Reading any other field
 * makes the outcome dependent.
 */
const KEYED: ReadonlySet<PropertyKey> = new Set<keyof RuleContext>(['file', 'env', 'targets', 'sql', 'report']);

/** Thrown at a rule that reads the graph where there is none (a lint worker's first step). */
const NO_GRAPH = Symbol('no graph in this step');

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2, hint: 3 };

/** Higher is milder: a rule may ask for a milder severity than the configured one, never a stronger. */
function rank(s: Severity): number {
  return SEVERITY_RANK[s];
}

function severityOf(rule: Rule, options: PhaseOptions): RuleSetting {
  return options.settings[rule.id] ?? rule.defaultSeverity;
}

/**
 * Runs one rule on one file. Without `project` a rule that reads the graph is stopped there
 * and comes back dependent with no findings: its findings are made later, with the graph.
 */
export function runRule(rule: Rule, file: RevisionFile, env: AlembicEnvironment, project: RevisionProject | undefined, options: PhaseOptions): RuleOutcome {
  return run(rule, file, env, project, options, true);
}

/**
 * Runs a rule already known to be dependent, with the graph and without noting what it
 * reads: the language server's pass over every file after a header edit.
 */
export function rerunDependent(rule: Rule, file: RevisionFile, env: AlembicEnvironment, project: RevisionProject, options: PhaseOptions): RuleOutcome {
  return run(rule, file, env, project, options, false);
}

function run(rule: Rule, file: RevisionFile, env: AlembicEnvironment, project: RevisionProject | undefined, options: PhaseOptions, track: boolean): RuleOutcome {
  const severity = severityOf(rule, options);
  const findings: Finding[] = [];
  let dependent = false;
  const base: RuleContext = {
    file,
    env,
    // Only read through the proxy below, which stops a rule before it sees the missing graph.
    project: project as RevisionProject,
    targets: options.targets,
    sql: options.sql,
    report: ({ file: elsewhere, severity: milder, ...r }) => {
      if (severity === 'off') return;
      findings.push({ ...r, rule: rule.id, severity: milder && rank(milder) > rank(severity) ? milder : severity, file: elsewhere ?? file.path });
    },
  };
  if (!track) {
    try {
      rule.check(base);
    } catch (error) {
      return { rule: rule.id, findings: [], dependent: true, failure: { error } };
    }
    return { rule: rule.id, findings, dependent: true };
  }
  const ctx = new Proxy(base, {
    get(target, prop, receiver) {
      if (!KEYED.has(prop)) {
        dependent = true;
        if (prop === 'project' && project === undefined) throw NO_GRAPH;
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  try {
    rule.check(ctx);
  } catch (error) {
    if (project === undefined && (error === NO_GRAPH || dependent)) return { rule: rule.id, findings: [], dependent: true };
    return { rule: rule.id, findings: [], dependent: true, failure: { error } };
  }
  // A rule that swallowed the stop signal still read the graph; what it found is not kept.
  if (dependent && project === undefined) return { rule: rule.id, findings: [], dependent: true };
  return { rule: rule.id, findings, dependent };
}

/** Runs every rule that is not off, in the rule list's order. */
export function runRules(file: RevisionFile, env: AlembicEnvironment, project: RevisionProject | undefined, options: PhaseOptions): RuleOutcome[] {
  const out: RuleOutcome[] = [];
  for (const rule of options.rules ?? RULES) {
    if (severityOf(rule, options) === 'off') continue;
    out.push(runRule(rule, file, env, project, options));
  }
  return out;
}

/** The outcomes worth keeping for the same file and settings: the local ones. */
export function localOutcomes(outcomes: readonly RuleOutcome[]): RuleOutcome[] {
  return outcomes.filter((o) => !o.dependent);
}

const UNUSED_SUPPRESSION: RuleId = 'unused-suppression';

export interface FinishOptions {
  /** The file's suppression comments, when the caller keeps them; otherwise read from `file.text`. */
  comments?: SuppressionCommentsRead;
}

/**
 * The file's findings: the outcomes in `known` as they are, every other rule that is not off
 * run now with the graph, then suppressions applied and unused ones reported. Given the
 * outcomes of `runRules` with the same project, this is exactly what linting from scratch
 * gives; given only local outcomes, it gives the same while running only the dependent rules.
 */
export function finishLint(
  file: RevisionFile,
  known: ReadonlyMap<RuleId, RuleOutcome>,
  env: AlembicEnvironment,
  project: RevisionProject,
  options: PhaseOptions,
  finish: FinishOptions = {},
): Finding[] {
  const comments = finish.comments ?? readSuppressionComments(file.text);
  const found: Finding[] = [];
  const checked = new Set<RuleId>();
  let unusedSeverity: RuleSetting = 'off';
  for (const rule of options.rules ?? RULES) {
    const severity = severityOf(rule, options);
    if (rule.id === UNUSED_SUPPRESSION) unusedSeverity = severity;
    if (severity === 'off') continue;
    // A rule without a known outcome is run now, with the graph; whether it read the graph
    // no longer matters, so it runs without the tracking proxy.
    const outcome = known.get(rule.id) ?? run(rule, file, env, project, options, false);
    if (outcome.failure) {
      options.onRuleError?.({ rule: rule.id, file: file.path, error: outcome.failure.error });
      continue;
    }
    for (const f of outcome.findings) found.push(f);
    if (!rule.needsSql || options.sql !== undefined) checked.add(rule.id);
  }
  // Most files have no suppression comment: then nothing is hidden and nothing is unused.
  if (comments.comments.length === 0) return found.sort(compareFindings);
  const suppressions = new Suppressions(file.path, comments);
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

/** The outcomes by rule id, as `finishLint` takes them. */
export function byRule(outcomes: readonly RuleOutcome[]): Map<RuleId, RuleOutcome> {
  return new Map(outcomes.map((o) => [o.rule, o]));
}

export function compareFindings(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  const s = a.range.start;
  const t = b.range.start;
  if (s.line !== t.line) return s.line - t.line;
  if (s.character !== t.character) return s.character - t.character;
  return a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0;
}
