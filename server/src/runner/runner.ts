import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseSqlalchemyUrl } from '../core/config/sqlalchemyUrl';
import { DatabaseConnections } from '../db/connections';
import { DatabaseError } from '../db/errors';
import { pgTarget, type PgTarget } from '../db/pgOptions';
import type { DatabaseEnvironment, ResolvedDatabase } from '../db/resolve';
import { readSqliteVersionState } from '../db/sqliteState';
import { queryVersionState, versionTableFor, versionTableLabel, type VersionTableName } from '../db/versionState';
import { acquireRunLock, cancelRunStatements, RunLockBusyError, type HeldLock } from './advisoryLock';
import type { AlembicCommand } from './command';
import { alembicArguments, alembicFailure, connectsToDatabase, countSteps, describeOperation, OperationError, parseCurrentOutput, parseGeneratedFiles, writesDatabase, type AlembicOperation } from './operations';
import { partialRevision, type PartialRevision } from './partialRun';
import { runPermission, type PermissionEnvironment } from './permission';
import { spawnAlembic, type InterruptOutcome, type OutputLine } from './process';

/**
 * Runs one Alembic operation for an environment, start to finish: the URL rule, one operation
 * per environment in this process, the advisory lock across processes, the run itself with
 * DATABASE_URL and PGAPPNAME in its environment, cancellation, and the check that the version
 * table moved where the plan said. It never throws for an expected failure; the result says
 * what happened in words the client can show as they are.
 */

/** What the runner needs to know about an environment; `EnvironmentInfo` has all of it. */
export interface RunnerEnvironment extends DatabaseEnvironment, PermissionEnvironment {
  iniFile?: string;
  pyprojectFile?: string;
  envPy: PermissionEnvironment['envPy'] & { versionTable?: string; versionTableSchema?: string };
}

export interface RunRequest {
  env: RunnerEnvironment;
  operation: AlembicOperation;
  command: AlembicCommand;
  /** The resolved database; without one Alembic uses its own configuration, unlocked and unchecked. */
  database?: ResolvedDatabase;
  /** A password from SecretStorage for a URL without one. */
  password?: string;
  /** `alembicPilot.cwd`; the config file's folder when absent. */
  cwd?: string;
  /** `alembicPilot.versionTable`, raw. */
  versionTableSetting?: unknown;
  /** The version table rows the plan (`alembicPilot/plan`) expects afterwards; checked after the run. */
  expectedCurrent?: string[];
  onOutput?: (line: OutputLine) => void;
  /** Aborting it cancels the run (see AlembicRunner). */
  signal?: AbortSignal;
  /** Extra environment variables for Alembic (never logged). */
  extraEnv?: Record<string, string>;
}

export type RunErrorKind =
  /** This process already runs an operation for the environment. */
  | 'busy'
  /** Another process holds the database's advisory lock. */
  | 'locked'
  /** Our URL would not reach Alembic (see runPermission); `openFile` is env.py. */
  | 'url-not-used'
  /** The database could not be read before or after the run. */
  | 'database'
  /** The program could not start. */
  | 'spawn'
  /** The operation is malformed (a bad revision argument). */
  | 'invalid'
  /** Alembic ran and failed; `alembicError` has its message. */
  | 'alembic'
  | 'cancelled'
  /** Alembic succeeded but the version table is not where the plan said: it migrated another database. */
  | 'wrong-database';

export interface CancelReport {
  how: InterruptOutcome;
  /** Sessions of this run found on the server and sent pg_cancel_backend. */
  serverSessionsCancelled: number;
  /** True when none was found (or the server could not be asked): the last statement may still be running there. */
  mayStillRun: boolean;
}

