import { listRevisionFiles, type AlembicEnvironment } from '../core/config';
import { RevisionProject } from '../core/project/revisionProject';
import { AcceptExistingError, acceptExistingMigrations } from '../core/rules/locks/acceptExisting';
import { UsageError, type CliIO } from './io';

/**
 * `lint --accept-existing`: records the heads of each environment as `lock-rules-start-after`
 * before the lint, which then reads the new setting. Environments are read once each, whatever
 * the number of targets naming them; a pyproject.toml that cannot be edited safely is a usage
 * error, so a CI job never lints with a setting it did not get.
 */
export function acceptExisting(envs: readonly AlembicEnvironment[], io: CliIO): void {
  const seen = new Set<string>();
  for (const env of envs) {
    if (seen.has(env.configFile)) continue;
    seen.add(env.configFile);
    const project = new RevisionProject();
    project.loadFromDisk(env.scriptLocation ? listRevisionFiles(env) : []);
    try {
      const accepted = acceptExistingMigrations(env, project.script.getHeads());
      io.stderr(`accepted the existing migrations of ${env.configFile}: lock-rules-start-after = ${accepted.heads.join(', ')} in ${accepted.pyproject}${accepted.created ? ' (created)' : ''}`);
    } catch (error) {
      if (error instanceof AcceptExistingError) throw new UsageError(`--accept-existing: ${error.message}`);
      throw error;
    }
  }
}
