import { RevisionError, type Revision } from './revision';
import { CommandError, type ScriptDirectory } from './scriptDirectory';
import { rowsAfter } from './versionRows';

/**
 * What `alembic upgrade X` or `alembic downgrade X` will do to a database at `current`: the
 * revisions in the order Alembic runs them, whether the walk crosses a merge or branch point
 * (the client then asks for confirmation), and the version table afterwards (the runner checks
 * it). The same planner as the graph's, so what is confirmed is what runs.
 */

export type Direction = 'upgrade' | 'downgrade';

export interface MigrationPlan {
  direction: Direction;
  destination: string;
  /** In the order Alembic runs them: `upgrade()`s oldest first, `downgrade()`s newest first. */
  steps: Revision[];
  crossesMergePoint: boolean;
  crossesBranchPoint: boolean;
  /** The version table rows after the plan ran, sorted. */
  expectedCurrent: string[];
}

/** The plan, or Alembic's own message for why there is none (as `alembic` prints after FAILED:). */
export function planMigration(script: ScriptDirectory, direction: Direction, destination: string, current: readonly string[]): MigrationPlan | { error: string } {
  const unknown = current.filter((id) => !script.map.revisions.has(id));
  if (unknown.length > 0) return { error: `Can't locate revision identified by '${unknown[0]}'` };
  let steps: Revision[];
  try {
    steps = direction === 'upgrade' ? script.upgradePlan(destination, current) : script.downgradePlan(destination, current);
  } catch (e) {
    if (e instanceof CommandError || e instanceof RevisionError) return { error: e.message };
    throw e;
  }
  return {
    direction,
    destination,
    steps,
    crossesMergePoint: steps.some((r) => r.isMergePoint),
    crossesBranchPoint: steps.some((r) => r.isBranchPoint),
    expectedCurrent: rowsAfter(script.map, current, steps, direction),
  };
}