export interface RunResult {
  ok: boolean;
  errorKind?: RunErrorKind;
  /** One line to show: "Upgraded dev to 3f2a1c (2 revisions) in 1.2 s", or what went wrong. */
  message: string;
  /** Alembic's own error (`FAILED: ...` or the exception line), for a failure of kind `alembic`. */
  alembicError?: string;
  /** For `url-not-used`: the file to offer to open. */
  openFile?: string;
  /** For `database`: the classified failure. */
  databaseError?: DatabaseError;
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
  durationMs: number;
  /** Every output line, redacted. */
  output: OutputLine[];
  /** stdout, redacted: the SQL of a `--sql` run. */
  stdout: string;
  /** The number of migration steps Alembic logged. */
  steps: number;
  /** Version table rows before and after a write, when read through pg. */
  before?: string[];
  after?: string[];
  /** For `current`: the revisions Alembic printed. */
  current?: string[];
  /** For `revision`/`merge`: the files Alembic wrote. */
  files?: string[];
  cancel?: CancelReport;
  /** For a failure where DDL is not transactional (SQLite, MySQL): the revision that failed partway, and what of it stays. */
  partial?: PartialRevision;
}

/**
 * What a failed revision left, for a run where DDL is not transactional: the revision file is read
 * by whoever owns the model (the client asks the language server; Node callers can use
 * `core/rules/ops/leftBehind.ts` directly).
 */
export type PartialDescriber = (partial: PartialRevision) => Promise<{ left: string[]; certain: boolean } | undefined>;

export interface RunnerOptions {
  /** Connections used to read the version table around runs (the extension shares its reader's). */
  connections?: DatabaseConnections;
  /** Milliseconds between SIGINT and SIGTERM (and SIGTERM and SIGKILL) on Cancel; 3 s by default. */
  graceMs?: number;
  /** The base environment of the Alembic process; `process.env` by default. */
  processEnv?: NodeJS.ProcessEnv;
  /** Names what a failed non-transactional run left; without it the result says only where it stopped. */
  describePartial?: PartialDescriber;
}

export class AlembicRunner {
  private readonly running = new Set<string>();
  private readonly connections: DatabaseConnections;
  private readonly graceMs: number;
  private readonly processEnv: NodeJS.ProcessEnv;
  private readonly describePartial: PartialDescriber | undefined;

  constructor(options: RunnerOptions = {}) {
    this.connections = options.connections ?? new DatabaseConnections();
    this.graceMs = options.graceMs ?? 3_000;
    this.processEnv = options.processEnv ?? process.env;
    this.describePartial = options.describePartial;
  }

  /** True while an operation runs for the environment in this process. */
  isBusy(env: { configFile: string; section: string }): boolean {
    return this.running.has(runKey(env));
  }

  async run(req: RunRequest): Promise<RunResult> {
    const started = Date.now();
    const fail = (errorKind: RunErrorKind, message: string, extra: Partial<RunResult> = {}): RunResult => ({
      ok: false,
      errorKind,
      message,
      durationMs: Date.now() - started,
      output: [],
      stdout: '',
      steps: 0,
      ...extra,
    });
    const key = runKey(req.env);
    if (this.running.has(key)) {
      return fail('busy', `An Alembic operation is already running for ${req.env.configFile}${req.env.section === 'alembic' ? '' : ` [${req.env.section}]`}; wait for it to finish or cancel it.`);
    }
    let args: string[];
    try {
      args = alembicArguments(req.operation);
    } catch (e) {
      if (e instanceof OperationError) return fail('invalid', e.message);
      throw e;
    }
    if (req.database && connectsToDatabase(req.operation)) {
      const permission = runPermission(req.env, req.database);
      if (!permission.allowed) return fail('url-not-used', permission.reason, { openFile: permission.openFile });
    }
    this.running.add(key);
    let lock: HeldLock | undefined;
    try {
      const table = versionTableFor(req.versionTableSetting, req.env.envPy);
      const pgDb = req.database?.dialect === 'postgresql' ? this.target(req) : undefined;
      if (pgDb instanceof DatabaseError) return fail('database', pgDb.message, { databaseError: pgDb });
      let before: string[] | undefined;
      if (pgDb && writesDatabase(req.operation)) {
        try {
          lock = await acquireRunLock(pgDb, table);
          before = await this.readRows(pgDb, table);
        } catch (e) {
          if (e instanceof RunLockBusyError) return fail('locked', e.message);
          const error = e instanceof DatabaseError ? e : new DatabaseError('other', String(e));
          return fail('database', error.message, { databaseError: error });
        }
      }
      return await this.execute(req, args, table, pgDb, before, started);
    } finally {
      await lock?.release();
      this.running.delete(key);
    }
  }

