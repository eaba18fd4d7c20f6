import { performance } from 'node:perf_hooks';
import type { AlembicEnvironment } from '../core/config';
import { parseRevisionFile, type RevisionFile } from '../core/parse';
import { headerOf, lazyRevisionFile } from '../core/parse/lazyRevisionFile';
import type { FileEntry, RevisionProject } from '../core/project/revisionProject';
import { readSource } from '../core/project/source';
import type { RevisionAssignment, RevisionHeader } from '../core/revisionHeader';
import { byRule, finishLint, localOutcomes, rerunDependent, runRules, type RuleOutcome } from '../core/rules/phases';
import { RULES } from '../core/rules/registry';
import { fullParse, type LintOptions } from '../core/rules/runner';
import { readSuppressionComments, type SuppressionCommentsRead } from '../core/rules/suppressions';
import type { Finding, RuleId } from '../core/rules/types';
import type { Range } from '../core/types';
import type { ScriptDirectory } from '../core/graph/scriptDirectory';

/**
 * The findings of one environment's files, kept in the two parts of core/rules/phases.ts: what
 * the rules found from a file alone (kept until that file or the settings change), and what
 * the rules that read the graph add (computed again for every file whenever the graph may
 * have changed, which costs no parse: those rules read the header). So a keystroke in a
 * function body lints one file; a keystroke in `down_revision` lints that file and runs only
 * the graph rules on the others; only files whose findings changed are reported.
 *
 * Work comes in order of urgency: the files the editor has open, then the graph rules, then
 * the rest of the history, which the server lints in the background in short slices.
 */

interface FileRecord {
  /** The local rules' outcomes for the text that was linted. */
  local: Map<RuleId, RuleOutcome>;
  /** The dependent rules' outcomes with the graph of the last pass. */
  dependent: RuleOutcome[];
  /** The full parser's header of that text, so the graph rules need no parse. */
  header: RevisionHeader;
  comments: SuppressionCommentsRead;
  findings: Finding[];
  /** The file the graph rules see, made from `header` once. */
  lazy?: RevisionFile;
}

export interface LintBudget {
  /** Files to lint first and completely, whatever the deadline: the open ones. */
  urgent(file: string): boolean;
  /** `performance.now()` after which the rest waits for the next call. */
  deadline: number;
  /** False while the rest of the history should wait (for the SQL parser, say). */
  background: boolean;
}

export class LintState {
  private readonly records = new Map<string, FileRecord>();
  /** Files whose local outcomes must be computed again. */
  private readonly stale = new Set<string>();
  /** Whether every file must be looked at again: after `invalidateAll`, before the first lint. */
  private everything = true;
  /** The graph changed since the last lint: every record joins `graphQueue`. */
  private graphDirty = true;
  /** Records whose graph rules have not run on the current graph yet. */
  private readonly graphQueue = new Set<string>();
  private problemsKey: string | undefined;
  /** The graph `problemsKey` was computed for; a graph kept between edits keeps its problems. */
  private keyedScript: ScriptDirectory | undefined;

  /** Every file must be linted again: the listing, the settings or the SQL parser changed. */
  invalidateAll(): void {
    this.everything = true;
  }

  /**
   * Records that `file` changed, given its entry before and after the change. A change to
   * what the graph is built from makes the graph rules run again on every file; the result
   * says whether it did.
   */
  fileChanged(file: string, before: FileEntry | undefined, after: FileEntry | undefined): boolean {
    const graphChanged = graphSignature(before) !== graphSignature(after);
    if (graphChanged) this.graphDirty = true;
    this.stale.add(file);
    return graphChanged;
  }

  /** Whether any file's findings may be out of date. */
  get pending(): boolean {
    return this.everything || this.graphDirty || this.graphQueue.size > 0 || this.stale.size > 0;
  }

  /**
   * Whether a budgeted `lint` has more to do: graph rules to run again, or, when the rest of
   * the history may be linted (`background`), files to lint.
   */
  hasWork(background: boolean): boolean {
    return this.everything || this.graphDirty || this.graphQueue.size > 0 || (background && this.stale.size > 0);
  }

