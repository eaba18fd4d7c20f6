import { realpathSync } from 'node:fs';
import path from 'node:path';
import { namingConventionsFor } from '../core/rules/ops/namingConventions';
import { RULES } from '../core/rules/registry';
import type { Finding } from '../core/rules/types';
import { formatFindings, type FormatContext, type OutputFormat } from './format';
import { publicUrls, ruleHelp } from './format/help';
import { displayPath } from './format/location';
import { UsageError, type CliIO } from './io';
import { applyFixes } from './lintFix';
import { lintSettings, readOverrides, type EnvironmentSettings } from './lintSettings';
import { cacheFilePath, lintSettingsKey, outputKey, ResultCache, toolFingerprint, type CacheStrategy } from './cacheFile';
import { lintHistory } from './lintHistory';
import { loadSqlParserForLint, type LintJobSpec, type ReportedRuleError } from './lintShare';
import { ChangedFiles } from './lintSince';
import { resolveLintJobs, type LintJob } from './lintTargets';
import { acceptExisting } from './acceptExisting';
import { unresolvedNote } from './unresolvedNote';
import pkg from '../../../package.json';

/**
 * `alembic-pilot lint`: the language server's rules over whole environments or chosen
 * revision files, printed for people (text) or for machines (JSON, SARIF), with an exit code a
 * CI job can gate on.
 */

export interface LintCommandOptions {
  format: OutputFormat;
  /** A pyproject.toml whose [tool.alembic-pilot] overrides each environment's own. */
  config?: string;
  since?: string;
  fix: boolean;
  /** `--accept-existing`: record each environment's heads as lock-rules-start-after before linting. */
  acceptExisting?: boolean;
  /**
   * Threads to lint on (`--jobs`): 1 lints on the main thread, more start worker threads.
   * Undefined uses every core once there are enough files to pay for the workers.
   */
  jobs?: number;
  /** `--cache`: keep file-local results between runs (cacheFile.ts). */
  cache: boolean;
  /** `--cache-location`: the cache file, or a folder to hold `.alembic-pilot-cache`. */
  cacheLocation?: string;
  /** `--cache-strategy`: `metadata` (the default) takes an unchanged file's hash from its stamp. */
  cacheStrategy?: CacheStrategy;
  targets: string[];
}

function realpathOrSelf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/** Narrows each job to the files changed since the ref; the project still holds every file. */
function narrowToChanged(jobs: readonly LintJob[], ref: string): void {
  const changed = new ChangedFiles(ref);
  for (const job of jobs) {
    const inRepo = changed.in(job.env.here);
    const candidates = job.selected ?? new Set(job.files);
    job.selected = new Set([...candidates].filter((f) => inRepo.has(realpathOrSelf(f))));
  }
}

/**
 * The folder holding the package (package.json beside dist/ or server/), where the docs live.
 * The bundle and the sources sit at different depths, so it is found rather than assumed.
 */
function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (path.basename(dir) === 'dist' || path.basename(dir) === 'server') return path.dirname(dir);
    if (path.dirname(dir) === dir) return path.resolve(__dirname, '..');
  }
}

function formatContext(cwd: string): FormatContext {
  const root = packageRoot();
  const urls = publicUrls(pkg as { homepage?: unknown; repository?: unknown });
  return {
    cwd,
    rules: RULES,
    tool: {
      version: pkg.version,
      ...(urls.home ? { informationUri: urls.home } : {}),
      ...(urls.docs ? { helpUri: (id: string) => `${urls.docs}/${id}.md` } : {}),
      help: (id) => ruleHelp(path.join(root, 'docs', 'rules', `${id}.md`)),
    },
  };
}

function describeError(e: ReportedRuleError, cwd: string): string {
  return `warning: rule ${e.rule} failed on ${displayPath(e.file, cwd).file} and was skipped there: ${e.reason}`;
}

interface PreparedJob {
  job: LintJob;
  settings: EnvironmentSettings;
}

/** The files each job reports on, in load order. */
function filesToLint(prepared: readonly PreparedJob[]): string[][] {
  return prepared.map(({ job }) => (job.selected ? job.files.filter((f) => job.selected!.has(f)) : job.files));
}

function specOf({ job, settings }: PreparedJob): LintJobSpec {
  return { env: job.env, files: job.files, settings: settings.settings, targets: settings.targets };
}

/** The worker script: dist/lintWorker.js, bundled beside dist/cli.js. */
function workerScript(): string {
  return path.join(__dirname, 'lintWorker.js');
}

