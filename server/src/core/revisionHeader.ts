import type { Problem, Range } from './types';

/**
 * One string literal inside a revision-identifier assignment, e.g. `"ae1027a6acf"` inside
 * `down_revision = ("ae1027a6acf", "27c6a30d7c24")`. The range covers the literal, quotes
 * included, so that go-to-definition and hover can target it.
 */
export interface IdLiteral {
  value: string;
  range: Range;
}

/**
 * A module-level assignment to `revision`, `down_revision`, `branch_labels` or `depends_on`.
 *
 * `ids` is what Alembic ends up with after `util.to_tuple`: `None` gives `[]`, a string gives
 * `[s]`, a tuple or list gives its items. When the value is not made of literals
 * (`branch_labels = (cli.CONTRACT_BRANCH,)`), `ids` is undefined and `text` keeps the source
 * so that messages can quote it; the value is never guessed.
 */
export interface RevisionAssignment {
  ids: string[] | undefined;
  /** The value was the literal `None`. */
  isNone: boolean;
  /** Source text of the value expression. */
  text: string;
  /** The whole statement, `down_revision: str | None = "abc"`. */
  range: Range;
  /** Just the value expression. */
  valueRange: Range;
  /** Each string literal of the value, in order; empty when the value is unresolved. */
  literals: IdLiteral[];
}

export interface DocstringHeaders {
  revisionId?: { value: string; range: Range };
  revises?: { value: string; range: Range };
  createDate?: { value: string; range: Range };
}

/**
 * What the revision graph needs from one file. Both the fast module-level scanner and the full
 * parser produce it, and the two must agree on every field for every file.
 */
export interface RevisionHeader {
  /** Absolute path. */
  path: string;
  revision?: RevisionAssignment;
  downRevision?: RevisionAssignment;
  branchLabels?: RevisionAssignment;
  dependsOn?: RevisionAssignment;
  /** The module docstring's value, as Python evaluates it, when the module has one. */
  docstring?: string;
  docstringRange?: Range;
  headers: DocstringHeaders;
  problems: Problem[];
}
