import type { Revision } from '../core/graph/revision';
import type { CliIO } from './io';
import { problemLines, relativeTo, runGraphLike, type GraphOptions } from './graphCommand';

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
  return runGraphLike('heads', opts, io, (env, project) => {
    const script = project.script;
    const problems = project.problems();
    const heads = script.getHeads().flatMap((id) => script.map.revisions.get(id) ?? []);
    const stdout = opts.json ? JSON.stringify({ config: env.configFile, heads: heads.map((h) => h.revision) }, null, 2) : heads.map(headLine).join('\n');
    return { stdout, stderr: opts.json ? [] : problemLines(problems, relativeTo(env)), code: problems.length > 0 ? 1 : 0 };
  });
}
