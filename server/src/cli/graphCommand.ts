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
import { cacheFilePath, ResultCache, toolFingerprint } from './cacheFile';
import { UsageError, type CliIO } from './io';

/**
 * `alembic-pilot graph`: the revision graph of one environment, as text that reads like
 * `alembic history` or as one JSON object.
 */

export interface GraphOptions {
  json: boolean;
  name?: string;
  target: string;
  /** `--cache`: scanned headers are kept between runs, keyed as `lint --cache` keys them. */
  cache?: boolean;
  cacheLocation?: string;
}

interface JsonProblem {
  code: string;
  message: string;
  file?: string;
  line?: number;
}

/** The environment of a `graph` or `heads` command and its project; warnings go to stderr. */
export function loadGraphProject(opts: Omit<GraphOptions, 'json'>, io: CliIO): { env: AlembicEnvironment; project: RevisionProject } {
  let env;
  try {
    env = loadEnvironment(path.resolve(io.cwd, opts.target), opts.name ? { section: opts.name } : undefined);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  for (const p of env.problems) io.stderr(`warning: ${p.line === undefined ? p.file : `${p.file}:${p.line}`}: ${p.message}`);
  const project = new RevisionProject();
  const files = listRevisionFiles(env);
  if (!opts.cache) {
    project.loadFromDisk(files);
    return { env, project };
  }
  const { cache, note } = ResultCache.open(cacheFilePath(io.cwd, opts.cacheLocation), toolFingerprint());
  if (note) io.stderr(note);
  project.loadHeaders(readHeaders(files, cache));
  const unsaved = cache.save();
  if (unsaved) io.stderr(unsaved);
  return { env, project };
}

/** Each file's header: from the cache when its bytes hash the same, else scanned (and cached). */
function readHeaders(files: readonly string[], cache: ResultCache): { header: RevisionHeader; error?: string }[] {
  return files.map((file) => {
    const read = readBytes(file);
    if ('error' in read) return { header: scanRevisionHeader(file, ''), error: read.error };
    const cached = cache.get(file);
    if (cached?.hash === read.hash) return { header: cached.header, ...(cached.decodeError ? { error: cached.decodeError } : {}) };
    const { text, error } = decodePythonSource(read.bytes);
    const header = scanRevisionHeader(file, text);
    cache.set(file, { hash: read.hash, header, ...(error ? { decodeError: error } : {}) });
    return { header, ...(error ? { error } : {}) };
  });
}

/** Paths relative to the config's folder, with forward slashes, as `graph` prints them. */
export function relativeTo(env: AlembicEnvironment): (file: string) => string {
  const prefix = env.here.endsWith(path.sep) ? env.here : env.here + path.sep;
  return (file) => (file.startsWith(prefix) ? file.slice(prefix.length) : path.relative(env.here, file)).split(path.sep).join('/');
}

/** The project's problems on stderr, one `file:line: error[code] message` line each. */
export function printProblems(problems: readonly Problem[], relative: (file: string) => string, io: CliIO): void {
  for (const p of problems) {
    const where = p.file ? `${relative(p.file)}${p.range ? `:${p.range.start.line + 1}` : ''}: ` : '';
    io.stderr(`${where}error[${p.code}] ${p.message}`);
  }
}

export function runGraph(opts: GraphOptions, io: CliIO): number {
  const { env, project } = loadGraphProject(opts, io);
  const script = project.script;
  const problems = project.problems();
  const relative = relativeTo(env);
  const toJson = (p: Problem): JsonProblem => ({
    code: p.code,
    message: p.message,
    ...(p.file ? { file: relative(p.file) } : {}),
    ...(p.range ? { line: p.range.start.line + 1 } : {}),
  });

  const { revisions: ordered, error } = script.historyOrder();
  if (error) io.stderr(`warning: the history cannot be ordered as Alembic would (${error}); revisions are listed in file order.`);
  const messageOf = (rev: Revision): string => docMessage(project.entry(rev.path)?.header.docstring, pyStrip);

  if (opts.json) {
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
    io.stdout(JSON.stringify(out, null, 2));
  } else {
    if (ordered.length > 0) io.stdout(ordered.map((rev) => historyLine(rev, messageOf(rev))).join('\n'));
    printProblems(problems, relative, io);
  }
  return problems.length > 0 ? 1 : 0;
}
