import { parseRevisionFile } from '../core/parse';
import { lazyRevisionFile } from '../core/parse/lazyRevisionFile';
import { RevisionProject } from '../core/project/revisionProject';
import { readBytes, readSource } from '../core/project/source';
import type { RevisionHeader } from '../core/revisionHeader';
import { compareFindings, finishLint, type RuleOutcome } from '../core/rules/phases';
import { RULES } from '../core/rules/registry';
import { NO_DIRECTIVES, readSuppressionComments } from '../core/rules/suppressions';
import type { Finding, RuleId, SqlParser } from '../core/rules/types';
import { decodePythonSource } from '../core/scan/decode';
import { scanRevisionHeader } from '../core/scan/headerScanner';
import type { CachedFile, CachedLint, ResultCache } from './cacheFile';
import { chunksOf, lintInParallel, threadCount } from './lintPool';
import { LocalLinter, lintTextLocally, phaseOptions, type LintJobSpec, type LintRound, type LocalFileLint, type ReportedRuleError } from './lintShare';

/**
 * A whole `lint` run over some environments, in the two steps of core/rules/phases.ts:
 *
 * 1. Each file to report on is parsed fully and linted without the graph, on every thread
 *    (lintPool.ts), unless `--cache` holds that step's result for the file's bytes and settings.
 * 2. On the main thread, which alone builds each environment's graph (from the header scanner
 *    or cached headers), the rules that read the graph run on every reported file, and
 *    suppressions are applied. Those rules mostly read the header, which the main thread has
 *    without a parse (core/parse/lazyRevisionFile.ts).
 *
 * The output is the same on any number of threads and with or without the cache: each file's
 * findings come from `finishLint` over the same inputs, sorted as one thread sorts them.
 */

export interface HistoryLint {
  jobs: readonly LintJobSpec[];
  /** Per job, the files to report on, in load order. */
  reported: readonly (readonly string[])[];
  /** `--jobs`, when given. */
  threads: number | undefined;
  cache: ResultCache | undefined;
  /** Per job, the settings key of its cached lint results (cacheFile.ts). */
  keys: readonly string[];
  sql: Promise<SqlParser>;
  /** dist/lintWorker.js */
  workerScript: string;
}

/** One revision file as the main thread read it. */
interface ReadFile {
  path: string;
  hash: string | undefined;
  /** The decoded text, kept for the files to report on (unless the cache makes it unneeded). */
  text: string | undefined;
  reported: boolean;
  /** The scanned header: from the cache, or scanned by `buildProject`. */
  header: RevisionHeader | undefined;
  /** Why the bytes could not be read or decoded. */
  error: string | undefined;
  /** The first step's result from the cache, when it matches the bytes and the settings. */
  cachedLint: CachedLint | undefined;
}

interface ReadJob {
  files: ReadFile[];
  byPath: Map<string, ReadFile>;
  project: RevisionProject | undefined;
}

