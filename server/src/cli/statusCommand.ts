import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, listRevisionFiles, loadEnvironment, type AlembicEnvironment } from '../core/config';
import type { EnvPyFacts } from '../core/config/envPy';
import { pyStrip } from '../core/config/pyText';
import { docMessage } from '../core/graph/historyText';
import { CommandError } from '../core/graph/scriptDirectory';
import { RevisionProject } from '../core/project/revisionProject';
import { connect } from '../db/connections';
import { DatabaseError } from '../db/errors';
import { pgTarget } from '../db/pgOptions';
import { resolveDatabase } from '../db/resolve';
import { queryVersionState, versionTableFor, type VersionTableName } from '../db/versionState';
import { UsageError, type CliIO } from './io';

/**
 * `alembic-pilot status`: where a database is in an environment's history and what
 * `alembic upgrade heads` would still run, for CI jobs and health checks. PostgreSQL is read
 * through `pg` without Python; other dialects ask `alembic current` through the runner.
 */

export interface StatusOptions {
  json: boolean;
  url?: string;
  name?: string;
  /** Where `alembic current` runs (relative to the process's cwd); the config file's folder when absent. */
  cwd?: string;
  target: string;
}

/** Exit codes: 0 at head, 1 pending revisions or an unknown revision, 2 an error. */
export async function runStatus(opts: StatusOptions, io: CliIO, processEnv: NodeJS.ProcessEnv = process.env): Promise<number> {
  let env: AlembicEnvironment;
  try {
    env = loadEnvironment(path.resolve(io.cwd, opts.target), opts.name ? { section: opts.name } : undefined);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const project = new RevisionProject();
  project.loadFromDisk(listRevisionFiles(env));
  const script = project.script;

  // Alembic runs where the extension runs it: relative script_location, prepend_sys_path and
  // sqlite:/// paths then mean what the graph above read (the config's folder), unless --cwd says.
  const runCwd = opts.cwd !== undefined ? path.resolve(io.cwd, opts.cwd) : env.here;
  const database = await resolveDatabase(env, { processEnv, cwd: runCwd, ...(opts.url !== undefined ? { commandLineUrl: opts.url } : {}) });
  if (!database) {
    io.stderr(`alembic-pilot: no database is configured for ${env.configFile}: pass --url, set DATABASE_URL (in the environment or a .env beside the config), or set sqlalchemy.url.`);
    return 2;
  }

  let current: string[];
  try {
    current = database.dialect === 'postgresql' ? await readWithPg(database.url, env, processEnv) : await readWithAlembic(env, await envPyOf(env), database, runCwd, io, processEnv);
  } catch (e) {
    if (e instanceof DatabaseError || e instanceof StatusError) {
      io.stderr(`alembic-pilot: ${e.message}`);
      return 2;
    }
    throw e;
  }

  const heads = script.getHeads();
  const unknown = current.filter((id) => !script.map.revisions.has(id));
  let pending: string[] = [];
  if (unknown.length === 0) {
    try {
      pending = script.upgradePlan('heads', current).map((r) => r.revision);
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      io.stderr(`alembic-pilot: the history cannot be planned as Alembic would: ${e.message}`);
      return 2;
    }
  }
  const upToDate = unknown.length === 0 && pending.length === 0;
  if (opts.json) {
    io.stdout(JSON.stringify({ current, heads, pending, upToDate, ...(unknown.length > 0 ? { unknown } : {}) }, null, 2));
  } else {
    if (current.length === 0) io.stdout('base (no revision applied)');
    for (const id of current) {
      const rev = script.map.revisions.get(id);
      if (!rev) {
        io.stdout(`${id} (unknown: no revision file declares it)`);
        continue;
      }
      const labels = [...rev.branchLabels].map((l) => ` (${l})`).join('');
      const message = docMessage(project.entry(rev.path)?.header.docstring, pyStrip);
      io.stdout(`${id}${labels}${rev.isHead ? ' (head)' : ''}${message ? ` ${message}` : ''}`);
    }
    if (unknown.length > 0) io.stdout(`the database is at ${unknown.join(', ')}, which no revision file declares; nothing can be planned from there`);
    else io.stdout(pending.length === 0 ? '0 pending (up to date)' : `${pending.length} pending: ${pending.join(' ')}`);
  }
  return upToDate ? 0 : 1;
}

class StatusError extends Error {}

function envPyText(env: AlembicEnvironment): { file: string; text: string | undefined } {
  const file = path.join(env.scriptLocation ?? env.here, 'env.py');
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch {
    return { file, text: undefined };
  }
}

/** env.py's facts; the Python parser is loaded only here, as it costs more than the rest of a status run. */
async function envPyOf(env: AlembicEnvironment): Promise<EnvPyFacts> {
  const { file, text } = envPyText(env);
  const { readEnvPy } = await import('../core/config/envPy.js');
  return readEnvPy(file, text);
}

/** The version table env.py names; an env.py that never mentions version_table is not parsed. */
async function versionTableOf(env: AlembicEnvironment): Promise<VersionTableName> {
  const { text } = envPyText(env);
  return versionTableFor(undefined, text !== undefined && text.includes('version_table') ? await envPyOf(env) : undefined);
}

async function readWithPg(url: string, env: AlembicEnvironment, processEnv: NodeJS.ProcessEnv): Promise<string[]> {
  const target = pgTarget(url, { env: processEnv });
  const table = await versionTableOf(env);
  const client = await connect(target);
  try {
    return (await queryVersionState(client, table)).current;
  } catch (e) {
    throw e instanceof DatabaseError ? e : new DatabaseError('other', String(e), { display: target.display });
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function readWithAlembic(
  env: AlembicEnvironment,
  envPy: EnvPyFacts,
  database: NonNullable<Awaited<ReturnType<typeof resolveDatabase>>>,
  cwd: string,
  io: CliIO,
  processEnv: NodeJS.ProcessEnv,
): Promise<string[]> {
  // The runner (child processes, readline) is loaded only for databases pg cannot read.
  const { findAlembicCommand, AlembicRunner, AlembicCommandError } = await import('../runner/index.js');
  let command;
  try {
    command = await findAlembicCommand({ configDir: env.here, cwd, env: processEnv });
  } catch (e) {
    throw e instanceof AlembicCommandError ? new StatusError(e.message) : e;
  }
  io.stderr(`alembic-pilot: ${database.display} is not PostgreSQL; reading its state with \`alembic current\` through ${command.description}.`);
  const runner = new AlembicRunner({ processEnv });
  const result = await runner.run({ env: { ...env, envPy }, operation: { kind: 'current' }, command, database, cwd });
  if (!result.ok) throw new StatusError(result.errorKind === 'alembic' ? `alembic current failed: ${result.alembicError ?? result.message}` : result.message);
  return result.current ?? [];
}
