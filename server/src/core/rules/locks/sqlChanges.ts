import { DYNAMIC_PLACEHOLDER } from '../../parse';
import { rangeVarName, type AnalyzedStatement } from '../../sql/analyze';
import { isRecord } from '../../sql/parser';
import { sqlAddColumn } from './columns';
import { sqlColumnType } from './columnTypes';
import { tableKey } from './opChanges';
import type { ChangeOn, ConstraintKind } from './types';

/**
 * The schema changes of one SQL statement, from PostgreSQL's own parse tree. Analyses are
 * shared between strings with the same text (see analyzeSql), so each statement is read once.
 */

const cache = new WeakMap<AnalyzedStatement, readonly ChangeOn[]>();
const NONE: readonly ChangeOn[] = [];

export function sqlChanges(st: AnalyzedStatement): readonly ChangeOn[] {
  let changes = cache.get(st);
  if (!changes) {
    changes = read(st);
    cache.set(st, changes);
  }
  return changes;
}

const CONSTRAINTS: Record<string, ConstraintKind> = {
  CONSTR_FOREIGN: 'foreign-key',
  CONSTR_CHECK: 'check',
  CONSTR_UNIQUE: 'unique',
  CONSTR_PRIMARY: 'primary-key',
};

function read(st: AnalyzedStatement): readonly ChangeOn[] {
  const n = st.node;
  switch (st.kind) {
    case 'CreateStmt':
      return [{ kind: 'create-table', table: tableKey(rangeVarName(n.relation)), to: undefined }];
    case 'CreateTableAsStmt': {
      const into = isRecord(n.into) ? n.into : {};
      return n.objtype === 'OBJECT_TABLE' ? [{ kind: 'create-table', table: tableKey(rangeVarName(into.rel)), to: undefined }] : NONE;
    }
    case 'IndexStmt':
      return [
        {
          kind: 'create-index',
          table: tableKey(rangeVarName(n.relation)),
          index: typeof n.idxname === 'string' ? n.idxname : undefined,
          concurrently: n.concurrent === true,
          ifNotExists: n.if_not_exists === true,
        },
      ];
    case 'DropStmt':
      return drop(n);
    case 'RenameStmt':
      return rename(n);
    case 'AlterTableStmt':
      return n.objtype === 'OBJECT_TABLE' ? alterTable(n) : NONE;
    case 'ViewStmt':
      return [{ kind: 'create-view', table: tableKey(rangeVarName(n.view)) }];
    case 'LockStmt':
      return (Array.isArray(n.relations) ? n.relations : []).map((r) => ({ kind: 'other-lock', table: tableKey(rangeVarName(r)) }));
    case 'VariableSetStmt':
      if (n.kind === 'VAR_RESET_ALL') return [{ kind: 'set-lock-timeout', table: undefined, on: false, local: false }];
      return n.name === 'lock_timeout' ? [{ kind: 'set-lock-timeout', table: undefined, on: n.kind === 'VAR_SET_VALUE' && !isZero(n.args), local: n.is_local === true }] : NONE;
    case 'TransactionStmt':
      return n.kind === 'TRANS_STMT_COMMIT' || n.kind === 'TRANS_STMT_ROLLBACK' ? [{ kind: 'end-transaction', table: undefined }] : NONE;
    default:
      return NONE;
  }
}

/** `SET lock_timeout = 0` (or `'0'`, `'0s'`) switches the timeout off. */
function isZero(args: unknown): boolean {
  if (!Array.isArray(args) || args.length !== 1 || !isRecord(args[0]) || !isRecord(args[0].A_Const)) return false;
  const c = args[0].A_Const;
  if (isRecord(c.ival)) return !c.ival.ival;
  if (isRecord(c.sval) && typeof c.sval.sval === 'string') return /^\s*0+\s*(?:ms|s|min|h|d)?\s*$/i.test(c.sval.sval);
  return false;
}

function objectName(o: unknown): string | undefined {
  if (!isRecord(o) || !isRecord(o.List) || !Array.isArray(o.List.items)) return undefined;
  const last: unknown = o.List.items[o.List.items.length - 1];
  return isRecord(last) && isRecord(last.String) && typeof last.String.sval === 'string' ? last.String.sval : undefined;
}

