import path from 'node:path';
import { type AlembicEnvironment, ConfigError, listRevisionFiles, loadEnvironment } from '../core/config';
import { pyStrip } from '../core/config/pyText';
import { docMessage, historyLine } from '../core/graph/historyText';
import type { Revision } from '../core/graph/revision';
import { RevisionProject } from '../core/project/revisionProject';
import { readBytes } from '../core/project/source';
import type { RevisionHeader } from '../core/revisionHeader';
import { decodePythonSource } from '../core/scan/decode';
import { scanRevisionHeader } from '../core/scan/headerScanner';
import type { Problem } from '../core/types';
import { cacheFilePath, outputKey, ResultCache, toolFingerprint, type CachedFile, type CachedOutput, type CacheStrategy } from './cacheFile';
import { UsageError, type CliIO } from './io';
import { unresolvedNote } from './unresolvedNote';

/**
 * `alembic-pilot graph`: the revision graph of one environment, as text that reads like
 * `alembic history` or as one JSON object. With `--cache`, the scanned headers are kept
 * between runs (cacheFile.ts), and so is the output: an unchanged history (the same files with
 * the same bytes, in the same order) is printed from the cache without building the graph.
 */

export interface GraphOptions {
  json: boolean;
  name?: string;
  target: string;
  /** `--cache`: scanned headers and outputs are kept between runs, keyed as `lint --cache` keys them. */
  cache?: boolean;
  cacheLocation?: string;
  /** `--cache-strategy`: `metadata` (the default) takes an unchanged file's hash from its stamp. */
  cacheStrategy?: CacheStrategy;
}

interface JsonProblem {
  code: string;
  message: string;
  file?: string;
  line?: number;
}

/** What a command prints, built before anything is printed so that it can be cached. */
export type Output = CachedOutput;

/**
 * Runs `graph` or `heads`: loads the environment (its warnings go to stderr at once), then
 * prints `render`'s output for the environment's project, or the cached output of the same
 * command on the same files.
 */
