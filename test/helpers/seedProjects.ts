import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listRevisionFiles, loadEnvironment, type AlembicEnvironment } from '../../server/src/core/config';
import { readEnvPy, type EnvPyFacts } from '../../server/src/core/config/envPy';
import { planMigration } from '../../server/src/core/graph/migrationPlan';
import { RevisionProject } from '../../server/src/core/project/revisionProject';
import type { ResolvedDatabase } from '../../server/src/db/resolve';
import type { AlembicCommand } from '../../server/src/runner/command';
import { AlembicRunner, type RunRequest, type RunResult as RunnerResult } from '../../server/src/runner/runner';
import { createDatabase, dropDatabase, withClient } from './postgres';
import { run, type RunResult } from './run';
import { REPO_ROOT } from './sampleProject';

/**
 * The projects of test/fixtures/seed-projects (one per team write-up in ../shared/seeds), copied
 * to a temporary folder with a database of their own, and the steps every project goes
 * through: the CLI, a round trip through our runner, and reading the version table.
 */

export const SEED_ROOT = path.join(REPO_ROOT, 'test', 'fixtures', 'seed-projects');
export const SEED_NAMES = ['000-async-chatbot', '001-knowledge-pipeline', '002-incident-service', '003-orchestrator', '004-rag-chat'] as const;
export type SeedName = (typeof SEED_NAMES)[number];

export interface SeedCopy {
  /** The copy's root (the repository root of the project). */
  root: string;
  /** A path inside the copy. */
  file(relative: string): string;
  /** A URL of the copy's own empty PostgreSQL database (with `adminUrl`). */
  url: string | undefined;
  remove(): Promise<void>;
}

let counter = 0;