function drop(n: Record<string, unknown>): readonly ChangeOn[] {
  const objects = Array.isArray(n.objects) ? n.objects : [];
  if (n.removeType === 'OBJECT_TABLE') return objects.map((o) => ({ kind: 'drop-table', table: tableKey(objectName(o)) }));
  if (n.removeType === 'OBJECT_INDEX') {
    const single = objects.length === 1 && n.behavior !== 'DROP_CASCADE';
    return objects.map((o) => ({
      kind: 'drop-index',
      table: undefined,
      index: objectName(o),
      concurrently: n.concurrent === true,
      ifExists: n.missing_ok === true,
      single,
    }));
  }
  return NONE;
}

function rename(n: Record<string, unknown>): readonly ChangeOn[] {
  const table = tableKey(rangeVarName(n.relation));
  const to = typeof n.newname === 'string' ? n.newname : undefined;
  if (n.renameType === 'OBJECT_TABLE') return [{ kind: 'rename-table', table, to: tableKey(to) }];
  if (n.renameType === 'OBJECT_COLUMN' && n.relationType === 'OBJECT_TABLE') {
    return [{ kind: 'rename-column', table, column: typeof n.subname === 'string' ? n.subname : undefined, to }];
  }
  if (n.renameType === 'OBJECT_TABCONSTRAINT') return [{ kind: 'other-lock', table }];
  return NONE;
}

function alterTable(n: Record<string, unknown>): readonly ChangeOn[] {
  const table = tableKey(rangeVarName(n.relation));
  const out: ChangeOn[] = [];
  for (const c of Array.isArray(n.cmds) ? n.cmds : []) {
    const cmd = isRecord(c) && isRecord(c.AlterTableCmd) ? c.AlterTableCmd : undefined;
    if (!cmd) continue;
    const def = isRecord(cmd.def) ? cmd.def : {};
    const column = typeof cmd.name === 'string' && !cmd.name.includes(DYNAMIC_PLACEHOLDER) ? cmd.name : undefined;
    switch (cmd.subtype) {
      case 'AT_AddColumn':
        out.push(isRecord(def.ColumnDef) ? { ...sqlAddColumn(def.ColumnDef), table } : { kind: 'other-lock', table });
        break;
      case 'AT_DropColumn':
        out.push({ kind: 'drop-column', table, column });
        break;
      case 'AT_SetNotNull':
        out.push({ kind: 'set-not-null', table, column });
        break;
      case 'AT_AlterColumnType': {
        const colDef = isRecord(def.ColumnDef) ? def.ColumnDef : {};
        const typeNode = isRecord(colDef.typeName) ? colDef.typeName : undefined;
        const to = typeNode ? sqlColumnType(typeNode) : undefined;
        out.push({ kind: 'alter-type', table, column, from: undefined, to, using: colDef.raw_default !== undefined });
        break;
      }
      case 'AT_AddConstraint': {
        const con = isRecord(def.Constraint) ? def.Constraint : {};
        out.push({
          kind: 'add-constraint',
          table,
          constraint: typeof con.conname === 'string' ? con.conname : undefined,
          type: CONSTRAINTS[String(con.contype)] ?? 'other',
          notValid: con.skip_validation === true,
          usingIndex: typeof con.indexname === 'string',
          notNullOf: con.contype === 'CONSTR_CHECK' ? nullTestColumn(con.raw_expr) : undefined,
        });
        break;
      }
      case 'AT_ValidateConstraint':
        out.push({ kind: 'validate-constraint', table, constraint: column });
        break;
      default:
        out.push({ kind: 'other-lock', table });
    }
  }
  return out;
}

/** The column of a `CHECK (col IS NOT NULL)` expression. */
function nullTestColumn(expr: unknown): string | undefined {
  if (!isRecord(expr) || !isRecord(expr.NullTest) || expr.NullTest.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const arg = expr.NullTest.arg;
  if (!isRecord(arg) || !isRecord(arg.ColumnRef) || !Array.isArray(arg.ColumnRef.fields)) return undefined;
  const last: unknown = arg.ColumnRef.fields[arg.ColumnRef.fields.length - 1];
  return isRecord(last) && isRecord(last.String) && typeof last.String.sval === 'string' ? last.String.sval.toLowerCase() : undefined;
}
