import type { AlembicEnvironment } from '../core/config';
import type { FileEntry, RevisionProject } from '../core/project/revisionProject';
import type { RevisionAssignment } from '../core/revisionHeader';
import { fullParse, lintFile, type LintOptions } from '../core/rules/runner';
import type { Finding } from '../core/rules/types';

/**
 * The findings of one environment's files and which of them are stale. A keystroke makes only
 * its own file stale; the whole environment is linted again only when the graph may have
 * changed (a header field changed, or the graph's problems did), since chain rules read the
 * graph and nothing else from the other files.
 */
export class LintState {
  private readonly findings = new Map<string, Finding[]>();
  private readonly stale = new Set<string>();
  private everything = true;
  private problemsKey: string | undefined;

  /** Every file must be linted again: the listing, the settings or the SQL parser changed. */
  invalidateAll(): void {
    this.everything = true;
  }

  /**
   * Records that `file` changed, given its entry before and after the change. A change to
   * what the graph is built from makes every file stale; the result says whether it did.
   */
  fileChanged(file: string, before: FileEntry | undefined, after: FileEntry | undefined): boolean {
    const graphChanged = graphSignature(before) !== graphSignature(after);
    if (graphChanged) this.everything = true;
    else this.stale.add(file);
    return graphChanged;
  }

  get pending(): boolean {
    return this.everything || this.stale.size > 0;
  }

  /** Lints the stale files and returns every file whose findings were recomputed or dropped. */
  lint(env: AlembicEnvironment, project: RevisionProject, options: LintOptions): Set<string> {
    const changed = new Set<string>();
    if (!this.pending) return changed;
    const key = graphProblemsKey(project);
    if (key !== this.problemsKey) {
      this.problemsKey = key;
      this.everything = true;
    }
    const targets = this.everything ? project.entries().map((e) => e.header.path) : [...this.stale];
    if (this.everything) {
      for (const file of this.findings.keys()) changed.add(file);
      this.findings.clear();
    }
    for (const file of targets) {
      const entry = project.entry(file);
      changed.add(file);
      if (!entry) {
        this.findings.delete(file);
        continue;
      }
      this.findings.set(file, lintFile(fullParse(entry.header), env, project, options));
    }
    this.everything = false;
    this.stale.clear();
    return changed;
  }

  /** The findings of the last lint of `file`; call `lint` first for fresh ones. */
  of(file: string): readonly Finding[] {
    return this.findings.get(file) ?? [];
  }
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
 * chain rules report the same things about the other files.
 */
function graphProblemsKey(project: RevisionProject): string {
  return project.script.map.problems.map((p) => `${p.kind}\u0000${p.path}\u0000${p.revision}\u0000${p.value ?? ''}\u0000${p.message}`).join('\n');
}