/** Copies a seed project; with `adminUrl`, also creates an empty database for it. */
export async function copySeed(name: SeedName, adminUrl?: string): Promise<SeedCopy> {
  const root = mkdtempSync(path.join(os.tmpdir(), `alembic-pilot-seed-${name.slice(0, 3)}-`));
  cpSync(path.join(SEED_ROOT, name), root, { recursive: true });
  const database = adminUrl === undefined ? undefined : `seed${name.slice(0, 3)}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const url = database === undefined ? undefined : await createDatabase(adminUrl!, database);
  return {
    root,
    file: (relative) => path.join(root, relative),
    url,
    async remove() {
      rmSync(root, { recursive: true, force: true });
      if (database !== undefined) await dropDatabase(adminUrl!, database);
    },
  };
}

/** The environment of a config as the extension sees it: the core's reading plus env.py's facts. */
export function environmentOf(configFile: string): AlembicEnvironment & { envPy: EnvPyFacts } {
  const env = loadEnvironment(configFile);
  const file = path.join(env.scriptLocation!, 'env.py');
  return { ...env, envPy: readEnvPy(file, readFileSync(file, 'utf8')) };
}

export function projectOf(configFile: string): RevisionProject {
  const project = new RevisionProject();
  project.loadFromDisk(listRevisionFiles(loadEnvironment(configFile)));
  return project;
}

/**
 * A real program named `uv` for projects whose alembicCommand is ["uv", "run", "alembic"]: uv
 * itself cannot be installed here, so `uv run alembic ARGS` runs `python -m alembic ARGS` and
 * `uv run python ARGS` runs `python ARGS`, with the test venv's interpreter. Returns the folder to
 * put first on PATH.
 */
export function writeUvShim(python: string): string {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-uv-'));
  const script = [
    '#!/bin/sh',
    '# A stand-in for uv in tests: `uv run alembic ...` and `uv run python ...` with a fixed interpreter.',
    'if [ "$1" != "run" ]; then echo "uv (test stand-in): only \'uv run\' is supported" >&2; exit 2; fi',
    'shift',
    'case "$1" in',
    `  alembic) shift; exec '${python}' -m alembic "$@" ;;`,
    `  python|python3) shift; exec '${python}' "$@" ;;`,
    '  *) echo "uv (test stand-in): cannot run $1" >&2; exit 2 ;;',
    'esac',
    '',
  ].join('\n');
  writeFileSync(path.join(bin, 'uv'), script);
  chmodSync(path.join(bin, 'uv'), 0o755);
  return bin;
}

/** Runs the bundled CLI (dist/cli.js) as a CI job would, without DATABASE_URL unless given. */
export function cli(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['DATABASE_URL'];
  return run(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), ...args], { cwd: options.cwd, env: { ...env, ...options.env }, timeoutMs: 120_000 });
}

export interface LintFinding {
  file: string;
  line: number;
  rule: string;
  severity: string;
  message: string;
}

/** `alembic-pilot lint --format json`, as (file relative to `root`, 1-based line, rule, severity). */
export async function lintJson(target: string, root: string, extra: readonly string[] = []): Promise<{ code: number | null; findings: LintFinding[]; stderr: string }> {
  const r = await cli(['lint', '--format', 'json', ...extra, target], { cwd: root });
  const findings = (JSON.parse(r.stdout) as LintFinding[]).map((f) => ({
    file: path.relative(root, path.resolve(root, f.file)),
    line: f.line,
    rule: f.rule,
    severity: f.severity,
    message: f.message,
  }));
  return { code: r.code, findings, stderr: r.stderr };
}

/** The version table's rows (sorted), or [] when it does not exist. */
export function versionRows(url: string, table = 'alembic_version'): Promise<string[]> {
  return withClient(url, async (c) => {
    const exists = await c.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]);
    if (exists.rows[0]?.t == null) return [];
    return (await c.query<{ version_num: string }>(`SELECT version_num FROM ${table}`)).rows.map((r) => r.version_num).sort();
  });
}

/** Tables of the public schema, sorted. */
export function tablesOf(url: string): Promise<string[]> {
  return withClient(url, async (c) => (await c.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.tablename));
}

/** A PostgreSQL URL as the project's env.py takes it: `postgresql+<driver>://` (libpq URLs have no driver). */
export function withDriver(url: string, driver: string | undefined): string {
  return driver === undefined ? url : url.replace(/^postgres(?:ql)?:\/\//, `postgresql+${driver}://`);
}

export function pgDatabase(url: string, name = 'dev'): ResolvedDatabase {
  return { url, display: url, source: 'named', name, production: false, dialect: 'postgresql' };
}

export interface RoundTrip {
  steps: { operation: string; result: RunnerResult; rows: string[] }[];
}

/**
 * upgrade heads, downgrade base, upgrade heads through our runner, each planned by the core's
 * planner first (as the client does before it confirms) and checked against the plan: the
 * version table afterwards, and the revisions Alembic logged as run.
 */
export async function roundTrip(
  request: Omit<RunRequest, 'operation' | 'expectedCurrent'>,
  configFile: string,
  rows: () => Promise<string[]>,
  runner = new AlembicRunner({ graceMs: 1_000 }),
): Promise<RoundTrip> {
  const out: RoundTrip = { steps: [] };
  for (const [direction, target] of [['upgrade', 'heads'], ['downgrade', 'base'], ['upgrade', 'heads']] as const) {
    const before = await rows();
    const plan = planMigration(projectOf(configFile).script, direction, target, before);
    if ('error' in plan) throw new Error(plan.error);
    const result = await runner.run({ ...request, operation: { kind: direction, target }, expectedCurrent: plan.expectedCurrent });
    if (!result.ok) throw new Error(`${direction} ${target} failed: ${result.message}\n${result.output.map((l) => l.text).join('\n')}`);
    const ran = result.output.flatMap((l) => {
      const m = /Running (upgrade|downgrade) (.*?) -> ([^,]*),/.exec(l.text);
      if (!m) return [];
      return m[1] === 'upgrade' ? [m[3]!.trim()] : m[2]!.split(',').map((s) => s.trim());
    });
    if (JSON.stringify(ran) !== JSON.stringify(plan.steps.map((s) => s.revision))) {
      throw new Error(`${direction} ${target} ran ${ran.join(' ')}, but the plan was ${plan.steps.map((s) => s.revision).join(' ')}`);
    }
    out.steps.push({ operation: `${direction} ${target}`, result, rows: await rows() });
  }
  return out;
}

/** The command that runs the test venv's Alembic, as the extension finds a selected interpreter. */
export function venvCommand(python: string): AlembicCommand {
  return { argv: [python, '-m', 'alembic'], source: 'interpreter', description: 'the test venv' };
}

/** Makes a folder (and its parents) and returns it. */
export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