export async function lintHistory(run: HistoryLint): Promise<LintRound> {
  const readAll = (): ReadJob[] => run.jobs.map((job, j) => readJob(job, new Set(run.reported[j]), run.cache, run.keys[j]!));
  // Without a cache every reported file is linted, so the workers can start before the files
  // are read; with one, the files are hashed first to know which results it holds.
  let reads = run.cache ? readAll() : undefined;
  const misses = reads ? run.reported.map((files, j) => files.filter((f) => reads![j]!.byPath.get(f)?.cachedLint === undefined)) : run.reported;
  const threads = threadCount(run.threads, misses.reduce((n, files) => n + files.length, 0));
  const chunks = chunksOf(misses, threads);
  let sql: SqlParser | undefined;
  const results = await lintInParallel({
    script: run.workerScript,
    threads,
    jobs: run.jobs,
    chunks,
    lintHere: (chunk) => new LocalLinter(run.jobs, sql!).lint(chunk),
    meanwhile: async () => {
      // While the workers start and take chunks, the main thread reads the files and builds
      // the graphs, which only it needs.
      reads ??= readAll();
      for (const read of reads) buildProject(read, run.cache);
      sql = await run.sql;
    },
  });
  if (!reads) throw new Error('the files of the lint were never read');
  const linted = new Map<string, LocalFileLint>();
  for (const chunkResult of results) for (const r of chunkResult) linted.set(r.file, r);

  const findings: Finding[] = [];
  const ruleErrors: ReportedRuleError[] = [];
  const unresolved: LintRound['unresolved'] = [];
  run.jobs.forEach((job, j) => {
    const read = reads![j]!;
    const options = {
      ...phaseOptions(job, sql!),
      onRuleError: (e: { rule: RuleId; file: string; error: unknown }) =>
        ruleErrors.push({ rule: e.rule, file: e.file, reason: e.error instanceof Error ? e.error.message : String(e.error) }),
    };
    const jobFindings: Finding[] = [];
    const sharedOutcomes = new Map<string, ReadonlyMap<RuleId, RuleOutcome>>();
    for (const path of run.reported[j]!) {
      const file = read.byPath.get(path);
      if (!file || !read.project) continue;
      for (const value of read.project.entry(path)?.unresolved ?? []) unresolved.push({ file: path, value });
      let local: LocalFileLint | CachedLint | undefined = file.cachedLint ?? linted.get(path);
      // A file that changed between the main thread's read and the worker's is linted again
      // from the main thread's text, so that both steps see the same bytes.
      if (local === undefined || ('hash' in local && local.hash !== file.hash)) local = lintTextLocally(job, path, file.text ?? '', file.hash, sql!);
      if (!file.cachedLint && file.hash !== undefined && run.cache) {
        const cached = run.cache.get(path);
        if (cached?.hash === file.hash) run.cache.set(path, { ...cached, lint: toCached(local, run.keys[j]!) });
      }
      const header = local.parsedHeader ?? { ...file.header!, problems: local.problems };
      // A file the cache had, without suppression comments, was not decoded: its text is read
      // again only if a graph rule asks for it (to quote a literal in a fix, say).
      const lazy = lazyRevisionFile(header, file.text ?? (() => readSource(path).text), (t) => parseRevisionFile(path, t));
      const known = knownOutcomes(local, options.settings, sharedOutcomes);
      const comments = local.hasDirectives ? readSuppressionComments(lazy.text) : NO_DIRECTIVES;
      for (const f of finishLint(lazy, known, job.env, read.project, options, { comments })) jobFindings.push(f);
    }
    for (const f of jobFindings.sort(compareFindings)) findings.push(f);
  });
  return { findings, ruleErrors, unresolved, hashes: reads.map((read) => read.files.map((f) => f.hash)) };
}

function toCached(local: LocalFileLint | CachedLint, key: string): CachedLint {
  return {
    key,
    dependent: local.dependent,
    findings: local.findings,
    problems: local.problems,
    ...(local.parsedHeader ? { parsedHeader: local.parsedHeader } : {}),
    hasDirectives: local.hasDirectives,
  };
}

/**
 * The local rules' outcomes, rebuilt from the first step's findings: every rule that is on and
 * not dependent. Most rules find nothing in most files, so their outcomes are shared, frozen
 * objects (finishLint only reads them), made once per settings and set of dependent rules.
 */
function knownOutcomes(local: LocalFileLint | CachedLint, settings: LintJobSpec['settings'], shared: Map<string, ReadonlyMap<RuleId, RuleOutcome>>): Map<RuleId, RuleOutcome> {
  const sharedKey = local.dependent.join(' ');
  let empty = shared.get(sharedKey);
  if (empty === undefined) {
    const dependent = new Set(local.dependent);
    const made = new Map<RuleId, RuleOutcome>();
    for (const rule of RULES) {
      if ((settings[rule.id] ?? rule.defaultSeverity) === 'off' || dependent.has(rule.id)) continue;
      made.set(rule.id, Object.freeze({ rule: rule.id, findings: Object.freeze([]) as unknown as Finding[], dependent: false }));
    }
    shared.set(sharedKey, made);
    empty = made;
  }
  const out = new Map(empty);
  for (const f of local.findings) {
    const outcome = out.get(f.rule);
    if (outcome === undefined) continue;
    if (outcome === empty.get(f.rule)) out.set(f.rule, { rule: f.rule, findings: [f], dependent: false });
    else outcome.findings.push(f);
  }
  return out;
}

