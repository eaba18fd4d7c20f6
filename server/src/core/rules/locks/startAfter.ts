import type { ScriptDirectory } from '../../graph/scriptDirectory';
import type { Revision } from '../../graph/revision';

/**
 * `lock-rules-start-after`: the revisions a team accepted as already run in production, after
 * strong_migrations' `start_after`. The listed revisions and everything below them are not
 * checked; every other revision is, including a new branch that starts below them, since it
 * has not run either. For one head in a straight history that is "only the revisions that
 * descend from it".
 */

const cache = new WeakMap<ScriptDirectory, { key: string; ids: ReadonlySet<string> }>();

/** The ids of the listed revisions and of all their ancestors; ids that name no revision count for nothing. */
export function acceptedRevisions(script: ScriptDirectory, startAfter: readonly string[]): ReadonlySet<string> {
  const key = startAfter.join('\n');
  const known = cache.get(script);
  if (known && known.key === key) return known.ids;
  const targets: Revision[] = [];
  for (const spec of startAfter) {
    const rev = script.map.get(spec) ?? resolve(script, spec);
    if (rev) targets.push(rev);
  }
  const ids = new Set<string>();
  if (targets.length > 0) for (const r of script.map.ancestors(targets)) ids.add(r.revision);
  cache.set(script, { key, ids });
  return ids;
}

/** The revision a partial id or label names, as Alembic resolves it; undefined when it names none or several. */
function resolve(script: ScriptDirectory, spec: string): Revision | undefined {
  try {
    return script.getRevision(spec) ?? undefined;
  } catch {
    return undefined;
  }
}
