import type { SqlString } from '../parse/types';
import { analyzedSqlOf, qualifiedName, rangeVarName, type AnalyzedSql, type AnalyzedStatement } from '../sql/analyze';
import { sqlInsertion, sqlRange, wrapInDoBlock } from '../sql/edits';
import { isRecord } from '../sql/parser';
import type { Fix, Rule, RuleContext } from './types';

/**
 * Raw DDL that fails when it runs a second time: after a migration failed half-way on a
 * database without transactional DDL for that statement, when a revision is stamped back and
 * upgraded again, or when the same SQL also ran by hand. Statements guarded by IF [NOT] EXISTS,
 * OR REPLACE, a DO block that catches the duplicate or tests the catalog, or an earlier
 * `DROP ... IF EXISTS` of the same object in the same string are fine. The fixes add the
 * missing keyword, or, where PostgreSQL has none, wrap the statement in such a DO block.
 */
export const nonIdempotentDdl: Rule = {
  id: 'non-idempotent-ddl',
  defaultSeverity: 'warning',
  description: 'Raw SQL DDL that fails when the migration runs twice.',
  needsSql: true,
  check(ctx) {
    for (const analyzed of analyzedSqlOf(ctx.file, ctx.sql)) {
      // DROP ... IF EXISTS guards what follows in the same string only.
      const dropped = new Set<string>();
      for (const st of analyzed.statements) checkStatement(ctx, analyzed, st, dropped);
    }
  },
};

/** What one statement lacks: `insert` is the missing guard and the pattern matching the text it goes after. */
interface Missing {
  message: string;
  help: string;
  /** The object, as `OBJECT_TABLE:users`, for matching an earlier `DROP ... IF EXISTS`. */
  key?: string;
  creates: boolean;
  insert?: { after: RegExp; text: string };
  /**
   * For a statement without a guard keyword: the conditions PostgreSQL raises when it runs
   * again (checked on PostgreSQL by test/integration/nonIdempotentDdl.postgres.test.ts). A DO
   * block ignoring them is the guard, and the fix writes one.
   */
  raises?: readonly string[];
}

