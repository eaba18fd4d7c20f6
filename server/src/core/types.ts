/**
 * Shared shapes of the pure core. Nothing here knows about VS Code or LSP: positions are
 * 0-based lines and UTF-16 columns (what JavaScript strings index), which the LSP adapter
 * passes through unchanged and the CLI turns into 1-based numbers.
 */

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/**
 * Problem codes double as the lint rule ids of the language server, so that a problem found
 * by the model and a finding of the linter are the same thing to the user.
 */
export type ProblemCode =
  | 'duplicate-revision'
  | 'unknown-down-revision'
  | 'unknown-dependency'
  | 'revision-cycle'
  | 'branch-label-conflict'
  | 'python-syntax';

export interface Problem {
  code: ProblemCode;
  message: string;
  /** Absolute path of the file the problem is in, when it is in one. */
  file?: string;
  range?: Range;
}

/** A problem with the configuration; it makes the environment unusable or partly usable. */
export interface ConfigProblem {
  message: string;
  /** Absolute path of the config file. */
  file: string;
  /** 1-based line, when the problem is at one. */
  line?: number;
  /**
   * Set on a configuration that points nowhere: `script-location` when Alembic fails (no
   * script_location, or its folder is missing), `version-location` when Alembic silently
   * reads no revisions from a folder that does not exist.
   */
  pointsNowhere?: 'script-location' | 'version-location';
}
