/**
 * Database state for the extension host and the `status` CLI: SQLAlchemy URLs as `pg` options,
 * where an environment's URL comes from, and the Alembic version table read through `pg`.
 * Node-only (no `vscode`); the language server never imports it (see docs/ARCHITECTURE.md).
 */
export { connect, DatabaseConnections, STATE_APPLICATION_NAME, type ConnectOptions } from './connections';
export { classifyPgError, DatabaseError, redactSecrets, type DatabaseErrorKind } from './errors';
export { pgTarget, PG_DRIVERS, type PgDriver, type PgTarget, type PgTargetOptions, type SslMode } from './pgOptions';
export {
  databasesFor,
  parseDatabasesSetting,
  readDotenv,
  resolveDatabase,
  type DatabaseEnvironment,
  type NamedDatabase,
  type ResolveOptions,
  type ResolvedDatabase,
  type UrlSource,
} from './resolve';
export {
  DEFAULT_VERSION_TABLE,
  queryVersionState,
  unknownRevisionError,
  versionTableFor,
  versionTableLabel,
  VersionStateReader,
  type VersionState,
  type VersionTableName,
} from './versionState';
export { dialectOf, isPlaceholderUrl, parseSqlalchemyUrl, PLACEHOLDER_URL, redactUrl, type Dialect, type SqlalchemyUrl } from '../core/config/sqlalchemyUrl';