export async function runLint(opts: LintCommandOptions, io: CliIO): Promise<number> {
  if (opts.targets.length === 0) throw new UsageError('lint needs at least one argument: an alembic.ini, a pyproject.toml, a folder or revision files.');
  const jobs = resolveLintJobs(opts.targets, io.cwd);
  if (opts.since !== undefined) narrowToChanged(jobs, opts.since);
  if (opts.acceptExisting) acceptExisting(jobs.map((j) => j.env), io);
  const fromFlag = opts.config === undefined ? { overrides: {}, problems: [] } : readOverrides(path.resolve(io.cwd, opts.config));
  const prepared = jobs.map((job): PreparedJob => ({ job, settings: lintSettings(job.env, fromFlag.overrides) }));
  const toLint = filesToLint(prepared);
  const specs = prepared.map(specOf);
  // The naming convention may come from a project module env.py imports, which nothing else
  // in the key covers; a change there changes which downgrades are complete.
  const keys = specs.map((spec) => lintSettingsKey(spec.env, { settings: spec.settings, targets: spec.targets, conventions: namingConventionsFor(spec.env) }));

  // Every usage error is found before anything is printed, so exit code 2 leaves stdout empty.
  // Workers load the SQL parser for themselves, and fail the same way when they cannot; the
  // main thread's loads while the files are read (not at all when the output is cached).
  let sql: ReturnType<typeof loadSqlParserForLint> | undefined;
  let note: string | undefined;
  let ruleErrors = 0;
  let hashes: (string | undefined)[][] = [];
  const cache = opts.cache ? ResultCache.open(cacheFilePath(io.cwd, opts.cacheLocation), toolFingerprint(), (note) => io.stderr(note), opts.cacheStrategy) : undefined;
  const lint = async (): Promise<Finding[]> => {
    if (!sql) {
      sql = loadSqlParserForLint();
      sql.catch(() => undefined);
    }
    // Every round reads the files again: after --fix, the projects are built from the files as they are now.
    const round = await lintHistory({ jobs: specs, reported: toLint, threads: opts.jobs, cache, keys, sql, workerScript: workerScript() });
    for (const e of round.ruleErrors) io.stderr(describeError(e, io.cwd));
    ruleErrors += round.ruleErrors.length;
    note = unresolvedNote(round.unresolved.map((u) => ({ file: displayPath(u.file, io.cwd).file, value: u.value })));
    hashes = round.hashes;
    return round.findings;
  };

  // Environments that share a pyproject.toml share its problems; each is printed once.
  const warnings = new Set<string>();
  for (const p of fromFlag.problems) warnings.add(`warning: ${p.message}`);
  for (const { job, settings } of prepared) {
    for (const p of job.env.problems) warnings.add(`warning: ${p.line === undefined ? p.file : `${p.file}:${p.line}`}: ${p.message}`);
    for (const p of settings.problems) warnings.add(`warning: ${p.message}`);
  }
  for (const w of warnings) io.stderr(w);
  // A version location that does not exist is a warning (Alembic silently reads nothing there).
  const nowhere = prepared.some(({ job }) => job.env.problems.some((p) => p.pointsNowhere === 'version-location'));
  const exitCode = (code: number): number => (nowhere ? Math.max(code, 1) : code);

  // An unchanged history linted the same way prints what it printed last time (cacheFile.ts):
  // its findings, graph findings included, are a function of the files' bytes and the key.
  const outputHead = cache && !opts.fix ? lintOutputHead(opts.format, io.cwd, keys, toLint) : undefined;
  const histories = (of: (job: LintJobSpec, j: number) => readonly (string | undefined)[]) => specs.map((job, j) => ({ files: job.files, hashes: of(job, j) }));
  if (cache && outputHead !== undefined) {
    const before = outputKey(outputHead, histories((job) => job.files.map((f) => cache.hashOf(f))));
    const cached = before === undefined ? undefined : cache.getOutput(before, 'lint-outputs');
    if (cached) {
      const unsaved = cache.save();
      if (unsaved) io.stderr(unsaved);
      for (const line of cached.stderr) io.stderr(line);
      if (cached.stdout !== '') io.stdout(cached.stdout);
      return exitCode(cached.code);
    }
  }

  let findings = await lint();
  if (opts.fix) {
    const outcome = applyFixes(findings);
    for (const { finding, title } of outcome.applied) io.stderr(`fixed ${where(finding, io.cwd)}: ${title}`);
    for (const { finding, reason } of outcome.skipped) io.stderr(`not fixed ${where(finding, io.cwd)}: ${reason}`);
    if (outcome.applied.length > 0) {
      // The fixes changed the files, so what remains is found by linting them again.
      findings = await lint();
    }
  }

  const lines = formatFindings(opts.format, findings, formatContext(io.cwd));
  const code = findings.some((f) => f.severity === 'error' || f.severity === 'warning') ? 1 : 0;
  // Filed under the hashes this round read, so a file that changed meanwhile cannot leave a
  // wrong output behind; a round where a rule failed is not kept (the failure may not recur).
  if (cache && outputHead !== undefined && ruleErrors === 0) {
    const after = outputKey(outputHead, histories((_, j) => hashes[j] ?? []));
    if (after !== undefined) cache.setOutput(after, { stdout: lines.join('\n'), stderr: note ? [note] : [], code }, 'lint-outputs');
  }
  const unsaved = cache?.save();
  if (unsaved) io.stderr(unsaved);
  if (note) io.stderr(note);
  for (const line of lines) io.stdout(line);
  return exitCode(code);
}

/**
 * What a lint's output depends on besides the revision files: the format, the folder paths are
 * shown relative to, each environment's settings key (which covers its configuration, env.py
 * and the naming convention), the files reported on, and, in SARIF, the rules' help.
 */
function lintOutputHead(format: OutputFormat, cwd: string, keys: readonly string[], reported: readonly (readonly string[])[]): unknown {
  const tool = format === 'sarif' ? formatContext(cwd).tool : undefined;
  const help = tool ? RULES.map((r) => tool.help?.(r.id)) : undefined;
  return { kind: 'lint', format, cwd, keys, reported, help };
}

function where(f: Finding, cwd: string): string {
  return `${displayPath(f.file, cwd).file}:${f.range.start.line + 1}:${f.range.start.character + 1} [${f.rule}]`;
}
