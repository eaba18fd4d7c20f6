/**
 * Reading Alembic configuration: environments (alembic.ini sections and `[tool.alembic]` of
 * pyproject.toml), their discovery in a workspace, and the revision files they name.
 * See docs/CONFIG.md for the rules and for where we deliberately differ from Alembic.
 */
export { ConfigError } from './errors';
export {
  DEFAULT_ENVIRONMENT_SECTION,
  loadEnvironment,
  type AlembicEnvironment,
} from './environment';
export { discoverEnvironments } from './discover';
export { isRevisionFileName, listRevisionFiles } from './versionFiles';
export { DEFAULT_FILE_TEMPLATE, DEFAULT_TRUNCATE_SLUG_LENGTH } from './settings';
