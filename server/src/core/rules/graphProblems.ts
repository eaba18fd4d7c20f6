import type { Problem, ProblemCode, Range } from '../types';
import type { Report, RuleContext } from './types';

/**
 * The chain rules report the problems the project already found while building the graph,
 * placed by `RevisionProject.problems()` on the literal they are about. This module only
 * selects one file's problems of one kind; it never re-derives them.
 */

const byFile = new WeakMap<readonly Problem[], Map<string, Problem[]>>();

/** The project's problems of one file, indexed once per graph rather than once per file. */
export function projectProblemsOf(ctx: RuleContext): Problem[] {
  const all = ctx.project.problems();
  let index = byFile.get(all);
  if (!index) {
    index = new Map();
    for (const p of all) {
      if (!p.file) continue;
      const list = index.get(p.file) ?? [];
      list.push(p);
      index.set(p.file, list);
    }
    byFile.set(all, index);
  }
  return index.get(ctx.file.path) ?? [];
}

const START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * Where to report a problem that has no range of its own: the problem concerns the file as a
 * whole, so it goes where the file starts.
 */
export function rangeOrStart(range: Range | undefined): Range {
  return range ?? START;
}

/** Reports each of this file's project problems of `code`, with one sentence of help. */
export function reportProblems(ctx: RuleContext, code: ProblemCode, help: string, place: (p: Problem) => Range = (p) => rangeOrStart(p.range)): void {
  for (const p of projectProblemsOf(ctx)) {
    if (p.code !== code) continue;
    const report: Report = { range: place(p), message: p.message, help };
    ctx.report(report);
  }
}
