import { statSync } from 'node:fs';
import type { AlembicEnvironment } from '../core/config';
import { loadLintConfig, readPilotTable, type LintSettingsInput } from '../core/rules/config';
import type { LintOptions } from '../core/rules/runner';
import type { ConfigProblem } from '../core/types';
import { UsageError } from './io';

/**
 * The lint configuration of each environment: rule defaults, then `[tool.alembic-pilot]` of the
 * environment's own pyproject.toml, then that of the file `--config` names, which wins.
 */

export interface EnvironmentSettings {
  settings: LintOptions['settings'];
  targets: LintOptions['targets'];
  /** Each message already names its file and line. */
  problems: ConfigProblem[];
}

/**
 * Reads the `--config` file once for all environments. A file that is missing or not valid
 * TOML is a usage error: silently linting with other settings than the ones asked for would
 * let a CI job pass or fail for the wrong reason. Bad values inside it are warnings, as they are
 * in a project's own pyproject.toml.
 */
export function readOverrides(file: string): { overrides: LintSettingsInput; problems: ConfigProblem[] } {
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`--config ${file}: no such file.`);
  const problems: ConfigProblem[] = [];
  const overrides = readPilotTable(file, problems);
  const invalid = problems.find((p) => /invalid TOML/.test(p.message));
  if (invalid) throw new UsageError(`--config ${invalid.message}`);
  return { overrides, problems };
}

export function lintSettings(env: AlembicEnvironment, overrides: LintSettingsInput): EnvironmentSettings {
  const config = loadLintConfig(env, overrides);
  return { settings: config.settings, targets: config.targets, problems: config.problems };
}
