import type { DialectCondition } from '../dialect/condition';
import type { RevisionHeader } from '../revisionHeader';
import type { Position, Range } from '../types';

/** Everything the full parser reads from one revision file. */
export interface RevisionFile extends RevisionHeader {
  /**
   * The text that was parsed and that every range refers to. A leading UTF-8 byte order mark
   * is not part of it, as it is not part of VS Code's document text either.
   */
  text: string;
  /**
   * The module-level `upgrade`/`downgrade` functions and the multidb template's
   * `upgrade_<engine>`/`downgrade_<engine>`, in source order. When a name is defined twice
   * only the last definition is kept, since that is the one Alembic calls.
   */
  functions: MigrationFunction[];
}

export interface MigrationFunction {
  name: string;
  direction: 'upgrade' | 'downgrade';
  /** '' for plain `upgrade()`, 'engine1' for `upgrade_engine1()`. */
  engine: string;
  /** From `def` (or `async def`) to the end of the last statement of the body. */
  range: Range;
  nameRange: Range;
  /** From the first statement (or comment) after the colon to the end of the last statement. */
  bodyRange: Range;
  /** True when the body does nothing: only pass, ..., a docstring, comments. */
  isEmpty: boolean;
  /** True when the body raises NotImplementedError (possibly after a docstring). */
  raisesNotImplemented: boolean;
  /**
   * True when the body always raises: a `raise` directly in the body, with no `return` before
   * it. Such a function never completes, whatever it does first (a downgrade that raises
   * `Exception("no going back")` declares the revision irreversible as NotImplementedError does).
   */
  alwaysRaises: boolean;
  /**
   * Every call on `op` (or on a batch alias) anywhere in the body, nested ones included
   * (`op.f(...)` inside `op.create_index(...)`, `op.get_bind()`), ordered by start offset.
   */
  opCalls: OpCall[];
  /** SQL passed to `op.execute` and to a connection's `execute`, in source order. */
  sql: SqlString[];
  /**
   * Code that runs only on some dialects because an `if` tests the dialect (see
   * parse/dialectGuards.ts), outermost first. Ask `dialectAt` (core/dialect) rather than
   * reading these: a region's condition already includes those of the regions around it.
   */
  dialectGuards: DialectGuard[];
  /**
   * Code under an `if` that tests whether a named object exists (parse/existenceGuards.ts):
   * creating or dropping that object there is guarded as IF [NOT] EXISTS guards it.
   */
  existenceGuards: ExistenceGuard[];
}

/** A region of a function body that runs only after testing for the objects `names` (lower case). */
export interface ExistenceGuard {
  range: Range;
  names: string[];
}

/** A region of a function body and the dialect condition under which it runs. */
export interface DialectGuard {
  range: Range;
  condition: DialectCondition;
}

export interface OpCall {
  /** 'create_table', 'execute', 'add_column', ... */
  name: string;
  /** `batch` = a `with op.batch_alter_table(...) as batch_op:` alias. */
  receiver: 'op' | 'batch';
  /** Literal table of the enclosing batch_alter_table, when known. */
  batchTable?: string;
  /** Inside `with op.get_context().autocommit_block():` (any alias, nested ok). */
  inAutocommitBlock: boolean;
  range: Range;
  /** `op.create_table`, `batch_op.add_column`. */
  calleeRange: Range;
  /**
   * Positional then keyword, in source order. Computed on first read: an OpCall is a class
   * instance with an `args` getter, so `{...call}` does not copy it (JSON.stringify does).
   */
  args: CallArg[];
}

export interface CallArg {
  /** The keyword of `name=value`; undefined for positional, `*args` and `**kwargs`. */
  keyword?: string;
  /** Source text of the value (of the whole argument for `*args` and `**kwargs`). */
  text: string;
  /** The whole argument, keyword and `*` included. */
  range: Range;
  /** Set when the value is a literal, a tuple or list of literals, or a call (see PyCall). */
  value?: PyLiteralValue;
}

/**
 * The statically known value of an argument.
 *
 * - `string`: a str literal (escapes processed, implicit concatenation joined). Bytes and
 *   f-strings with fields are not literals.
 * - `number`: int or float literal, also negative (`-1`). Complex numbers are not.
 * - `boolean`, `null`: `True`/`False`, `None`.
 * - array: a tuple or list whose items all have values.
 * - {@link PyCall}: a call to a plain or dotted name, `op.f("ix_name")`, `sa.Column(...)`.
 */
export type PyLiteralValue = string | number | boolean | null | PyLiteralValue[] | PyCall;

/**
 * A call whose callee is a name or a dotted name. Its arguments are described like the
 * arguments of an op call, so `op.f("ix_a")` is `{ call: 'op.f', args: [{ value: 'ix_a' }] }`
 * and rules can look into `sa.Column(..., nullable=False)`. See `literalName` for the common
 * "a string or op.f(string)" case.
 */
export interface PyCall {
  /** The callee with whitespace removed: 'op.f', 'sa.Column', 'text'. */
  call: string;
  /** Computed on first read, like {@link OpCall.args}. */
  args: CallArg[];
}

export interface SqlString {
  /**
   * The SQL as Python evaluates the string (escapes processed, implicit concatenation
   * joined). Parts that cannot be known statically (f-string fields, values formatted in
   * with % or .format, names that cannot be resolved) are replaced by DYNAMIC_PLACEHOLDER
   * and `dynamic` is true.
   */
  text: string;
  dynamic: boolean;
  /** `connection.execute` also covers `exec_driver_sql` on a connection. */
  via: 'op.execute' | 'connection.execute';
  /**
   * A SQLAlchemy Core statement run through a connection (`conn.execute(table.update()...)`,
   * `conn.execute(stmt)`) rather than SQL text: its SQL is not known, so `text` is empty and
   * `dynamic` is true. Recorded because it changes data as `op.execute("UPDATE ...")` does;
   * an obvious read (`sa.select(...)`) is not recorded.
   */
  core?: true;
  /** The SQL went through sa.text(...) / text(...) / sqlalchemy.text(...). */
  wrappedInText: boolean;
  inAutocommitBlock: boolean;
  /**
   * The string expression in the file. When the argument is a local or module-level name
   * bound to a string (`sql = """..."""; op.execute(sql)`), it is the bound expression.
   */
  range: Range;
  /** The whole `op.execute(...)` / `conn.execute(...)` call. */
  callRange: Range;
  /**
   * Maps an offset into `text` (UTF-16 index) to the exact position in the file, accounting
   * for prefixes r/b/u/f, escapes, triple quotes, line continuations, indentation and
   * concatenated pieces. Characters produced by an escape or a placeholder map to its start;
   * `text.length` maps just past the last character.
   */
  positionAt(offset: number): Position;
}