const CREATE_PATTERNS: Record<string, RegExp> = {
  CreateStmt: /^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+/i,
  IndexStmt: /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?/i,
  CreateSeqStmt: /^CREATE\s+(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?SEQUENCE\s+/i,
  CreateSchemaStmt: /^CREATE\s+SCHEMA\s+/i,
  CreateExtensionStmt: /^CREATE\s+EXTENSION\s+/i,
  CreateTableAsStmt: /^CREATE\s+(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?(?:MATERIALIZED\s+VIEW|TABLE)\s+/i,
};
const DROP_PATTERN = /^DROP\s+(?:MATERIALIZED\s+VIEW|FOREIGN\s+TABLE|FOREIGN\s+DATA\s+WRAPPER|TEXT\s+SEARCH\s+\w+|EVENT\s+TRIGGER|ACCESS\s+METHOD|\w+)\s+(?:CONCURRENTLY\s+)?/i;
const OR_REPLACE = { after: /^CREATE\s+/i, text: 'OR REPLACE ' };

/** The advice for a statement PostgreSQL has no IF NOT EXISTS for; `raises` is undefined when a DO block cannot tell a re-run from a real error. */
function noGuardHelp(raises: readonly string[] | undefined): string {
  const wrap = raises ? `wrap the statement in DO $$ BEGIN ... EXCEPTION WHEN ${raises.join(' OR ')} THEN NULL; END $$, or ` : '';
  return `PostgreSQL has no IF NOT EXISTS here: ${wrap}test the catalog first.`;
}

const DUPLICATE_OBJECT: readonly string[] = ['duplicate_object'];

function checkStatement(ctx: RuleContext, sql: AnalyzedSql, st: AnalyzedStatement, dropped: Set<string>): void {
  const s = sql.source;
  // missingGuards records every DROP ... IF EXISTS in `dropped`, which counts in a dynamic statement too.
  const guards = missingGuards(st, ctx.targets.postgresVersion, dropped);
  if (st.dynamic) return;
  const missing = guards.filter((m) => !(m.key !== undefined && dropped.has(m.key)) && !guardedByDo(st, m));
  // The DO block guards the whole statement, so it is offered only when all the statement
  // lacks is what the block ignores: an ADD COLUMN next to the ADD CONSTRAINT would raise
  // duplicate_column, and ignoring that too would skip the constraint whenever the column exists.
  const raises = missing.every((m) => m.raises) ? [...new Set(missing.flatMap((m) => m.raises ?? []))].sort() : [];
  for (const m of missing) {
    const fix = m.insert ? insertionFix(ctx, s, sql.prepared, st, m.insert) : m.raises ? doBlockFix(ctx, sql, st, raises) : undefined;
    ctx.report({ range: sqlRange(s, st.start, st.end), message: m.message, help: m.help, ...(fix ? { fixes: [fix] } : {}) });
  }
}

function guardedByDo(st: AnalyzedStatement, m: Missing): boolean {
  if (!st.inDo) return false;
  const caught = st.inDo.caught;
  if (st.inDo.catalogCheck || caught.has('others')) return true;
  if (m.raises?.some((c) => caught.has(c))) return true;
  const prefix = m.creates ? 'duplicate_' : 'undefined_';
  return [...caught].some((c) => c.startsWith(prefix));
}

/** Wraps the statement in a DO block ignoring `raises`; never one already inside a DO block. */
function doBlockFix(ctx: RuleContext, sql: AnalyzedSql, st: AnalyzedStatement, raises: readonly string[]): Fix | undefined {
  if (st.inDo || raises.length === 0) return undefined;
  const edit = wrapInDoBlock(ctx.file, sql, st.start, st.end, raises);
  if (!edit) return undefined;
  const names = raises.length === 1 ? raises[0] : `${raises.slice(0, -1).join(', ')} and ${raises[raises.length - 1]}`;
  return { title: `Wrap in a DO block that ignores ${names}`, edits: [{ file: ctx.file.path, edits: [edit] }], isPreferred: true };
}

function insertionFix(ctx: RuleContext, s: SqlString, prepared: string, st: AnalyzedStatement, insert: { after: RegExp; text: string }): Fix | undefined {
  const head = insert.after.exec(prepared.slice(st.start, st.end));
  if (!head) return undefined;
  const edit = sqlInsertion(ctx.file, s, st.start + head.index + head[0].length, insert.text);
  if (!edit) return undefined;
  return { title: `Insert ${insert.text.trim()}`, edits: [{ file: ctx.file.path, edits: [edit] }], isPreferred: true };
}

function missingGuards(st: AnalyzedStatement, postgresVersion: number, dropped: Set<string>): Missing[] {
  const n = st.node;
  const create = (what: string, name: string | undefined, objectType: string): Missing => ({
    message: `\`${what}${name ? ` ${name}` : ''}\` fails when it already exists, so running this migration again breaks.`,
    help: `Write ${what.replace(/^CREATE( OR REPLACE)?/, 'CREATE')} IF NOT EXISTS.`,
    key: name ? `${objectType}:${name.toLowerCase()}` : undefined,
    creates: true,
    insert: CREATE_PATTERNS[st.kind] ? { after: CREATE_PATTERNS[st.kind], text: 'IF NOT EXISTS ' } : undefined,
  });
  const replace = (what: string, name: string | undefined): Missing => ({
    message: `\`${what}${name ? ` ${name}` : ''}\` fails when it already exists, so running this migration again breaks.`,
    help: `Write ${what.replace(/^CREATE/, 'CREATE OR REPLACE')}.`,
    creates: true,
    insert: OR_REPLACE,
  });
  // CREATE TYPE (of any kind) and CREATE DOMAIN raise 42710 duplicate_object.
  const unguarded = (what: string, name: string | undefined, objectType: string): Missing => ({
    message: `\`${what}${name ? ` ${name}` : ''}\` fails when it already exists, so running this migration again breaks.`,
    help: noGuardHelp(DUPLICATE_OBJECT),
    key: name ? `${objectType}:${name.toLowerCase()}` : undefined,
    creates: true,
    raises: DUPLICATE_OBJECT,
  });
  switch (st.kind) {
    case 'CreateStmt':
      return n.if_not_exists ? [] : [create('CREATE TABLE', rangeVarName(n.relation), 'OBJECT_TABLE')];
    case 'IndexStmt':
      // An index without a name gets a fresh generated one each time, so it does not fail.
      return n.if_not_exists || typeof n.idxname !== 'string' ? [] : [create('CREATE INDEX', n.idxname, 'OBJECT_INDEX')];
    case 'CreateSeqStmt':
      return n.if_not_exists ? [] : [create('CREATE SEQUENCE', rangeVarName(n.sequence), 'OBJECT_SEQUENCE')];
    case 'CreateSchemaStmt':
      return n.if_not_exists ? [] : [create('CREATE SCHEMA', typeof n.schemaname === 'string' ? n.schemaname : undefined, 'OBJECT_SCHEMA')];
    case 'CreateExtensionStmt':
      return n.if_not_exists ? [] : [create('CREATE EXTENSION', typeof n.extname === 'string' ? n.extname : undefined, 'OBJECT_EXTENSION')];
    case 'CreateTableAsStmt': {
      if (n.if_not_exists) return [];
      const into = isRecord(n.into) ? n.into : {};
      const matview = n.objtype === 'OBJECT_MATVIEW';
      return [create(matview ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE', rangeVarName(into.rel), matview ? 'OBJECT_MATVIEW' : 'OBJECT_TABLE')];
    }
    case 'ViewStmt':
      return n.replace ? [] : [replace('CREATE VIEW', rangeVarName(n.view))];
    case 'CreateFunctionStmt':
      return n.replace ? [] : [replace(n.is_procedure ? 'CREATE PROCEDURE' : 'CREATE FUNCTION', qualifiedName(n.funcname))];
    case 'CreateTrigStmt': {
      // OR REPLACE for triggers exists since PostgreSQL 14, and never for constraint triggers.
      if (n.replace || n.isconstraint || postgresVersion < 14) return [];
      const trigger = typeof n.trigname === 'string' ? n.trigname : undefined;
      const table = rangeVarName(n.relation);
      const m = replace('CREATE TRIGGER', trigger);
      return [{ ...m, key: trigger && table ? `OBJECT_TRIGGER:${table.toLowerCase()}.${trigger.toLowerCase()}` : undefined }];
    }
    case 'CreateEnumStmt':
    case 'CreateRangeStmt':
      return [unguarded('CREATE TYPE', qualifiedName(n.typeName), 'OBJECT_TYPE')];
    case 'CompositeTypeStmt':
      return [unguarded('CREATE TYPE', rangeVarName(n.typevar), 'OBJECT_TYPE')];
    case 'DefineStmt':
      return n.kind === 'OBJECT_TYPE' && Array.isArray(n.definition) ? [unguarded('CREATE TYPE', qualifiedName(n.defnames), 'OBJECT_TYPE')] : [];
    case 'CreateDomainStmt':
      return [unguarded('CREATE DOMAIN', qualifiedName(n.domainname), 'OBJECT_DOMAIN')];
    case 'DropStmt':
      return dropGuards(n, dropped);
    case 'AlterTableStmt':
      return alterTableGuards(st, dropped);
    default:
      return [];
  }
}

function dropGuards(n: Record<string, unknown>, dropped: Set<string>): Missing[] {
  const type = typeof n.removeType === 'string' ? n.removeType : 'OBJECT';
  const names = (Array.isArray(n.objects) ? n.objects : []).map(dropObjectName);
  if (n.missing_ok) {
    for (const name of names) if (name) dropped.add(`${type}:${name.toLowerCase()}`);
    // A DROP ... IF EXISTS of a type makes a CREATE TYPE of that name safe, and so on.
    if (type === 'OBJECT_DOMAIN') for (const name of names) if (name) dropped.add(`OBJECT_TYPE:${name.toLowerCase()}`);
    return [];
  }
  const what = `DROP ${type.replace(/^OBJECT_/, '').replace(/_/g, ' ').replace('MATVIEW', 'MATERIALIZED VIEW')}`;
  const shown = names.filter((x) => x !== undefined).join(', ');
  return [
    {
      message: `\`${what}${shown ? ` ${shown}` : ''}\` fails when it no longer exists, so running this migration again breaks.`,
      help: `Write ${what} IF EXISTS.`,
      creates: false,
      insert: { after: DROP_PATTERN, text: 'IF EXISTS ' },
    },
  ];
}

function dropObjectName(o: unknown): string | undefined {
  if (!isRecord(o)) return undefined;
  if (isRecord(o.String) && typeof o.String.sval === 'string') return o.String.sval;
  if (isRecord(o.List)) return qualifiedName(o.List.items);
  if (isRecord(o.TypeName)) return qualifiedName(o.TypeName.names);
  if (isRecord(o.ObjectWithArgs)) return qualifiedName(o.ObjectWithArgs.objname);
  return undefined;
}

const SIMPLE_NAME = /^[a-z_][a-z0-9_$]*$/;

function alterTableGuards(st: AnalyzedStatement, dropped: Set<string>): Missing[] {
  const n = st.node;
  if (n.objtype !== 'OBJECT_TABLE') return [];
  const table = (rangeVarName(n.relation) ?? '').toLowerCase();
  const found: Missing[] = [];
  for (const c of Array.isArray(n.cmds) ? n.cmds : []) {
    const cmd = isRecord(c) && isRecord(c.AlterTableCmd) ? c.AlterTableCmd : undefined;
    if (!cmd) continue;
    const def = isRecord(cmd.def) ? cmd.def : {};
    if (cmd.subtype === 'AT_AddColumn' && !cmd.missing_ok && isRecord(def.ColumnDef) && typeof def.ColumnDef.colname === 'string') {
      const col = def.ColumnDef.colname;
      found.push({
        message: `\`ADD COLUMN ${col}\` fails when ${table}.${col} already exists, so running this migration again breaks.`,
        help: 'Write ADD COLUMN IF NOT EXISTS.',
        key: `column:${table}.${col.toLowerCase()}`,
        creates: true,
        insert: SIMPLE_NAME.test(col) ? { after: new RegExp(`^[^]*?\\bADD\\s+(?:COLUMN\\s+)?(?=${col}\\b)`, 'i'), text: 'IF NOT EXISTS ' } : undefined,
      });
    } else if (cmd.subtype === 'AT_DropColumn' && typeof cmd.name === 'string') {
      if (cmd.missing_ok) {
        dropped.add(`column:${table}.${cmd.name.toLowerCase()}`);
        continue;
      }
      found.push({
        message: `\`DROP COLUMN ${cmd.name}\` fails when ${table}.${cmd.name} no longer exists, so running this migration again breaks.`,
        help: 'Write DROP COLUMN IF EXISTS.',
        creates: false,
        insert: SIMPLE_NAME.test(cmd.name) ? { after: new RegExp(`^[^]*?\\bDROP\\s+(?:COLUMN\\s+)?(?=${cmd.name}\\b)`, 'i'), text: 'IF EXISTS ' } : undefined,
      });
    } else if (cmd.subtype === 'AT_DropConstraint' && typeof cmd.name === 'string') {
      if (cmd.missing_ok) {
        dropped.add(`constraint:${table}.${cmd.name.toLowerCase()}`);
        continue;
      }
      found.push({
        message: `\`DROP CONSTRAINT ${cmd.name}\` fails when the constraint no longer exists, so running this migration again breaks.`,
        help: 'Write DROP CONSTRAINT IF EXISTS.',
        creates: false,
        insert: SIMPLE_NAME.test(cmd.name) ? { after: new RegExp(`^[^]*?\\bDROP\\s+CONSTRAINT\\s+(?=${cmd.name}\\b)`, 'i'), text: 'IF EXISTS ' } : undefined,
      });
    } else if (cmd.subtype === 'AT_AddConstraint' && isRecord(def.Constraint)) {
      const con = def.Constraint;
      const name = typeof con.conname === 'string' ? con.conname : undefined;
      // An unnamed CHECK, UNIQUE or FOREIGN KEY gets a fresh generated name each time; only a
      // named constraint or a second primary key collides.
      if (!name && con.contype !== 'CONSTR_PRIMARY') continue;
      const raises = constraintRaises(con);
      found.push({
        message: `\`ADD CONSTRAINT${name ? ` ${name}` : ' PRIMARY KEY'}\` fails when it already exists on ${table}, so running this migration again breaks.`,
        help: `${noGuardHelp(raises)} An earlier DROP CONSTRAINT IF EXISTS works too.`,
        key: name ? `constraint:${table}.${name.toLowerCase()}` : undefined,
        creates: true,
        ...(raises ? { raises } : {}),
      });
    }
  }
  return found;
}

/**
 * What `ADD CONSTRAINT` raises when it runs again, as PostgreSQL 15 reports it: a second
 * primary key is 42P16 invalid_table_definition ("multiple primary keys"), a UNIQUE or
 * EXCLUDE constraint first collides on the name of its index, 42P07 duplicate_table, and the
 * others on the constraint name, 42710 duplicate_object. `USING INDEX` renames the index, so
 * a re-run reports the index missing (undefined_object), which a first run with a mistyped
 * index name reports too: no condition tells them apart.
 */
function constraintRaises(con: Record<string, unknown>): readonly string[] | undefined {
  if (typeof con.indexname === 'string') return undefined;
  switch (con.contype) {
    case 'CONSTR_PRIMARY':
      return ['invalid_table_definition'];
    case 'CONSTR_UNIQUE':
    case 'CONSTR_EXCLUSION':
      return ['duplicate_table'];
    default:
      return DUPLICATE_OBJECT;
  }
}
