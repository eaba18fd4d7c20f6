import type { AlembicEnvironment } from '../core/config';
import { RevisionProject } from '../core/project/revisionProject';
import { compareFindings, fullParse, lintFile, type LintOptions, type RuleError } from '../core/rules/runner';
import type { Finding, LintTargets, RuleId, SqlParser } from '../core/rules/types';
import { loadSqlParser } from '../core/sql';
import { UsageError } from './io';
import type { EnvironmentSettings } from './lintSettings';

/**
 * What every thread of `lint` does alike, the main thread and the workers: build an
 * environment's project from the fast header scanner, and lint chunks of its files, each file
 * parsed fully only while its rules run. Everything that crosses threads is plain data.
 */

/** One environment to lint, as every thread receives it. */
export interface LintJobSpec {
  env: AlembicEnvironment;
  /** Every revision file of the environment, in Alembic's load order: the project's graph. */
  files: string[];
  settings: EnvironmentSettings['settings'];
  targets: LintTargets;
}

/** Some files of one job, in load order: the unit of work a thread takes. */
export interface Chunk {
  job: number;
  files: string[];
}

/** A rule that threw on a file, with the error reduced to its message so it can cross threads. */
export interface ReportedRuleError {
  rule: RuleId;
  file: string;
  reason: string;
}

/** What linting some files found. Findings keep their fixes, since `--fix` applies them. */
export interface LintRound {
  findings: Finding[];
  ruleErrors: ReportedRuleError[];
  /** Values of these files that are not literals, as `branch_labels = x.Y`, for one note on stderr. */
  unresolved?: { file: string; value: string }[];
}

/**
 * Lints chunks on one thread. A job's project is built from the header scanner when its first
 * chunk comes and dropped when a chunk of the next job does: chunks are taken in order, so a
 * thread never returns to an earlier job. The full parse of each file is made by the runner
 * while that file is linted and dropped after it, so no thread holds more than one syntax
 * tree at a time.
 */
export class ChunkLinter {
  private current: { job: number; project: RevisionProject } | undefined;

  constructor(
    private readonly jobs: readonly LintJobSpec[],
    private readonly sql: SqlParser,
  ) {}

  lint(chunk: Chunk): LintRound {
    const job = this.jobs[chunk.job]!;
    if (this.current?.job !== chunk.job) {
      this.current = undefined;
      const project = new RevisionProject();
      project.loadFromDisk(job.files);
      this.current = { job: chunk.job, project };
    }
    return lintShare(job, this.current.project, this.sql, chunk.files);
  }
}

/**
 * Lints `files` (some or all of the job's, in load order) against the job's whole history,
 * as `lintEnvironment` would with `files` as its `onlyFiles`: the same findings in the same
 * order. It looks the files up instead of walking every entry of the project, which would
 * cost a pass over the whole history per chunk.
 */
function lintShare(job: LintJobSpec, project: RevisionProject, sql: SqlParser, files: readonly string[]): LintRound {
  const ruleErrors: ReportedRuleError[] = [];
  const options: LintOptions = {
    settings: job.settings,
    targets: job.targets,
    sql,
    onRuleError: (e: RuleError) => ruleErrors.push({ rule: e.rule, file: e.file, reason: e.error instanceof Error ? e.error.message : String(e.error) }),
  };
  const findings: Finding[] = [];
  const unresolved: { file: string; value: string }[] = [];
  for (const file of files) {
    const entry = project.entry(file);
    if (!entry) continue;
    for (const f of lintFile(fullParse(entry.header), job.env, project, options)) findings.push(f);
    for (const value of entry.unresolved) unresolved.push({ file, value });
  }
  return { findings: findings.sort(compareFindings), ruleErrors, ...(unresolved.length > 0 ? { unresolved } : {}) };
}

/** The usage error (exit code 2) for a SQL parser that cannot be loaded, on any thread. */
export function sqlParserUnavailable(reason: string): UsageError {
  // Linting without it would pass every SQL rule silently, which a CI job must not mistake for success.
  return new UsageError(`PostgreSQL's parser (libpg-query) could not be loaded, so the SQL rules cannot run: ${reason}`);
}

/** Loads PostgreSQL's parser, or fails with {@link sqlParserUnavailable}. */
export async function loadSqlParserForLint(): Promise<SqlParser> {
  try {
    return await loadSqlParser();
  } catch (e) {
    throw sqlParserUnavailable(e instanceof Error ? e.message : String(e));
  }
}
