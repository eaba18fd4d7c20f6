import { realpathSync } from 'node:fs';
import path from 'node:path';
import { statOrUndefined } from '../core/fsStat';
import { ConfigError, discoverEnvironments, listRevisionFiles, loadEnvironment, type AlembicEnvironment } from '../core/config';
import { UsageError } from './io';

/**
 * Turning `lint` arguments into environments to lint. A folder means every environment found
 * under it, an alembic.ini or pyproject.toml the environment it configures, and any other file
 * a revision file, linted within the environment whose version locations hold it. Whatever the
 * arguments select, each environment's project is built from all of its revision files, so
 * chain rules see the whole history; `selected` only narrows what is reported.
 */

export interface LintJob {
  env: AlembicEnvironment;
  /** Every revision file of the environment, absolute, in Alembic's load order. */
  files: string[];
  /** The files to report on, or undefined for all of them. */
  selected: Set<string> | undefined;
}

const CONFIG_NAMES = new Set(['alembic.ini', 'pyproject.toml']);

function keyOf(env: AlembicEnvironment): string {
  return `${env.configFile}\0${env.section}`;
}

function realpathOrSelf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * Loads an environment, turning a configuration error into a usage error (exit code 2), and
 * so a script location that points nowhere too: Alembic fails on it, so a lint that passed
 * would let a CI gate pass on a broken configuration.
 */
export function load(configFile: string, section?: string): AlembicEnvironment {
  let env: AlembicEnvironment;
  try {
    env = loadEnvironment(configFile, section === undefined ? {} : { section });
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const broken = env.problems.find((p) => p.pointsNowhere === 'script-location');
  if (broken) throw new UsageError(`${broken.line === undefined ? broken.file : `${broken.file}:${broken.line}`}: ${broken.message}.`);
  return env;
}

/**
 * The environments under a folder. Discovery keeps a broken configuration as an environment
 * without version locations; loading it again surfaces its error, which must stop the lint
 * rather than let a CI job pass because nothing was read.
 */
function environmentsUnder(folder: string, shown: string): AlembicEnvironment[] {
  const found = discoverEnvironments(folder);
  if (found.length === 0) throw new UsageError(`no Alembic environment (an alembic.ini, or a pyproject.toml with [tool.alembic]) under ${shown}.`);
  return found.map((env) => load(env.configFile, env.section));
}

class FileOwners {
  private readonly byFolder = new Map<string, AlembicEnvironment[]>();
  private readonly listings = new Map<string, string[]>();
  private readonly byRealPath = new Map<string, Map<string, string>>();

  /** Every revision file of an environment, listed once however many targets name it. */
  listing(env: AlembicEnvironment): string[] {
    let files = this.listings.get(keyOf(env));
    if (!files) {
      files = listRevisionFiles(env);
      this.listings.set(keyOf(env), files);
    }
    return files;
  }

  /**
   * The environment holding a revision file, and the file as that environment lists it. Every
   * folder from the file's own up to the root may hold the config, since version locations
   * can be anywhere relative to it; the nearest environment that lists the file wins.
   */
  ownerOf(file: string): { env: AlembicEnvironment; listed: string } | undefined {
    const real = realpathOrSelf(file);
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      for (const env of this.environmentsIn(dir)) {
        const listed = this.realPaths(env).get(real);
        if (listed !== undefined) return { env, listed };
      }
      if (path.dirname(dir) === dir) return undefined;
    }
  }

  /**
   * The environment's files by real path. Only a revision file named as a target needs it,
   * and resolving every file of a long history costs more than linting a few of them.
   */
  private realPaths(env: AlembicEnvironment): Map<string, string> {
    let real = this.byRealPath.get(keyOf(env));
    if (!real) {
      real = new Map(this.listing(env).map((f) => [realpathOrSelf(f), f]));
      this.byRealPath.set(keyOf(env), real);
    }
    return real;
  }

  private environmentsIn(dir: string): AlembicEnvironment[] {
    let envs = this.byFolder.get(dir);
    if (!envs) {
      const hasConfig = [...CONFIG_NAMES].some((name) => statOrUndefined(path.join(dir, name))?.isFile());
      envs = hasConfig ? discoverEnvironments(dir).filter((e) => path.dirname(e.configFile) === dir) : [];
      this.byFolder.set(dir, envs);
    }
    return envs;
  }
}

export function resolveLintJobs(targets: readonly string[], cwd: string): LintJob[] {
  const owners = new FileOwners();
  const jobs = new Map<string, LintJob>();
  const addWhole = (env: AlembicEnvironment): void => {
    jobs.set(keyOf(env), { env, files: owners.listing(env), selected: undefined });
  };

  for (const target of targets) {
    const absolute = path.resolve(cwd, target);
    const stat = statOrUndefined(absolute);
    if (!stat) throw new UsageError(`${target}: no such file or folder.`);
    if (stat.isDirectory()) {
      for (const env of environmentsUnder(absolute, target)) addWhole(env);
    } else if (CONFIG_NAMES.has(path.basename(absolute)) || /\.(ini|toml)$/.test(absolute)) {
      addWhole(load(absolute));
    } else {
      const owner = owners.ownerOf(absolute);
      if (!owner) throw new UsageError(`${target} is not a revision file of any Alembic environment configured in its folder or a folder above it.`);
      const key = keyOf(owner.env);
      const job = jobs.get(key);
      if (!job) jobs.set(key, { env: owner.env, files: owners.listing(owner.env), selected: new Set([owner.listed]) });
      else job.selected?.add(owner.listed);
    }
  }
  return [...jobs.values()];
}