  private target(req: RunRequest): PgTarget | DatabaseError {
    try {
      return pgTarget(req.database!.url, { ...(req.password !== undefined ? { password: req.password } : {}), env: this.processEnv });
    } catch (e) {
      if (e instanceof DatabaseError) return e;
      throw e;
    }
  }

  private async readRows(target: PgTarget, table: VersionTableName): Promise<string[]> {
    return (await this.connections.use(target, (c) => queryVersionState(c, table))).current;
  }

  private async execute(req: RunRequest, args: string[], table: VersionTableName, pgDb: PgTarget | undefined, before: string[] | undefined, started: number): Promise<RunResult> {
    const applicationName = `alembic-pilot-run-${process.pid}-${randomBytes(4).toString('hex')}`;
    const env: NodeJS.ProcessEnv = { ...this.processEnv, ...req.extraEnv, PGAPPNAME: applicationName };
    // Our choice of configuration is on the command line; a stray ALEMBIC_CONFIG would override the default file names.
    delete env['ALEMBIC_CONFIG'];
    // Everything that is a password here is cut from every line Alembic prints: ours, the URL's
    // (any dialect, also when only a chatty env.py would print it), and PGPASSWORD of the process.
    const secrets = [req.password, pgDb?.password, req.database ? urlPassword(req.database.url) : undefined, this.processEnv['PGPASSWORD']];
    if (req.database) env['DATABASE_URL'] = req.password !== undefined ? withPassword(req.database.url, req.password) : req.database.url;
    if (req.password !== undefined) env['PGPASSWORD'] = req.password;
    const cwd = req.cwd ?? req.env.here;
    const proc = spawnAlembic({ argv: [...req.command.argv, ...configArguments(req.env), ...args], cwd, env, secrets, ...(req.onOutput ? { onLine: req.onOutput } : {}) });

    let cancel: Promise<CancelReport> | undefined;
    const onAbort = (): void => {
      cancel ??= this.cancel(proc.interrupt(this.graceMs), pgDb, applicationName);
    };
    if (req.signal?.aborted) onAbort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const result = await proc.done;
    req.signal?.removeEventListener('abort', onAbort);
    const cancelReport = cancel ? await cancel : undefined;

    // Alembic prints `FAILED: ...` on stdout and its log and tracebacks on stderr, so both are read.
    const texts = result.lines.map((l) => l.text);
    const base: RunResult = {
      ok: false,
      message: '',
      exitCode: result.exitCode,
      signal: result.signal,
      durationMs: Date.now() - started,
      output: result.lines,
      stdout: result.stdout,
      steps: countSteps(texts),
    };
    if (before !== undefined) base.before = before;
    if (cancelReport) base.cancel = cancelReport;
    if (result.spawnError !== undefined) {
      return { ...base, errorKind: 'spawn', message: `Could not start ${req.command.description}: ${result.spawnError}.` };
    }

    let after: string[] | undefined;
    let afterError: DatabaseError | undefined;
    if (pgDb && writesDatabase(req.operation)) {
      try {
        after = await this.readRows(pgDb, table);
        base.after = after;
      } catch (e) {
        afterError = e instanceof DatabaseError ? e : new DatabaseError('other', String(e));
      }
    } else if (req.database && writesDatabase(req.operation)) {
      // After a failure or a cancel too: where DDL is not transactional (SQLite), the revisions
      // before the failing one stay. SQLite is read in-process, in the folder Alembic ran in;
      // other dialects (and what only Alembic can read) are asked of Alembic itself.
      const sqlite = req.database.dialect === 'sqlite' ? await readSqliteRows(req.database.url, cwd, table) : undefined;
      if (sqlite instanceof DatabaseError) afterError = sqlite;
      else if (sqlite !== undefined) {
        after = sqlite;
        base.after = after;
      } else {
        const current = spawnAlembic({ argv: [...req.command.argv, ...configArguments(req.env), 'current'], cwd, env, secrets });
        const answer = await current.done;
        if (answer.exitCode === 0) {
          after = parseCurrentOutput(answer.stdout);
          base.after = after;
        } else {
          const why = alembicFailure(answer.lines) ?? `exit code ${String(answer.exitCode)}`;
          afterError = new DatabaseError('other', `alembic current failed: ${why}`, { display: req.database.display });
        }
      }
    }
    const seconds = `${(base.durationMs / 1000).toFixed(1)} s`;
    const where = req.database ? (req.database.name ?? req.database.display) : 'the database of the config';

    if (cancelReport) {
      const state = after ? ` ${where} is at ${formatRows(after)}.` : '';
      const still = cancelReport.mayStillRun ? ' No session of this run was found on the server, so its last statement may still be running there.' : '';
      return { ...base, errorKind: 'cancelled', message: `Cancelled ${describeOperation(req.operation)} after ${seconds}.${state}${still}` };
    }
    if (result.exitCode !== 0) {
      const alembicError = alembicFailure(result.lines) ?? `Alembic exited with ${result.signal ?? `code ${String(result.exitCode)}`}`;
      const state = after && before ? (sameRows(after, before) ? ` ${where} stays at ${formatRows(after)}.` : ` ${where} is now at ${formatRows(after)}.`) : after ? ` ${where} is at ${formatRows(after)}.` : '';
      const partial = partialRevision(texts);
      if (partial && this.describePartial) Object.assign(partial, await this.describePartial(partial).catch(() => undefined));
      const left =
        partial === undefined
          ? ''
          : partial.left && partial.left.length > 0
            ? ` ${partial.revision} failed partway, and this database does not roll DDL back: ${partial.left.join(', ')} ${partial.certain ? 'stay' : 'may stay'} from it.`
            : ` ${partial.revision} failed partway, and this database does not roll DDL back: what it did before the failing statement stays.`;
      return { ...base, errorKind: 'alembic', alembicError, message: `${capitalize(describeOperation(req.operation))} failed: ${alembicError}.${state}${left}`, ...(partial ? { partial } : {}) };
    }
    if (afterError) {
      return { ...base, errorKind: 'database', databaseError: afterError, message: `Alembic finished, but the version table could not be read afterwards: ${afterError.message}` };
    }
    if (after && req.expectedCurrent && !sameRows(after, req.expectedCurrent)) {
      return {
        ...base,
        errorKind: 'wrong-database',
        message:
          `Alembic reported success, but ${where} is at ${formatRows(after)}, not at the planned ${formatRows(req.expectedCurrent)} (${versionTableLabel(table)}). ` +
          `Alembic migrated a different database than the one Alembic Pilot shows: check what env.py connects to.`,
      };
    }
    if (after && req.operation.kind === 'stamp' && !stampLanded(req.operation.revisions, after, req.operation.purge === true)) {
      return {
        ...base,
        errorKind: 'wrong-database',
        message: `Alembic reported success, but ${where} is at ${formatRows(after)} after stamping ${req.operation.revisions.join(' ')}: Alembic stamped a different database than the one Alembic Pilot shows.`,
      };
    }
    base.ok = true;
    switch (req.operation.kind) {
      case 'current':
        base.current = parseCurrentOutput(result.stdout);
        base.message = `${where} is at ${formatRows(base.current)}.`;
        break;
      case 'revision':
      case 'merge':
        base.files = parseGeneratedFiles(result.stdout).map((f) => path.resolve(cwd, f));
        base.message = `Created ${base.files.map((f) => path.basename(f)).join(', ') || 'the revision'} in ${seconds}.`;
        break;
      case 'upgrade-sql':
      case 'downgrade-sql':
        base.message = `Generated the ${describeOperation(req.operation)} in ${seconds}.`;
        break;
      default: {
        const verb = { upgrade: 'Upgraded', downgrade: 'Downgraded', stamp: 'Stamped' }[req.operation.kind];
        const to = after ? formatRows(after) : req.operation.kind === 'stamp' ? req.operation.revisions.join(' ') : req.operation.target;
        const count = req.operation.kind === 'stamp' ? '' : ` (${base.steps} revision${base.steps === 1 ? '' : 's'})`;
        const unchecked = req.database ? '' : ' (no database is configured, so the result was not checked)';
        base.message = `${verb} ${where} to ${to}${count} in ${seconds}${unchecked}.`;
      }
    }
    return base;
  }

