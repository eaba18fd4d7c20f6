import type { AlembicEnvironment } from '../core/config';
import { pyStrip } from '../core/config/pyText';
import { docMessage } from '../core/graph/historyText';
import type { Revision } from '../core/graph/revision';
import type { ScriptDirectory } from '../core/graph/scriptDirectory';
import type { RevisionProject } from '../core/project/revisionProject';
import type { GraphEnvironment, GraphRevision } from '../protocol';

/** A page of the history: `offset` and `limit` as the request gave them (validated here). */
export interface Page {
  offset?: unknown;
  limit?: unknown;
}

/**
 * The history order of a graph, computed once per graph: paging through a 10,000-revision
 * history asks for it fifty times, and the graph object changes only when the history does.
 */
const orders = new WeakMap<ScriptDirectory, { revisions: Revision[]; error?: string; index: Map<string, number> }>();

export function historyOrder(script: ScriptDirectory): { revisions: Revision[]; error?: string; index: Map<string, number> } {
  let order = orders.get(script);
  if (!order) {
    const { revisions, error } = script.historyOrder();
    order = { revisions, index: new Map(revisions.map((r, i) => [r.revision, i])) };
    if (error !== undefined) order.error = error;
    orders.set(script, order);
  }
  return order;
}

/** The graph of one environment as the client's tree view receives it, one page of it when asked. */
export function graphEnvironment(env: AlembicEnvironment, project: RevisionProject, page: Page = {}): GraphEnvironment {
  const script = project.script;
  const order = historyOrder(script);
  const total = order.revisions.length;
  const offset = wholeNumber(page.offset) ?? 0;
  const limit = wholeNumber(page.limit);
  const slice = order.revisions.slice(offset, limit === undefined ? undefined : offset + limit);
  const out: GraphEnvironment = {
    configFile: env.configFile,
    section: env.section,
    heads: script.getHeads(),
    bases: script.getBases(),
    revisions: slice.map((rev) => graphRevision(project, rev)),
    offset: Math.min(offset, total),
    total,
    problemCount: project.problems().length,
  };
  if (order.error !== undefined) out.orderError = order.error;
  return out;
}

export function graphRevision(project: RevisionProject, rev: Revision): GraphRevision {
  const header = project.entry(rev.path)?.header;
  const out: GraphRevision = {
    id: rev.revision,
    file: rev.path,
    downRevisions: [...rev.downRevision],
    dependsOn: [...rev.dependencies],
    branchLabels: [...rev.branchLabels],
    declaredBranchLabels: [...rev.origBranchLabels],
    message: docMessage(header?.docstring, pyStrip),
    isHead: rev.isHead,
    isBase: rev.isBase,
    isBranchPoint: rev.isBranchPoint,
    isMergePoint: rev.isMergePoint,
  };
  const createDate = header?.headers.createDate?.value.trim();
  if (createDate) out.createDate = createDate;
  return out;
}

/** The first paragraph of the revision's docstring, as `alembic history` shows it. */
export function revisionMessage(project: RevisionProject, rev: Revision): string {
  return docMessage(project.entry(rev.path)?.header.docstring, pyStrip);
}

function wholeNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
