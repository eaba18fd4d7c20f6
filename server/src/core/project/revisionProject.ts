import { performance } from 'node:perf_hooks';
import type { Revision } from '../graph/revision';
import type { GraphProblem } from '../graph/revisionMap';
import { ScriptDirectory } from '../graph/scriptDirectory';
import type { RevisionHeader } from '../revisionHeader';
import { scanRevisionHeader } from '../scan/headerScanner';
import type { Problem, ProblemCode } from '../types';
import { readSource } from './source';
import { toRevision } from './toRevision';

/**
 * The revision files of one environment and the graph they make.
 *
 * Each file's header is kept until that file changes, so an edit re-reads one file and
 * rebuilds the graph from the cached headers: building the map is cheap next to reading and
 * scanning thousands of files. An edit that leaves the file's revision id, parents,
 * dependencies and labels as they were (nearly every keystroke) keeps the graph as it is.
 * Files are given in Alembic's load order, which decides which of two duplicates wins and the
 * order of heads.
 */

export interface FileEntry {
  header: RevisionHeader;
  revision?: Revision;
  problems: Problem[];
  unresolved: string[];
}

export type HeaderReader = (path: string, text: string) => RevisionHeader;

export class RevisionProject {
  private readonly files = new Map<string, FileEntry>();
  private order: string[] = [];
  private cached: ScriptDirectory | undefined;
  private cachedProblems: Problem[] | undefined;

  constructor(private readonly readHeader: HeaderReader = scanRevisionHeader) {}

  /** Replaces the whole file list, reading every file from disk. */
  loadFromDisk(paths: readonly string[]): void {
    this.files.clear();
    this.order = [...paths];
    for (const p of paths) this.files.set(p, this.entryFor(p, readSource(p)));
    this.invalidate();
  }

  /**
   * Replaces the whole file list, reading every file from disk in slices of about `sliceMs`
   * and awaiting `pause` between them, so that a long history does not hold up a server's
   * event loop. The project keeps its previous files until the last slice is read. Resolves
   * to false, leaving the project as it was, when `pause` resolves to false (the load was
   * superseded).
   */
  async loadGradually(paths: readonly string[], pause: () => Promise<boolean>, sliceMs = 8): Promise<boolean> {
    const files = new Map<string, FileEntry>();
    let sliceStart = performance.now();
    for (const p of paths) {
      if (performance.now() - sliceStart >= sliceMs) {
        if (!(await pause())) return false;
        sliceStart = performance.now();
      }
      files.set(p, this.entryFor(p, readSource(p)));
    }
    this.files.clear();
    for (const [p, entry] of files) this.files.set(p, entry);
    this.order = [...paths];
    this.invalidate();
    return true;
  }

  /**
   * Replaces the whole file list with headers the caller read (in load order), for example
   * from a cache; `error` is why the file's bytes could not be read or decoded.
   */
  loadHeaders(items: readonly { header: RevisionHeader; error?: string }[]): void {
    this.files.clear();
    this.order = items.map((i) => i.header.path);
    for (const i of items) this.files.set(i.header.path, entryOf(i.header, i.error));
    this.invalidate();
  }

  /** Sets the file list (in load order) without reading; unknown files are read from disk. */
  setFiles(paths: readonly string[]): void {
    const keep = new Set(paths);
    for (const p of [...this.files.keys()]) if (!keep.has(p)) this.files.delete(p);
    for (const p of paths) if (!this.files.has(p)) this.files.set(p, this.entryFor(p, readSource(p)));
    this.order = [...paths];
    this.invalidate();
  }

  /**
   * Updates one file from text the caller holds, for example an open editor buffer. A file the
   * project did not have is added last; call `setFiles` with the environment's listing to put
   * new files in Alembic's load order.
   */
  updateFile(path: string, text: string): void {
    if (!this.files.has(path)) this.order.push(path);
    this.replace(path, this.entryFor(path, { text }));
  }

  /** Reads one file again from disk, for example when its editor closes without saving. */
  reloadFile(path: string): void {
    if (!this.files.has(path)) return;
    this.replace(path, this.entryFor(path, readSource(path)));
  }

  removeFile(path: string): void {
    if (!this.files.delete(path)) return;
    this.order = this.order.filter((p) => p !== path);
    this.invalidate();
  }

  entry(path: string): FileEntry | undefined {
    return this.files.get(path);
  }

  entries(): FileEntry[] {
    return this.order.map((p) => this.files.get(p)!).filter(Boolean);
  }

  get script(): ScriptDirectory {
    this.cached ??= new ScriptDirectory(this.entries().flatMap((e) => (e.revision ? [e.revision] : [])));
    return this.cached;
  }

  /** Every problem: each file's own, then those of the graph, placed on the declaring literal. */
  problems(): Problem[] {
    if (!this.cachedProblems) {
      const own = this.entries().flatMap((e) => e.problems);
      this.cachedProblems = [...own, ...this.script.map.problems.map((g) => this.placeGraphProblem(g))];
    }
    return this.cachedProblems;
  }

  private invalidate(): void {
    this.cached = undefined;
    this.cachedProblems = undefined;
  }

  /**
   * Puts a file's new entry in place. When its revision is the same graph node as before, the
   * graph is kept and so is the node it was built with (the map fills in its children and
   * labels), so that the entry and the graph keep pointing at the same node.
   */
  private replace(path: string, entry: FileEntry): void {
    const before = this.files.get(path);
    this.files.set(path, entry);
    if (before && sameNode(before.revision, entry.revision)) {
      if (entry.revision) entry.revision = before.revision;
      this.cachedProblems = undefined;
    } else {
      this.invalidate();
    }
  }

  private entryFor(path: string, source: { text: string; error?: string }): FileEntry {
    return entryOf(this.readHeader(path, source.text), source.error);
  }

  private placeGraphProblem(g: GraphProblem): Problem {
    const header = this.files.get(g.path)?.header;
    const code: ProblemCode = g.kind === 'invalid-revision-id' ? 'python-syntax' : g.kind;
    const field =
      g.kind === 'unknown-dependency'
        ? header?.dependsOn
        : g.kind === 'branch-label-conflict'
          ? header?.branchLabels
          : g.kind === 'unknown-down-revision' || (g.kind === 'revision-cycle' && g.value !== g.revision)
            ? header?.downRevision
            : header?.revision;
    const literal = g.value === undefined ? undefined : field?.literals.find((l) => l.value === g.value);
    const range = literal?.range ?? field?.range ?? header?.revision?.range;
    return { code, message: g.message, file: g.path, ...(range ? { range } : {}) };
  }
}

function entryOf(header: RevisionHeader, error: string | undefined): FileEntry {
  const { revision, problems, unresolved } = toRevision(header);
  const all = [...header.problems, ...problems];
  if (error) all.unshift({ code: 'python-syntax', message: error, file: header.path, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } });
  return { header, ...(revision ? { revision } : {}), problems: all, unresolved };
}

/** Whether two revisions of the same file make the same graph: same id, parents, dependencies and labels. */
function sameNode(a: Revision | undefined, b: Revision | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.revision === b.revision &&
    a.path === b.path &&
    sameList(a.downRevision, b.downRevision) &&
    sameList(a.dependencies, b.dependencies) &&
    sameList(a.origBranchLabels, b.origBranchLabels)
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
