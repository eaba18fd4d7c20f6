import type { AlembicEnvironment } from '../config';
import type { EnvironmentDialect } from '../dialect/environment';
import type { RULE_BY_ID } from './registry';
import type { RevisionFile } from '../parse/types';
import type { RevisionProject } from '../project/revisionProject';
import type { Range } from '../types';

/**
 * The shapes every lint rule shares. A rule looks at one revision file (with the whole
 * environment's graph at hand for chain rules) and reports findings; the runner applies the
 * configured severity and the suppression comments, and isolates a rule that throws.
 */

export type Severity = 'error' | 'warning' | 'info' | 'hint';
export type RuleSetting = Severity | 'off';

/** A rule's id: a key of the registry (registry.ts), which is the one list of rules. */
export type RuleId = keyof typeof RULE_BY_ID;

export interface TextEdit {
  range: Range;
  newText: string;
}

/** A fix is a set of edits to existing files and, optionally, new files to create. */
export interface Fix {
  title: string;
  /** Edits per absolute file path. */
  edits: { file: string; edits: TextEdit[] }[];
  /** New files to create (absolute path and content), for example a merge revision. */
  creates?: { file: string; text: string }[];
  isPreferred?: boolean;
}

export interface Finding {
  rule: RuleId;
  severity: Severity;
  /** One sentence saying what will break. */
  message: string;
  /** Absolute path. */
  file: string;
  range: Range;
  /** The safe alternative, in a sentence, when there is one. */
  help?: string;
  fixes?: Fix[];
}

/**
 * What a rule reports; the runner fills in the rule id, the severity and the file. Two
 * exceptions, for findings about the environment rather than the file (missing-downgrade's
 * note on a project that does not write downgrades): `file` places the finding in another
 * file (the config), where no suppression comment of the revision file applies, and
 * `severity` asks for a milder severity than the configured one, never a stronger.
 */
export type Report = Omit<Finding, 'rule' | 'severity' | 'file'> & { file?: string; severity?: Severity };

/**
 * When `non-idempotent-ddl` and `non-idempotent-op` report: `auto` only where a second run
 * can happen (an autocommit block, a dialect without transactional DDL, a base revision),
 * `everywhere` for teams whose convention is idempotent migrations, `off` never.
 */
export type Idempotency = 'auto' | 'everywhere' | 'off';
export const IDEMPOTENCY_MODES: readonly Idempotency[] = ['auto', 'everywhere', 'off'];

/** Whether the project writes downgrades; detected from the history when not configured. */
export type DowngradePolicy = 'required' | 'optional';
export const DOWNGRADE_POLICIES: readonly DowngradePolicy[] = ['required', 'optional'];

/** The targets and conventions that rules' advice depends on, per environment. */
export interface LintTargets {
  /** [major, minor, patch] of the project's Alembic, or undefined when unknown (assume the oldest). */
  alembicVersion: readonly [number, number, number] | undefined;
  /** The PostgreSQL major version; 14 unless configured. */
  postgresVersion: number;
  /** What the lock and downtime rules check; their defaults (see DEFAULT_LOCK_SETTINGS) when absent. */
  locks?: LockSettings;
  /**
   * The environment's database (setting, URL, env.py; see core/dialect). Undefined means
   * PostgreSQL with transactional DDL (DEFAULT_DIALECT); ask `dialectAt` for a code location.
   */
  dialect?: EnvironmentDialect;
  /** Undefined means `auto`. */
  idempotency?: Idempotency;
  /** Undefined means detected from the history (see missing-downgrade). */
  downgrades?: DowngradePolicy;
}

/** The settings the lock and downtime rules share (`[tool.alembic-pilot]`, docs/CONFIGURATION.md). */
export interface LockSettings {
  /** `check-downgrade`: whether downgrade() functions are checked too. */
  checkDowngrade: boolean;
  /**
   * `lock-rules-start-after`: revisions that already ran in production. These and their
   * ancestors are not checked; empty checks every revision.
   */
  startAfter: readonly string[];
  /** `lock-timeout`: "role" when the database role sets lock_timeout, so migrations need not. */
  lockTimeout: 'migration' | 'role';
}

/**
 * PostgreSQL's own parser (libpg-query, WASM), loaded once and off the activation path. Until
 * it is loaded, SQL rules see `undefined` and report nothing rather than guess.
 */
export interface SqlParser {
  /**
   * Parses one SQL text. Statements carry their location and length in UTF-16 offsets of
   * `sql` (libpg-query counts bytes; the implementation converts), and `stmt` is the parse
   * tree node as libpg-query returns it.
   */
  parse(sql: string): { statements: { stmt: Record<string, unknown>; location: number; length: number }[] } | { error: { message: string; offset: number } };
  /**
   * Parses the body of a `DO` block (or of a plpgsql function) with PL/pgSQL's own parser and
   * returns its `PLpgSQL_function` tree, so rules can see exception handlers and `IF` guards
   * around the statements inside. Optional so that simple test doubles need not provide it.
   */
  parsePlpgsql?(body: string): { function: Record<string, unknown> } | { error: { message: string } };
}

export interface RuleContext {
  file: RevisionFile;
  env: AlembicEnvironment;
  /** The environment's revisions and graph, for chain rules. */
  project: RevisionProject;
  targets: LintTargets;
  sql: SqlParser | undefined;
  report(r: Report): void;
}

export interface Rule {
  id: RuleId;
  defaultSeverity: RuleSetting;
  /** A short description for `--help`, SARIF's `shortDescription` and the docs index. */
  description: string;
  /**
   * Set on rules that read SQL through `RuleContext.sql`. While the parser is not loaded such
   * a rule reports nothing, so its suppression comments are not reported as unused.
   */
  needsSql?: boolean;
  check(ctx: RuleContext): void;
}
