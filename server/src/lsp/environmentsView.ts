import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AlembicEnvironment } from '../core/config';
import { readEnvPy, type EnvPyFacts } from '../core/config/envPy';
import { dialectOf, isPlaceholderUrl } from '../core/config/sqlalchemyUrl';
import { unmergedForks } from '../core/graph/forks';
import type { RevisionProject } from '../core/project/revisionProject';
import type { LintConfig } from '../core/rules/config';
import { multipleHeads } from '../core/rules/multiple-heads';
import { fullParse, lintFile, type LintOptions } from '../core/rules/runner';
import type { EnvironmentInfo, EnvironmentsRequest } from '../protocol';
import type { WorkspaceModel } from './workspaceModel';

/**
 * `alembicPilot/environments`: each environment with what the client needs to show it, resolve
 * its database and run Alembic on it, all read statically by the server.
 */

export interface EnvironmentSource {
  env: AlembicEnvironment;
  project: RevisionProject;
  lint: LintConfig;
}

export interface EnvironmentContext {
  /** The workspace folders, for short labels. */
  roots: readonly string[];
}

/** The answer to `alembicPilot/environments`; params arrive untyped. */
export function handleEnvironments(model: WorkspaceModel, params: unknown): EnvironmentsRequest.Result {
  const configFile = typeof params === 'object' && params !== null ? (params as Record<string, unknown>)['configFile'] : undefined;
  const ctx: EnvironmentContext = { roots: model.workspaceRoots() };
  return { environments: model.projects(typeof configFile === 'string' ? configFile : undefined).map((s) => environmentInfo(s, ctx)) };
}

/** The heads that Merge Heads would merge, per fork, for the scaffold request's default. */
export function mergeHeadsOf(model: WorkspaceModel, configFile: string, section: string): string[][] {
  const found = model.projects(configFile, section)[0];
  return found ? reportedForks(found) : [];
}

export function environmentInfo(source: EnvironmentSource, ctx: EnvironmentContext): EnvironmentInfo {
  const { env, project } = source;
  const script = project.script;
  const map = script.map;
  const mergeHeads = reportedForks(source);
  const labels = new Set<string>();
  for (const rev of map.revisions.values()) for (const l of rev.origBranchLabels) labels.add(l);
  const info: EnvironmentInfo = {
    configFile: env.configFile,
    section: env.section,
    here: env.here,
    label: labelOf(env, ctx.roots),
    versionLocations: [...env.versionLocations],
    envPy: envPyFacts(env),
    branchLabels: [...labels].sort(),
    heads: script.getHeads(),
    bases: script.getBases(),
    mergeHeads,
    newBaseLocations: [...env.versionLocations],
    revisionCount: map.revisions.size,
    problemCount: project.problems().length,
    configProblems: env.problems.map((p) => p.message),
  };
  if (env.iniFile !== undefined) info.iniFile = env.iniFile;
  if (env.pyprojectFile !== undefined) info.pyprojectFile = env.pyprojectFile;
  if (env.scriptLocation !== undefined) info.scriptLocation = env.scriptLocation;
  if (!isPlaceholderUrl(env.sqlalchemyUrl)) {
    info.sqlalchemyUrl = env.sqlalchemyUrl!.trim();
    const dialect = dialectOf(info.sqlalchemyUrl);
    if (dialect !== undefined) info.dialect = dialect;
  }
  return info;
}

/**
 * The forks whose heads the `multiple-heads` rule reports, with the environment's severity and
 * the files' suppressions: the rule runs alone on the head files, so that answering does not
 * wait for a lint of the whole history.
 */
function reportedForks(source: EnvironmentSource): string[][] {
  const { env, project, lint } = source;
  const map = project.script.map;
  const options: LintOptions = { settings: lint.settings, targets: lint.targets, sql: undefined, rules: [multipleHeads] };
  const reported = new Set(
    map.heads.filter((id) => {
      const rev = map.revisions.get(id);
      const entry = rev && project.entry(rev.path);
      return entry !== undefined && lintFile(fullParse(entry.header), env, project, options).some((f) => f.rule === 'multiple-heads');
    }),
  );
  return unmergedForks(map)
    .map((group) => group.filter((id) => reported.has(id)))
    .filter((group) => group.length >= 2);
}

/** `migrations-sample/alembic.ini`, plus ` [section]` for a section other than the default. */
function labelOf(env: AlembicEnvironment, roots: readonly string[]): string {
  const root = roots.filter((r) => env.configFile.startsWith(r.endsWith(path.sep) ? r : r + path.sep)).sort((a, b) => b.length - a.length)[0];
  const file = root === undefined ? env.configFile : path.relative(root, env.configFile).split(path.sep).join('/');
  return env.section === 'alembic' ? file : `${file} [${env.section}]`;
}

const envPyCache = new Map<string, { mtimeMs: number; size: number; facts: EnvPyFacts }>();

/** env.py's facts, read again only when the file changed. */
export function envPyFacts(env: AlembicEnvironment): EnvPyFacts {
  const file = path.join(env.scriptLocation ?? env.here, 'env.py');
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat?.isFile()) return readEnvPy(file, undefined);
  const cached = envPyCache.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.facts;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const facts = readEnvPy(file, undefined);
    facts.problems = [`${file} cannot be read: ${(e as Error).message}`];
    return facts;
  }
  const facts = readEnvPy(file, text);
  envPyCache.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, facts });
  return facts;
}
