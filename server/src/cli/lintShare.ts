import { isDeepStrictEqual } from 'node:util';
import type { AlembicEnvironment } from '../core/config';
import { parseRevisionFile } from '../core/parse';
import { headerOf } from '../core/parse/lazyRevisionFile';
import { readBytes } from '../core/project/source';
import type { RevisionHeader } from '../core/revisionHeader';
import { localOutcomes, runRules, type PhaseOptions } from '../core/rules/phases';
import type { Finding, LintTargets, RuleId, SqlParser } from '../core/rules/types';
import { decodePythonSource } from '../core/scan/decode';
import { hasDirectives } from '../core/rules/suppressions';
import { scanRevisionHeader } from '../core/scan/headerScanner';
import type { Problem } from '../core/types';
import { loadSqlParser } from '../core/sql';
import { UsageError } from './io';
import type { EnvironmentSettings } from './lintSettings';

/**
 * What every thread of `lint` does alike, the main thread and the workers: the first step of
 * linting a file (core/rules/phases.ts), which needs the file and the settings but not the
 * graph. Each file is read, hashed, parsed fully and linted, and its parse is dropped; what
 * crosses threads is plain data, and it is also what `--cache` keeps.
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
  /** Values of the reported files that are not literals, as `branch_labels = x.Y`, for one note on stderr. */
  unresolved: { file: string; value: string }[];
  /**
   * Per job, the content hash of every file in load order, as this round read it (undefined
   * for an unreadable file): what `lint --cache` files the round's output under.
   */
  hashes: (string | undefined)[][];
}

/** What the first step found in one file. */
export interface LocalFileLint {
  file: string;
  /** The hash of the bytes that were linted (core/project/source.ts), or undefined when unreadable. */
  hash: string | undefined;
  /** The rules that read the graph or threw: the second step runs them. */
  dependent: RuleId[];
  /** The other rules' findings, before suppressions, in the rule list's order. */
  findings: Finding[];
  /** The full parser's problems. */
  problems: Problem[];
  /** The full parser's header when it differs from the scanner's beyond `problems`. */
  parsedHeader?: RevisionHeader;
  /** Whether the text has an `alembic-pilot` comment (a suppression, say), see suppressions.ts. */
  hasDirectives: boolean;
}

export function phaseOptions(job: LintJobSpec, sql: SqlParser): PhaseOptions {
  return { settings: job.settings, targets: job.targets, sql };
}

/** Reads one file and lints it without the graph. */
export function lintFileLocally(job: LintJobSpec, path: string, sql: SqlParser): LocalFileLint {
  const read = readBytes(path);
  const text = 'error' in read ? '' : decodePythonSource(read.bytes).text;
  return lintTextLocally(job, path, text, 'error' in read ? undefined : read.hash, sql);
}

/** Lints a file's decoded text without the graph; `hash` is that of the bytes it came from. */
export function lintTextLocally(job: LintJobSpec, path: string, text: string, hash: string | undefined, sql: SqlParser): LocalFileLint {
  const file = parseRevisionFile(path, text);
  const outcomes = runRules(file, job.env, undefined, phaseOptions(job, sql));
  const local = localOutcomes(outcomes);
  const dependent = outcomes.filter((o) => o.dependent).map((o) => o.rule);
  const parsed = headerOf(file);
  // The scanner and the full parser agree on every header field (an invariant the tests
  // hold them to); the check here makes the second step exact even where they would not.
  const agrees = sameHeader(parsed, scanRevisionHeader(path, file.text));
  return {
    file: path,
    hash,
    dependent,
    findings: local.flatMap((o) => o.findings),
    problems: parsed.problems,
    ...(agrees ? {} : { parsedHeader: parsed }),
    hasDirectives: hasDirectives(file.text),
  };
}

/** Equal as they would be after a trip through JSON (the cache): key order and undefined fields do not count. */
function sameHeader(a: RevisionHeader, b: RevisionHeader): boolean {
  const plain = (h: RevisionHeader): unknown => JSON.parse(JSON.stringify({ ...h, problems: [] }));
  return isDeepStrictEqual(plain(a), plain(b));
}

/** Lints chunks of files on one thread, without the graph. */
export class LocalLinter {
  constructor(
    private readonly jobs: readonly LintJobSpec[],
    private readonly sql: SqlParser,
  ) {}

  lint(chunk: Chunk): LocalFileLint[] {
    const job = this.jobs[chunk.job]!;
    return chunk.files.map((file) => lintFileLocally(job, file, this.sql));
  }
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