  private async cancel(interrupted: Promise<InterruptOutcome>, pgDb: PgTarget | undefined, applicationName: string): Promise<CancelReport> {
    const how = await interrupted;
    if (!pgDb) return { how, serverSessionsCancelled: 0, mayStillRun: how !== 'interrupted' && how !== 'already-exited' };
    const cancelled = await cancelRunStatements(pgDb, applicationName).catch(() => -1);
    // libpq-based drivers name their session after PGAPPNAME, so finding none means it ended.
    // asyncpg and pg8000 ignore PGAPPNAME: their session cannot be found, and its statement may
    // still run (and hold its locks) until the server notices the client is gone.
    const findable = pgDb.driver !== 'asyncpg' && pgDb.driver !== 'pg8000';
    return { how, serverSessionsCancelled: Math.max(cancelled, 0), mayStillRun: cancelled < 0 || (cancelled === 0 && !findable) };
  }
}

/**
 * A SQLite database's rows without Python; undefined when only Alembic can read them (an
 * attached schema, SQLCipher...), a DatabaseError when the file cannot be read.
 */
async function readSqliteRows(url: string, cwd: string, table: VersionTableName): Promise<string[] | DatabaseError | undefined> {
  try {
    return (await readSqliteVersionState(url, { cwd, table })).current;
  } catch (e) {
    if (!(e instanceof DatabaseError)) throw e;
    return e.kind === 'needs-alembic' ? undefined : e;
  }
}