  /**
   * Lints what is out of date, most urgent first, and returns every file whose findings were
   * recomputed or dropped. With a budget, the urgent files are linted, and their graph rules
   * run, whatever the deadline; the graph rules of the other files and the first lint of the
   * rest of the history go on until the deadline, and the next call takes up from there.
   * Without a budget everything is done now.
   */
  lint(env: AlembicEnvironment, project: RevisionProject, options: LintOptions, budget?: LintBudget): Set<string> {
    const changed = new Set<string>();
    if (!this.pending) return changed;
    if (this.everything) {
      this.everything = false;
      this.graphDirty = true;
      for (const e of project.entries()) this.stale.add(e.header.path);
      for (const file of this.records.keys()) {
        if (project.entry(file)) continue;
        this.records.delete(file);
        changed.add(file);
      }
    }
    const script = project.script;
    if (script !== this.keyedScript) {
      this.keyedScript = script;
      const key = graphProblemsKey(project);
      if (key !== this.problemsKey) {
        this.problemsKey = key;
        this.graphDirty = true;
      }
    }
    if (this.graphDirty) {
      this.graphDirty = false;
      for (const file of this.records.keys()) this.graphQueue.add(file);
    }
    const rules = new Map((options.rules ?? RULES).map((r) => [r.id, r]));
    const firstStep = (file: string): void => {
      this.stale.delete(file);
      this.graphQueue.delete(file);
      const entry = project.entry(file);
      if (!entry) {
        if (this.records.delete(file)) changed.add(file);
        return;
      }
      const parsed = fullParse(entry.header);
      const outcomes = runRules(parsed, env, project, options);
      const comments = readSuppressionComments(parsed.text);
      const findings = finishLint(parsed, byRule(outcomes), env, project, options, { comments });
      this.records.set(file, { local: byRule(localOutcomes(outcomes)), dependent: outcomes.filter((o) => o.dependent), header: headerOf(parsed), comments, findings });
      changed.add(file);
    };
    const graphStep = (file: string): void => {
      this.graphQueue.delete(file);
      const record = this.records.get(file);
      if (!record) return;
      const lintee = this.fileOf(project, file, record);
      const dependent = record.dependent.map((o) => rerunDependent(rules.get(o.rule)!, lintee, env, project, options));
      // The findings are those of the local outcomes, which are kept, and of the dependent
      // ones: when these came out as before, so does everything after them.
      if (sameOutcomes(dependent, record.dependent)) return;
      record.dependent = dependent;
      const known = new Map(record.local);
      for (const o of dependent) known.set(o.rule, o);
      const findings = finishLint(lintee, known, env, project, options, { comments: record.comments });
      if (!sameFindings(findings, record.findings)) changed.add(file);
      // Kept even when they show the same, so that code actions offer the current fixes.
      record.findings = findings;
    };
    const late = (): boolean => budget !== undefined && performance.now() >= budget.deadline;
    for (const file of [...this.stale]) if (!budget || budget.urgent(file)) firstStep(file);
    for (const file of [...this.graphQueue]) if (!budget || budget.urgent(file)) graphStep(file);
    for (const file of [...this.graphQueue]) {
      if (late()) return changed;
      graphStep(file);
    }
    if (budget && !budget.background) return changed;
    for (const file of [...this.stale]) {
      if (late()) break;
      firstStep(file);
    }
    return changed;
  }

  /**
   * The file the graph rules see: an open file's own parse, or for a closed one its kept
   * header over the text on disk, which is read (and parsed) only if a rule looks further.
   */
  private fileOf(project: RevisionProject, file: string, record: FileRecord): RevisionFile {
    const header = project.entry(file)?.header;
    if (header && 'functions' in header && 'text' in header) return header as RevisionFile;
    record.lazy ??= lazyRevisionFile(record.header, () => readSource(file).text, (text) => parseRevisionFile(file, text));
    return record.lazy;
  }

  /** The findings of the last lint of `file`; call `lint` first for fresh ones. */
  of(file: string): readonly Finding[] {
    return this.records.get(file)?.findings ?? [];
  }
}

/** Whether two runs of the same rules found exactly the same (fixes included) and failed alike. */
function sameOutcomes(a: readonly RuleOutcome[], b: readonly RuleOutcome[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.rule !== y.rule || (x.failure === undefined) !== (y.failure === undefined)) return false;
    if (x.findings.length !== y.findings.length) return false;
    if (x.findings.length > 0 && JSON.stringify(x.findings) !== JSON.stringify(y.findings)) return false;
  }
  return true;
}

/**
 * Whether two lists of findings show the same diagnostics. The local rules' findings are the
 * kept objects themselves, so most pairs are the same object; the graph rules' are compared by
 * what a diagnostic shows (a merge fix carries a new revision id each time it is made).
 */
function sameFindings(a: readonly Finding[], b: readonly Finding[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (x.rule !== y.rule || x.severity !== y.severity || x.message !== y.message || x.help !== y.help || !sameRange(x.range, y.range)) return false;
  }
  return true;
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

/** What the graph reads from one file: its four revision fields, and whether it made a revision. */
export function graphSignature(entry: FileEntry | undefined): string {
  if (!entry) return '';
  const { revision, downRevision, dependsOn, branchLabels } = entry.header;
  return JSON.stringify([field(revision), field(downRevision), field(dependsOn), field(branchLabels), entry.revision !== undefined]);
}

function field(a: RevisionAssignment | undefined): unknown {
  if (!a) return null;
  return a.ids ?? { unresolved: a.text };
}

/**
 * The graph's problems without their places: when these are the same as at the last lint, the
 * graph rules report the same things about the other files.
 */
function graphProblemsKey(project: RevisionProject): string {
  return project.script.map.problems.map((p) => `${p.kind}\u0000${p.path}\u0000${p.revision}\u0000${p.value ?? ''}\u0000${p.message}`).join('\n');
}
