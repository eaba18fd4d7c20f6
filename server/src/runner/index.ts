/**
 * Running the project's own Alembic for the extension host and the `status` CLI: which command
 * runs it, the operations as argument arrays, one process group per run with Cancel, the URL
 * rule, the advisory lock and the check afterwards. Node-only (no `vscode`); the language server
 * never imports it (see docs/ARCHITECTURE.md).
 */
export { acquireRunLock, cancelRunStatements, LOCK_APPLICATION_NAME, LOCK_SQL, lockParameters, RunLockBusyError, type HeldLock } from './advisoryLock';
export { AlembicCommandError, canImportAlembic, clearCommandCache, commandFromSetting, findAlembicCommand, type AlembicCommand, type CommandSearch } from './command';
export {
  alembicArguments,
  alembicFailure,
  connectsToDatabase,
  countSteps,
  describeOperation,
  OperationError,
  parseCurrentOutput,
  parseGeneratedFiles,
  writesDatabase,
  type AlembicOperation,
  type OperationKind,
} from './operations';
export { runPermission, type PermissionEnvironment, type RunPermission } from './permission';
export { spawnAlembic, type AlembicProcess, type InterruptOutcome, type OutputLine, type ProcessResult, type SpawnOptions } from './process';
export {
  AlembicRunner,
  configArguments,
  withPassword,
  type CancelReport,
  type PartialDescriber,
  type RunErrorKind,
  type RunnerEnvironment,
  type RunnerOptions,
  type RunRequest,
  type RunResult,
} from './runner';
export { planUnknownRevisionRepair, purgeStamp, runGit, type GitRunner, type HeaderReader, type RepairCandidate, type RepairInput, type RevisionInHistory, type UnknownRevisionRepair } from './unknownRevision';
export { partialRevision, type PartialRevision } from './partialRun';
