import { pathToFileURL } from 'node:url';
import { validateLintSettings, type LintSettingsInput } from '../core/rules/config';
import type { ConfigProblem } from '../core/types';
import type { WorkspaceModel } from './workspaceModel';

/**
 * The editor's `alembicPilot.*` settings, read per environment (they are resource-scoped, so a
 * folder may set them differently from the workspace) and validated like `[tool.alembic-pilot]`.
 * They are the last layer: defaults < pyproject.toml < these.
 */

const NAMES: Record<string, string> = {
  rules: 'rules',
  'alembic-version': 'alembicVersion',
  'postgres-version': 'postgresVersion',
  dialect: 'dialect',
  idempotency: 'idempotency',
  downgrades: 'downgrades',
  'check-downgrade': 'checkDowngrade',
  'lock-timeout': 'lockTimeout',
};

/**
 * Turns the `alembicPilot` section as the client sends it into lint settings. Unset values
 * arrive as `null`, `""` or an empty object depending on the client, and all mean "not set".
 */
export function editorLintSettings(section: unknown, configFile: string, problems: ConfigProblem[]): LintSettingsInput {
  if (typeof section !== 'object' || section === null) return {};
  const raw = section as Record<string, unknown>;
  const set = (v: unknown): unknown => (v === null || v === '' ? undefined : v);
  return validateLintSettings(
    {
      rules: set(raw['rules']),
      alembicVersion: set(raw['alembicVersion']),
      postgresVersion: set(raw['postgresVersion']),
      dialect: set(raw['dialect']),
      idempotency: set(raw['idempotency']),
      downgrades: set(raw['downgrades']),
      checkDowngrade: set(raw['checkDowngrade']),
      lockTimeout: set(raw['lockTimeout']),
    },
    (key) => ({ file: configFile, name: `Setting alembicPilot.${NAMES[key] ?? key} (for ${configFile})` }),
    problems,
  );
}

/**
 * Asks the client for each environment's settings and applies them. `fetch` is
 * `workspace/configuration` for one scope; a failure for one environment is logged and leaves
 * its previous settings in place.
 */
export async function applyEditorSettings(model: WorkspaceModel, fetch: (scopeUri: string) => Promise<unknown>, log: (message: string) => void): Promise<void> {
  for (const env of model.environments()) {
    let section: unknown;
    try {
      section = await fetch(pathToFileURL(env.configFile).toString());
    } catch (e) {
      log(`Alembic Pilot could not read the editor settings for ${env.configFile}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const problems: ConfigProblem[] = [];
    const settings = editorLintSettings(section, env.configFile, problems);
    for (const p of problems) log(`Alembic Pilot lint configuration: ${p.message}`);
    model.setOverrides(env.configFile, settings);
  }
}