/**
 * Reads every file of a job once: its hash, its text when it is reported on or its header is
 * not cached, and the cached results that still match. The shared read buffer is reused for
 * the next file, so whatever needs the bytes is done here.
 */
function readJob(job: LintJobSpec, reported: ReadonlySet<string>, cache: ResultCache | undefined, key: string): ReadJob {
  const files: ReadFile[] = [];
  const byPath = new Map<string, ReadFile>();
  for (const path of job.files) {
    const file = cache ? readThroughCache(path, reported.has(path), cache, key) : readWhole(path, reported.has(path));
    files.push(file);
    byPath.set(path, file);
  }
  return { files, byPath, project: undefined };
}

function readWhole(path: string, reported: boolean): ReadFile {
  const read = readBytes(path);
  if ('error' in read) return { path, hash: undefined, text: '', reported, header: undefined, error: read.error, cachedLint: undefined };
  const { text, error } = decodePythonSource(read.bytes);
  return { path, hash: read.hash, text, reported, header: undefined, error, cachedLint: undefined };
}

/**
 * A file as the cache knows it. When the file's stamp is unchanged (cacheFile.ts), its hash is
 * the recorded one and its bytes are read only if something needs the text: a header the cache
 * lacks, a lint it lacks, or the suppression comments of a file that has some.
 */
function readThroughCache(path: string, reported: boolean, cache: ResultCache, key: string): ReadFile {
  const { stamp, known } = cache.probe(path);
  const lookUp = (hash: string): { hit: CachedFile | undefined; cachedLint: CachedLint | undefined; needsText: boolean } => {
    const cached = cache.get(path);
    const hit = cached?.hash === hash ? cached : undefined;
    const cachedLint = hit?.lint?.key === key ? hit.lint : undefined;
    return { hit, cachedLint, needsText: hit === undefined || (reported && (cachedLint === undefined || cachedLint.hasDirectives)) };
  };
  if (known !== undefined) {
    const found = lookUp(known);
    if (!found.needsText) return { path, hash: known, text: undefined, reported, header: found.hit!.header, error: found.hit!.decodeError, cachedLint: found.cachedLint };
  }
  const read = readBytes(path);
  if ('error' in read) return { path, hash: undefined, text: '', reported, header: undefined, error: read.error, cachedLint: undefined };
  cache.noteStamp(path, stamp, read.hash);
  const { hit, cachedLint, needsText } = lookUp(read.hash);
  const decoded = needsText ? decodePythonSource(read.bytes) : undefined;
  return { path, hash: read.hash, text: decoded?.text, reported, header: hit?.header, error: hit ? hit.decodeError : decoded?.error, cachedLint };
}

/** Scans the headers the cache did not have and builds the job's graph from all of them. */
function buildProject(read: ReadJob, cache: ResultCache | undefined): void {
  const items = read.files.map((file) => {
    let header = file.header;
    if (header === undefined) {
      header = scanRevisionHeader(file.path, file.text ?? '');
      file.header = header;
      if (cache && file.hash !== undefined) cache.set(file.path, { hash: file.hash, header, ...(file.error ? { decodeError: file.error } : {}) });
    }
    // Only the files to report on need their text past this point.
    if (!file.reported) file.text = undefined;
    return { header, ...(file.error ? { error: file.error } : {}) };
  });
  read.project = new RevisionProject();
  read.project.loadHeaders(items);
}
