import type { Revision } from '../core/graph/revision';
import type { CliIO } from './io';
import { loadGraphProject, printProblems, relativeTo, type GraphOptions } from './graphCommand';

/**
 * `alembic-pilot heads`: the current heads, as `alembic heads` prints them. It needs no
 * history order, only the graph, so on a long history it answers sooner than `graph`.
 */

/** `Script.cmd_format(verbose=False, include_branches=True, tree_indicators=False)`. */
export function headLine(rev: Revision): string {
  let text = rev.revision;
  if (rev.branchLabels.size > 0) text += ` (${[...rev.branchLabels].join(', ')})`;
  if (rev.isRealHead) text += ' (head)';
  else if (rev.isHead) text += ' (effective head)';
  return text;
}

export function runHeads(opts: GraphOptions, io: CliIO): number {
  const { env, project } = loadGraphProject(opts, io);
  const script = project.script;
  const problems = project.problems();
  const heads = script.getHeads().flatMap((id) => script.map.revisions.get(id) ?? []);
  if (opts.json) {
    io.stdout(JSON.stringify({ config: env.configFile, heads: heads.map((h) => h.revision) }, null, 2));
  } else {
    if (heads.length > 0) io.stdout(heads.map(headLine).join('\n'));
    printProblems(problems, relativeTo(env), io);
  }
  return problems.length > 0 ? 1 : 0;
}
