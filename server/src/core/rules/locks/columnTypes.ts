import type { CallArg, PyLiteralValue } from '../../parse/types';
import { isRecord } from '../../sql/parser';
import { nameTable } from '../../nameTable';
import { calleeName, isPyCall, keywordOf } from '../ops/signatures';

/**
 * Column types as far as `ALTER COLUMN ... TYPE` cares: whether PostgreSQL can change one into
 * the other without rewriting the table. It can when the new type is binary-coercible and
 * accepts every old value (src/backend/commands/tablecmds.c, ATColumnChangeRequiresRewrite):
 * a longer or unlimited varchar, text for a varchar, a numeric with more precision at the same
 * scale, a numeric without limits. test/integration/lockRules.postgres.test.ts checks each of
 * these against pg_relation_filenode on PostgreSQL.
 */

export interface ColumnType {
  /** `varchar`, `text`, `numeric`, or another PostgreSQL type name (`int4`, `timestamptz`, ...). */
  family: string;
  /** For varchar: the length limit, or null when there is none. */
  length?: number | null;
  /** For numeric: precision and scale, or null when unconstrained. */
  precision?: number | null;
  scale?: number;
  /** The other parameters, for telling two types of an unknown family apart. */
  detail: string;
  /** How the type was written, for messages. */
  text: string;
}

const FAMILIES = nameTable<string>({
  String: 'varchar',
  VARCHAR: 'varchar',
  Unicode: 'varchar',
  NVARCHAR: 'varchar',
  AutoString: 'varchar',
  Text: 'text',
  TEXT: 'text',
  UnicodeText: 'text',
  CLOB: 'text',
  Numeric: 'numeric',
  NUMERIC: 'numeric',
  DECIMAL: 'numeric',
  Integer: 'int4',
  INTEGER: 'int4',
  INT: 'int4',
  BigInteger: 'int8',
  BIGINT: 'int8',
  SmallInteger: 'int2',
  SMALLINT: 'int2',
  Boolean: 'bool',
  BOOLEAN: 'bool',
  Date: 'date',
  DATE: 'date',
  Uuid: 'uuid',
  UUID: 'uuid',
  JSON: 'json',
  JSONB: 'jsonb',
  LargeBinary: 'bytea',
  BYTEA: 'bytea',
  Float: 'float8',
  FLOAT: 'float8',
  DOUBLE_PRECISION: 'float8',
  Double: 'float8',
  REAL: 'float4',
  Interval: 'interval',
  INTERVAL: 'interval',
  // sqlalchemy_utils' UUIDType is PostgreSQL's native uuid there, whatever its `binary`.
  UUIDType: 'uuid',
  Enum: 'enum',
  ENUM: 'enum',
});

/** PostgreSQL's own names for the SQL spellings of the same types. */
const SQL_FAMILIES = nameTable<string>({
  varchar: 'varchar',
  'character varying': 'varchar',
  text: 'text',
  numeric: 'numeric',
  decimal: 'numeric',
  int4: 'int4',
  integer: 'int4',
  int: 'int4',
  int8: 'int8',
  bigint: 'int8',
  int2: 'int2',
  smallint: 'int2',
  bool: 'bool',
  boolean: 'bool',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  float8: 'float8',
  float4: 'float4',
});