export function runGraphLike(kind: 'graph' | 'heads', opts: GraphOptions, io: CliIO, render: (env: AlembicEnvironment, project: RevisionProject) => Output): number {
  let env;
  try {
    env = loadEnvironment(path.resolve(io.cwd, opts.target), opts.name ? { section: opts.name } : undefined);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const where = (p: { file: string; line?: number }): string => (p.line === undefined ? p.file : `${p.file}:${p.line}`);
  // Alembic fails on a script location that points nowhere, so graph and heads do too.
  const broken = env.problems.find((p) => p.pointsNowhere === 'script-location');
  if (broken) throw new UsageError(`${where(broken)}: ${broken.message}.`);
  for (const p of env.problems) io.stderr(`warning: ${where(p)}: ${p.message}`);
  // Alembic silently skips a version location that does not exist; a CI gate should not.
  const nowhere = env.problems.some((p) => p.pointsNowhere === 'version-location');
  const code = (exit: number): number => (nowhere ? Math.max(exit, 1) : exit);
  const files = listRevisionFiles(env);
  const project = new RevisionProject();
  if (!opts.cache) {
    project.loadFromDisk(files);
    return code(emit(render(env, project), io));
  }
  const cache = ResultCache.open(cacheFilePath(io.cwd, opts.cacheLocation), toolFingerprint(), (note) => io.stderr(note), opts.cacheStrategy);
  const key = (hashes: readonly (string | undefined)[]): string | undefined => graphOutputKey(kind, opts.json, env, files, hashes);
  const before = key(files.map((f) => cache.hashOf(f)));
  const cached = before === undefined ? undefined : cache.getOutput(before);
  if (cached) {
    // Stamps of files that changed and changed back, or that have just settled, are kept.
    const unsaved = cache.save();
    if (unsaved) io.stderr(unsaved);
    return code(emit(cached, io));
  }
  // The headers come from the cache where the hashes match, else from the files, and the
  // output is filed under the hashes of what was read this time, so a file that changes
  // meanwhile cannot leave a wrong output in the cache.
  const read = readHeaders(files, cache);
  project.loadHeaders(read);
  const output = render(env, project);
  const after = key(read.map((r) => r.hash));
  if (after !== undefined) cache.setOutput(after, output);
  const unsaved = cache.save();
  if (unsaved) io.stderr(unsaved);
  return code(emit(output, io));
}

function emit(output: Output, io: CliIO): number {
  if (output.stdout !== '') io.stdout(output.stdout);
  for (const line of output.stderr) io.stderr(line);
  return output.code;
}

/**
 * The key of an output: the command and its format, the environment's configuration (without
 * the database URL, which no output shows) and every revision file's path and content hash in
 * load order. The tool is the cache file's own key.
 */
function graphOutputKey(kind: string, json: boolean, env: AlembicEnvironment, files: readonly string[], hashes: readonly (string | undefined)[]): string | undefined {
  const { sqlalchemyUrl: _url, ...config } = env;
  return outputKey({ kind, json, config }, [{ files, hashes }]);
}

/**
 * Each file's header: from the cache when its bytes hash the same (known from the file's
 * unchanged stamp without reading it, or read and hashed), else scanned (and cached).
 */
function readHeaders(files: readonly string[], cache: ResultCache): { header: RevisionHeader; error?: string; hash: string | undefined }[] {
  const fromCache = (cached: CachedFile): { header: RevisionHeader; error?: string; hash: string } => ({ header: cached.header, ...(cached.decodeError ? { error: cached.decodeError } : {}), hash: cached.hash });
  return files.map((file) => {
    const { stamp, known } = cache.probe(file);
    const cached = cache.get(file);
    if (cached && known === cached.hash) return fromCache(cached);
    const read = readBytes(file);
    if ('error' in read) return { header: scanRevisionHeader(file, ''), error: read.error, hash: undefined };
    cache.noteStamp(file, stamp, read.hash);
    if (cached?.hash === read.hash) return fromCache(cached);
    const { text, error } = decodePythonSource(read.bytes);
    const header = scanRevisionHeader(file, text);
    cache.set(file, { hash: read.hash, header, ...(error ? { decodeError: error } : {}) });
    return { header, ...(error ? { error } : {}), hash: read.hash };
  });
}

/** Paths relative to the config's folder, with forward slashes, as `graph` prints them. */
export function relativeTo(env: AlembicEnvironment): (file: string) => string {
  const prefix = env.here.endsWith(path.sep) ? env.here : env.here + path.sep;
  return (file) => (file.startsWith(prefix) ? file.slice(prefix.length) : path.relative(env.here, file)).split(path.sep).join('/');
}

/** The project's problems for stderr, one `file:line: error[code] message` line each. */
export function problemLines(problems: readonly Problem[], relative: (file: string) => string): string[] {
  return problems.map((p) => {
    const where = p.file ? `${relative(p.file)}${p.range ? `:${p.range.start.line + 1}` : ''}: ` : '';
    return `${where}error[${p.code}] ${p.message}`;
  });
}

export function runGraph(opts: GraphOptions, io: CliIO): number {
  return runGraphLike('graph', opts, io, (env, project) => renderGraph(env, project, opts.json));
}

function renderGraph(env: AlembicEnvironment, project: RevisionProject, json: boolean): Output {
  const script = project.script;
  const problems = project.problems();
  const relative = relativeTo(env);
  const toJson = (p: Problem): JsonProblem => ({
    code: p.code,
    message: p.message,
    ...(p.file ? { file: relative(p.file) } : {}),
    ...(p.range ? { line: p.range.start.line + 1 } : {}),
  });
  const stderr: string[] = [];
  const code = problems.length > 0 ? 1 : 0;

  const { revisions: ordered, error } = script.historyOrder();
  if (error) stderr.push(`warning: the history cannot be ordered as Alembic would (${error}); revisions are listed in file order.`);
  const messageOf = (rev: Revision): string => docMessage(project.entry(rev.path)?.header.docstring, pyStrip);

  if (!json) {
    const note = unresolvedNote(project.entries().flatMap((e) => e.unresolved.map((value) => ({ file: relative(e.header.path), value }))));
    if (note) stderr.push(note);
    stderr.push(...problemLines(problems, relative));
    return { stdout: ordered.map((rev) => historyLine(rev, messageOf(rev))).join('\n'), stderr, code };
  }
  const byFile = new Map<string, JsonProblem[]>();
  for (const p of problems) {
    if (p.file === undefined) continue;
    const list = byFile.get(p.file) ?? [];
    list.push(toJson(p));
    byFile.set(p.file, list);
  }
  const out = {
    config: env.configFile,
    heads: [...script.getHeads()].sort(),
    bases: [...script.getBases()].sort(),
    realHeads: [...script.getHeads(true)].sort(),
    realBases: [...script.map.realBases].sort(),
    revisions: ordered.map((rev) => {
      const entry = project.entry(rev.path);
      return {
        id: rev.revision,
        file: relative(rev.path),
        downRevisions: [...rev.downRevision],
        dependsOn: [...rev.dependencies],
        branchLabels: [...rev.origBranchLabels],
        message: messageOf(rev),
        problems: byFile.get(rev.path) ?? [],
        ...(entry && entry.unresolved.length > 0 ? { unresolved: entry.unresolved } : {}),
      };
    }),
    problems: problems.map(toJson),
  };
  return { stdout: JSON.stringify(out, null, 2), stderr, code };
}
