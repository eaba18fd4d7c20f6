import { literalName } from '../../parse';
import type { PyCall } from '../../parse/types';
import { isRecord } from '../../sql/parser';
import { calleeName, columnNameArg, isPyCall, keywordOf } from '../ops/signatures';
import { pythonColumnType } from './columnTypes';
import type { DefaultKind, LockChange } from './types';

/**
 * What adding a column does to the rows already in the table: whether it needs a value in each
 * (NOT NULL), and whether PostgreSQL has to compute one per row (a volatile default, serial,
 * identity), which rewrites the table. Read from `sa.Column(...)` as SQLAlchemy renders it and
 * from an `ADD COLUMN` column definition.
 */

type AddColumn = Extract<LockChange, { kind: 'add-column' }>;

/**
 * Functions whose value differs per row, so a default calling one is evaluated for every
 * existing row. PostgreSQL marks them volatile (pg_proc.provolatile = 'v'); a user-defined
 * function is volatile by default too, but whether it is cannot be known here, so only these
 * are reported.
 */
const VOLATILE = new Set([
  'random',
  'random_normal',
  'gen_random_uuid',
  'uuidv4',
  'uuidv7',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'gen_random_bytes',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'txid_current',
]);

const VOLATILE_CALL = new RegExp(`(?:^|[^\\w$.])(?:\\w+\\.)?(?:${[...VOLATILE].join('|')})\\s*\\(`, 'i');

/** Integer types SQLAlchemy renders as SERIAL/BIGSERIAL/SMALLSERIAL for an autoincrement primary key. */
const INTEGER_TYPES = new Set(['int4', 'int8', 'int2']);

/** The kind of an SQL expression's text, as used in `server_default=sa.text(...)`. */
function sqlTextDefault(text: string): DefaultKind {
  if (/^\s*null\s*$/i.test(text)) return 'none';
  return VOLATILE_CALL.test(text) ? 'volatile' : 'non-volatile';
}

/** The default a `server_default=` value renders, as far as it can be known statically. */
function serverDefaultKind(column: PyCall): DefaultKind {
  const arg = keywordOf(column, 'server_default');
  if (!arg) return 'none';
  const value = arg.value;
  if (value === null) return 'none';
  // A plain string is rendered as a quoted literal: a constant, even when it reads `now()`.
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return 'non-volatile';
  if (!isPyCall(value)) return 'unknown';
  const name = calleeName(value);
  const first = value.args[0]?.value;
  if (name === 'text' || name === 'literal_column') return typeof first === 'string' ? sqlTextDefault(first) : 'unknown';
  if (name === 'DefaultClause') return typeof first === 'string' ? 'non-volatile' : 'unknown';
  if (name === 'true' || name === 'false' || name === 'literal') return 'non-volatile';
  if (name === 'null') return 'none';
  // `sa.func.gen_random_uuid()`, `func.now()`.
  if (/(?:^|\.)func\.\w+$/.test(value.call)) return VOLATILE.has(name.toLowerCase()) ? 'volatile' : 'non-volatile';
  return 'unknown';
}

/** `op.add_column(table, sa.Column(...))`: undefined when the column is not written in the call. */
export function pythonAddColumn(column: PyCall | undefined): AddColumn | undefined {
  if (!column) return undefined;
  const name = literalName(columnNameArg(column)?.value);
  const positional = column.args.filter((a) => a.keyword === undefined);
  const calls = positional.map((a) => a.value).filter(isPyCall);
  const has = (n: string): boolean => calls.some((c) => calleeName(c) === n);
  const nullable = keywordOf(column, 'nullable');
  const primaryKey = keywordOf(column, 'primary_key')?.value === true;
  // A keyword whose value is not a literal (`nullable=flag`) leaves the question open: not reported.
  const notNull = nullable ? nullable.value === false : primaryKey;
  const defaultKind = serverDefaultKind(column);
  let generated: AddColumn['generated'];
  if (has('Identity')) generated = 'identity';
  else if (has('Computed')) generated = 'computed';
  else if (primaryKey && defaultKind === 'none' && keywordOf(column, 'autoincrement')?.value !== false && !has('ForeignKey')) {
    // SQLAlchemy renders an integer primary key added on its own as SERIAL.
    const typeArg = (name !== undefined ? positional.slice(1) : positional).find((a) => a.value === undefined || isPyCall(a.value));
    const type = pythonColumnType(typeArg);
    if (type && INTEGER_TYPES.has(type.family)) generated = 'serial';
  }
  return { kind: 'add-column', column: name, notNull, defaultKind, generated };
}

const SERIALS = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

/** An `ADD COLUMN` column definition (libpg-query `ColumnDef`). */
export function sqlAddColumn(def: Record<string, unknown>): AddColumn {
  const constraints = (Array.isArray(def.constraints) ? def.constraints : []).map((c) => (isRecord(c) && isRecord(c.Constraint) ? c.Constraint : {}));
  const types = new Set(constraints.map((c) => c.contype));
  const typeName = isRecord(def.typeName) && Array.isArray(def.typeName.names) ? def.typeName.names : [];
  const last: unknown = typeName[typeName.length - 1];
  const typeLast = isRecord(last) && isRecord(last.String) && typeof last.String.sval === 'string' ? last.String.sval.toLowerCase() : '';
  let defaultKind: DefaultKind = 'none';
  const dflt = constraints.find((c) => c.contype === 'CONSTR_DEFAULT');
  if (dflt) defaultKind = expressionKind(dflt.raw_expr);
  let generated: AddColumn['generated'];
  if (types.has('CONSTR_IDENTITY')) generated = 'identity';
  else if (types.has('CONSTR_GENERATED')) generated = 'computed';
  else if (SERIALS.has(typeLast)) generated = 'serial';
  return {
    kind: 'add-column',
    column: typeof def.colname === 'string' ? def.colname : undefined,
    notNull: types.has('CONSTR_NOTNULL') || types.has('CONSTR_PRIMARY'),
    defaultKind,
    generated,
  };
}

/** Whether a default expression of the parse tree is NULL, volatile (calls a known volatile function) or not. */
function expressionKind(expr: unknown): DefaultKind {
  if (isRecord(expr) && isRecord(expr.A_Const) && expr.A_Const.isnull === true) return 'none';
  if (isRecord(expr) && isRecord(expr.TypeCast) && isRecord(expr.TypeCast.arg) && isRecord(expr.TypeCast.arg.A_Const) && expr.TypeCast.arg.A_Const.isnull === true) return 'none';
  return callsVolatile(expr, 0) ? 'volatile' : 'non-volatile';
}

function callsVolatile(node: unknown, depth: number): boolean {
  if (depth > 50) return false;
  if (Array.isArray(node)) return node.some((n) => callsVolatile(n, depth + 1));
  if (!isRecord(node)) return false;
  if (isRecord(node.FuncCall) && Array.isArray(node.FuncCall.funcname)) {
    const last: unknown = node.FuncCall.funcname[node.FuncCall.funcname.length - 1];
    if (isRecord(last) && isRecord(last.String) && typeof last.String.sval === 'string' && VOLATILE.has(last.String.sval.toLowerCase())) return true;
  }
  return Object.values(node).some((v) => typeof v === 'object' && callsVolatile(v, depth + 1));
}
