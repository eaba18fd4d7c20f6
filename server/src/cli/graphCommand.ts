import path from 'node:path';
import { ConfigError, listRevisionFiles, loadEnvironment } from '../core/config';
import { pyStrip } from '../core/config/pyText';
import { docMessage, historyLine } from '../core/graph/historyText';
import type { Revision } from '../core/graph/revision';
import { RevisionProject } from '../core/project/revisionProject';
import type { Problem } from '../core/types';
import { UsageError, type CliIO } from './io';
import { unresolvedNote } from './unresolvedNote';

/**
 * `alembic-pilot graph`: the revision graph of one environment, as text that reads like
 * `alembic history` or as one JSON object.
 */

export interface GraphOptions {
  json: boolean;
  name?: string;
  target: string;
}

interface JsonProblem {
  code: string;
  message: string;
  file?: string;
  line?: number;
}

export function runGraph(opts: GraphOptions, io: CliIO): number {
  let env;
  try {
    env = loadEnvironment(path.resolve(io.cwd, opts.target), opts.name ? { section: opts.name } : undefined);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const where = (p: { file: string; line?: number }): string => (p.line === undefined ? p.file : `${p.file}:${p.line}`);
  // Alembic fails on a script location that points nowhere, so graph does too.
  const broken = env.problems.find((p) => p.pointsNowhere === 'script-location');
  if (broken) throw new UsageError(`${where(broken)}: ${broken.message}.`);
  for (const p of env.problems) io.stderr(`warning: ${where(p)}: ${p.message}`);
  const nowhere = env.problems.some((p) => p.pointsNowhere === 'version-location');

  const project = new RevisionProject();
  project.loadFromDisk(listRevisionFiles(env));
  const script = project.script;
  const problems = project.problems();
  const prefix = env.here.endsWith(path.sep) ? env.here : env.here + path.sep;
  const relative = (file: string): string =>
    (file.startsWith(prefix) ? file.slice(prefix.length) : path.relative(env.here, file)).split(path.sep).join('/');
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
          problems: problems.filter((p) => p.file === rev.path).map(toJson),
          ...(entry && entry.unresolved.length > 0 ? { unresolved: entry.unresolved } : {}),
        };
      }),
      problems: problems.map(toJson),
    };
    io.stdout(JSON.stringify(out, null, 2));
  } else {
    for (const rev of ordered) io.stdout(historyLine(rev, messageOf(rev)));
    const note = unresolvedNote(project.entries().flatMap((e) => e.unresolved.map((value) => ({ file: relative(e.header.path), value }))));
    if (note) io.stderr(note);
    for (const p of problems) {
      const where = p.file ? `${relative(p.file)}${p.range ? `:${p.range.start.line + 1}` : ''}: ` : '';
      io.stderr(`${where}error[${p.code}] ${p.message}`);
    }
  }
  return problems.length > 0 || nowhere ? 1 : 0;
}
