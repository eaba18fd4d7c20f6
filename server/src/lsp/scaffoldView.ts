import { renderNewRevision } from '../core/template/newRevision';
import type { ScaffoldRequest } from '../protocol';
import type { WorkspaceModel } from './workspaceModel';

/**
 * `alembicPilot/scaffold`: New Revision and Merge Heads rendered by the server; the client
 * creates the file. Params arrive untyped and are validated here.
 */
export function handleScaffold(model: WorkspaceModel, params: unknown, mergeHeadsOf: (configFile: string, section: string) => string[][]): ScaffoldRequest.Result {
  const p = typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {};
  const text = (key: string): string | undefined => (typeof p[key] === 'string' && (p[key] as string).trim() !== '' ? (p[key] as string) : undefined);
  const configFile = text('configFile');
  const kind = p['kind'];
  const message = typeof p['message'] === 'string' ? p['message'] : undefined;
  if (configFile === undefined || (kind !== 'revision' && kind !== 'merge') || message === undefined) {
    return { ok: false, fallback: false, reason: 'alembicPilot/scaffold needs configFile, kind (revision or merge) and message' };
  }
  const section = text('section') ?? 'alembic';
  const found = model.projects(configFile, section)[0];
  if (!found) return { ok: false, fallback: false, reason: `No Alembic environment is defined by ${configFile}` };
  let heads: string[] | undefined;
  if (kind === 'merge') {
    heads = Array.isArray(p['heads']) ? p['heads'].filter((h): h is string => typeof h === 'string') : mergeHeadsOf(found.env.configFile, section)[0];
    if (!heads || heads.length < 2) return { ok: false, fallback: false, reason: 'There are no unmerged heads to merge' };
  }
  const revId = text('revId');
  const parent = text('parent');
  const branchLabel = text('branchLabel');
  const versionLocation = text('versionLocation');
  const result = renderNewRevision({
    env: found.env,
    script: found.project.script,
    kind,
    message,
    ...(revId !== undefined ? { revId } : {}),
    ...(parent !== undefined ? { parent } : {}),
    ...(heads !== undefined ? { heads } : {}),
    ...(branchLabel !== undefined ? { branchLabel } : {}),
    ...(versionLocation !== undefined ? { versionLocation } : {}),
  });
  return result.ok ? { ok: true, file: result.file, text: result.text, revId: result.revId, downRevisions: result.downRevisions, cursor: result.cursor } : result;
}