/** The type of an `sa.String(50)`-style argument; undefined when it is not a literal type. */
export function pythonColumnType(arg: CallArg | undefined): ColumnType | undefined {
  if (!arg) return undefined;
  const value = arg.value;
  const text = arg.text;
  // A bare class (`sa.Text`) is not a literal value, but its name is enough.
  const bare = value === undefined && /^[A-Za-z_][\w.]*$/.test(text) ? text.slice(text.lastIndexOf('.') + 1) : undefined;
  const name = bare ?? (isPyCall(value) ? calleeName(value) : undefined);
  // A bare lower-case name is a variable (`type_=state_enum`), not a type class.
  if (!name || (bare !== undefined && !FAMILIES[bare] && !/^[A-Z]/.test(bare))) return undefined;
  const args = isPyCall(value) ? value.args : [];
  const positional = (i: number): PyLiteralValue | undefined => args.filter((a) => a.keyword === undefined)[i]?.value;
  const param = (keyword: string, i: number): PyLiteralValue | undefined => (isPyCall(value) ? (keywordOf(value, keyword)?.value ?? positional(i)) : undefined);
  const family = FAMILIES[name];
  if (family === 'varchar') {
    const length = param('length', 0);
    if (length !== undefined && length !== null && typeof length !== 'number') return undefined;
    return { family, length: length ?? null, detail: '', text };
  }
  if (family === 'numeric') {
    const precision = param('precision', 0);
    const scale = param('scale', 1);
    if ((precision !== undefined && precision !== null && typeof precision !== 'number') || (scale !== undefined && scale !== null && typeof scale !== 'number')) return undefined;
    return { family, precision: precision ?? null, scale: scale ?? 0, detail: '', text };
  }
  if (family === 'enum') {
    // On PostgreSQL an enum is the type its name names; the values listed in Python do not
    // change the column's type.
    const enumName = isPyCall(value) ? keywordOf(value, 'name')?.value : undefined;
    return { family, detail: typeof enumName === 'string' ? enumName : args.map((a) => a.text).join(','), text };
  }
  if (name === 'DateTime' || name === 'TIMESTAMP') {
    const tz = param('timezone', 0);
    if (tz !== undefined && typeof tz !== 'boolean') return undefined;
    return { family: tz ? 'timestamptz' : 'timestamp', detail: '', text };
  }
  // Everything else is told apart by its name and its arguments as written.
  const detail = args.map((a) => `${a.keyword ?? ''}=${a.text.replace(/\s+/g, '')}`).join(',');
  return { family: family ?? name.toLowerCase(), detail: family ? '' : detail, text };
}

/** The type of a libpg-query `TypeName` node. */
export function sqlColumnType(node: unknown): ColumnType | undefined {
  if (!isRecord(node) || !Array.isArray(node.names)) return undefined;
  const last: unknown = node.names[node.names.length - 1];
  if (!isRecord(last) || !isRecord(last.String) || typeof last.String.sval !== 'string') return undefined;
  const raw = last.String.sval.toLowerCase();
  const mods = Array.isArray(node.typmods) ? node.typmods.map(integerConst) : [];
  if (mods.some((m) => m === undefined)) return undefined;
  const array = Array.isArray(node.arrayBounds) && node.arrayBounds.length > 0;
  const family = (SQL_FAMILIES[raw] ?? raw) + (array ? '[]' : '');
  const text = `${raw}${mods.length > 0 ? `(${mods.join(', ')})` : ''}${array ? '[]' : ''}`;
  if (family === 'varchar') return { family, length: mods[0] ?? null, detail: '', text };
  if (family === 'numeric') return { family, precision: mods[0] ?? null, scale: mods[1] ?? 0, detail: '', text };
  return { family, detail: mods.join(','), text };
}

function integerConst(node: unknown): number | undefined {
  if (!isRecord(node) || !isRecord(node.A_Const)) return undefined;
  const ival = node.A_Const.ival;
  // libpg-query leaves out zero values: `{ ival: {} }` is 0.
  if (isRecord(ival)) return typeof ival.ival === 'number' ? ival.ival : 0;
  return undefined;
}

/**
 * Between timestamp and timestamptz PostgreSQL (12 and later) rewrites the table unless the
 * session's TimeZone is UTC, which depends on the server, not on the migration.
 */
export function rewritesUnlessUtc(from: ColumnType, to: ColumnType): boolean {
  const pair = new Set([from.family, to.family]);
  return pair.size === 2 && pair.has('timestamp') && pair.has('timestamptz');
}

/**
 * True when PostgreSQL changes `from` into `to` without rewriting the table (or scanning it):
 * the same type, a varchar that gets longer or loses its limit, a varchar or text becoming
 * text or an unlimited varchar, a numeric with a higher precision at the same scale or
 * without limits.
 */
export function changesWithoutRewrite(from: ColumnType, to: ColumnType): boolean {
  const textual = (t: ColumnType): boolean => t.family === 'text' || t.family === 'varchar';
  if (textual(from) && textual(to)) {
    if (to.family === 'text' || to.length === null) return true;
    return from.family === 'varchar' && from.length !== null && from.length !== undefined && (to.length ?? 0) >= from.length;
  }
  if (from.family === 'numeric' && to.family === 'numeric') {
    if (to.precision === null) return true;
    if (from.precision === null || from.precision === undefined) return false;
    return (to.scale ?? 0) === (from.scale ?? 0) && (to.precision ?? 0) >= from.precision;
  }
  return from.family === to.family && from.detail === to.detail;
}
