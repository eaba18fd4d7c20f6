import type { SqlString } from '../parse/types';
import { analyzeSql, qualifiedName, rangeVarName, type AnalyzedStatement } from '../sql/analyze';
import { sqlInsertion, sqlRange } from '../sql/edits';
import { isRecord } from '../sql/parser';
import type { Fix, Rule, RuleContext } from './types';

/**
 * Raw DDL that fails when it runs a second time: after a migration failed half-way on a
 * database without transactional DDL for that statement, when a revision is stamped back and
 * upgraded again, or when the same SQL also ran by hand. Statements guarded by IF [NOT] EXISTS,
 * OR REPLACE, a DO block that catches the duplicate or tests the catalog, or an earlier
 * `DROP ... IF EXISTS` of the same object in the same string are fine.
 */
export const nonIdempotentDdl: Rule = {
  id: 'non-idempotent-ddl',
  defaultSeverity: 'warning',
  description: 'Raw SQL DDL that fails when the migration runs twice.',
  needsSql: true,
  check(ctx) {
    const parser = ctx.sql;
    if (!parser) return;
    for (const fn of ctx.file.functions) {
      for (const s of fn.sql) {
        const dropped = new Set<string>();
        const analyzed = analyzeSql(parser, s);
        for (const st of analyzed.statements) checkStatement(ctx, s, analyzed.prepared, st, dropped);
      }
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

const TYPE_HELP = 'PostgreSQL has no IF NOT EXISTS here: wrap the statement in DO $$ BEGIN ... EXCEPTION WHEN duplicate_object THEN NULL; END $$, or test the catalog first.';

function checkStatement(ctx: RuleContext, s: SqlString, prepared: string, st: AnalyzedStatement, dropped: Set<string>): void {
  for (const m of missingGuards(st, ctx.targets.postgresVersion, dropped)) {
    if (m.key !== undefined && dropped.has(m.key)) continue;
    if (st.dynamic || guardedByDo(st, m.creates)) continue;
    const fix = m.insert ? insertionFix(ctx, s, prepared, st, m.insert) : undefined;
    ctx.report({ range: sqlRange(s, st.start, st.end), message: m.message, help: m.help, ...(fix ? { fixes: [fix] } : {}) });
  }
}

function guardedByDo(st: AnalyzedStatement, creates: boolean): boolean {
  if (!st.inDo) return false;
  if (st.inDo.catalogCheck || st.inDo.caught.has('others')) return true;
  const prefix = creates ? 'duplicate_' : 'undefined_';
  return [...st.inDo.caught].some((c) => c.startsWith(prefix));
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
  const unguarded = (what: string, name: string | undefined, objectType: string): Missing => ({
    message: `\`${what}${name ? ` ${name}` : ''}\` fails when it already exists, so running this migration again breaks.`,
    help: TYPE_HELP,
    key: name ? `${objectType}:${name.toLowerCase()}` : undefined,
    creates: true,
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
      found.push({
        message: `\`ADD CONSTRAINT${name ? ` ${name}` : ' PRIMARY KEY'}\` fails when it already exists on ${table}, so running this migration again breaks.`,
        help: `${TYPE_HELP} An earlier DROP CONSTRAINT IF EXISTS works too.`,
        key: name ? `constraint:${table}.${name.toLowerCase()}` : undefined,
        creates: true,
      });
    }
  }
  return found;
}