function runKey(env: { configFile: string; section: string }): string {
  return `${path.resolve(env.configFile)}\0${env.section}`;
}

/** `-c` for the ini and the pyproject.toml the model read, and `-n` for the section. */
export function configArguments(env: { configFile: string; iniFile?: string; pyprojectFile?: string; section: string }): string[] {
  const args: string[] = [];
  if (env.iniFile !== undefined) args.push('-c', env.iniFile);
  if (env.pyprojectFile !== undefined) args.push('-c', env.pyprojectFile);
  if (args.length === 0) args.push('-c', env.configFile);
  if (env.iniFile !== undefined) args.push('-n', env.section);
  return args;
}

/** The password written in a SQLAlchemy URL, decoded; undefined without one or for an unparsable URL. */
function urlPassword(url: string): string | undefined {
  try {
    return parseSqlalchemyUrl(url).password;
  } catch {
    return undefined;
  }
}

/** The URL with `password` in it, percent-encoded, replacing any password it had. */
export function withPassword(url: string, password: string): string {
  const m = /^([\w+]+:\/\/)(?:([^:/@]*)(?::[^@]*)?@)?(.*)$/s.exec(url.trim());
  if (!m) return url;
  return `${m[1]}${m[2] ?? ''}:${encodeURIComponent(password)}@${m[3]}`;
}

function sameRows(a: readonly string[], b: readonly string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** A stamp landed when each named revision (an id, not `heads`) is a row, and with --purge nothing else is. */
function stampLanded(revisions: readonly string[], after: readonly string[], purge: boolean): boolean {
  const ids = revisions.filter((r) => r !== 'heads' && r !== 'head' && !r.includes('@') && r !== 'base');
  if (ids.length !== revisions.length) return true;
  if (!ids.every((id) => after.some((row) => row === id || row.startsWith(id)))) return false;
  return !purge || after.length === ids.length;
}

function formatRows(rows: readonly string[]): string {
  return rows.length === 0 ? 'base (nothing applied)' : rows.join(', ');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
