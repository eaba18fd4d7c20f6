import { pyStrip } from '../core/config/pyText';
import { planMigration } from '../core/graph/migrationPlan';
import { docMessage } from '../core/graph/historyText';
import { CommandError } from '../core/graph/scriptDirectory';
import type { PlanRequest, RevisionRequest } from '../protocol';
import { graphRevision, historyOrder } from './graphView';
import type { WorkspaceModel } from './workspaceModel';

/**
 * `alembicPilot/plan` and `alembicPilot/revision`: answers from the environment's graph. Params
 * arrive untyped from the client and are validated here.
 */

export function handlePlan(model: WorkspaceModel, params: unknown): PlanRequest.Result {
  const p = record(params);
  const configFile = str(p['configFile']);
  const direction = p['direction'];
  const destination = str(p['destination']);
  const current = Array.isArray(p['current']) ? p['current'].filter((c): c is string => typeof c === 'string') : undefined;
  if (configFile === undefined || (direction !== 'upgrade' && direction !== 'downgrade') || destination === undefined || current === undefined) {
    return { ok: false, error: 'alembicPilot/plan needs configFile, direction (upgrade or downgrade), destination and current' };
  }
  const found = model.projects(configFile, str(p['section']) ?? 'alembic')[0];
  if (!found) return { ok: false, error: `No Alembic environment is defined by ${configFile}` };
  const { project } = found;
  const plan = planMigration(project.script, direction, destination, current);
  if ('error' in plan) return { ok: false, error: plan.error };
  return {
    ok: true,
    direction: plan.direction,
    destination: plan.destination,
    steps: plan.steps.map((rev) => ({
      id: rev.revision,
      message: docMessage(project.entry(rev.path)?.header.docstring, pyStrip),
      file: rev.path,
      isMergePoint: rev.isMergePoint,
      isBranchPoint: rev.isBranchPoint,
    })),
    crossesMergePoint: plan.crossesMergePoint,
    crossesBranchPoint: plan.crossesBranchPoint,
    expectedCurrent: plan.expectedCurrent,
  };
}

export function handleRevision(model: WorkspaceModel, params: unknown): RevisionRequest.Result | null {
  const p = record(params);
  const configFile = str(p['configFile']);
  const revision = str(p['revision']);
  if (configFile === undefined || revision === undefined) return null;
  const found = model.projects(configFile, str(p['section']) ?? 'alembic')[0];
  if (!found) return null;
  const { project } = found;
  let rev;
  try {
    rev = project.script.getRevision(revision);
  } catch (e) {
    if (e instanceof CommandError) return null;
    throw e;
  }
  if (!rev) return null;
  return { ...graphRevision(project, rev), children: [...rev.nextrev], historyIndex: historyOrder(project.script).index.get(rev.revision) ?? -1 };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
