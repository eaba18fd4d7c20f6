import path from 'node:path';
import { AcceptExistingError, acceptExistingMigrations } from '../../core/rules/locks/acceptExisting';
import type { AcceptExistingCommand } from '../../protocol';
import type { WorkspaceModel } from '../workspaceModel';

/**
 * The server side of "Accept Existing Migrations": writes the heads of every environment (or
 * of the one whose config file is the first argument) as `lock-rules-start-after`, then reads
 * the configuration again so the lock rules stop reporting on the accepted revisions.
 */
export function handleAcceptExisting(model: WorkspaceModel, args: readonly unknown[] | undefined): AcceptExistingCommand.Result {
  const only = typeof args?.[0] === 'string' ? path.resolve(args[0]) : undefined;
  const result: AcceptExistingCommand.Result = { accepted: [], failed: [] };
  for (const env of model.environments()) {
    if (only !== undefined && env.configFile !== only) continue;
    const heads = model.graph(env.configFile)[0]?.heads ?? [];
    try {
      result.accepted.push(acceptExistingMigrations(env, heads));
    } catch (error) {
      if (!(error instanceof AcceptExistingError) && !(error instanceof Error && 'code' in error)) throw error;
      result.failed.push(error.message);
    }
  }
  if (result.accepted.length > 0) void model.rediscover();
  return result;
}

/** One line for the user about what was accepted and what failed. */
export function describeAccepted(result: AcceptExistingCommand.Result): string {
  if (result.accepted.length === 0 && result.failed.length === 0) return 'Alembic Pilot found no Alembic environment to accept.';
  const done = result.accepted.map((a) => `${path.basename(path.dirname(a.configFile))}: ${a.heads.join(', ')}`);
  return [
    done.length > 0 ? `Accepted the existing migrations as already run (lock-rules-start-after): ${done.join('; ')}.` : '',
    ...result.failed,
  ]
    .filter(Boolean)
    .join(' ');
}
