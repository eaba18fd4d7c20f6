import { qualifiedName, rangeVarName, type AnalyzedStatement } from '../../sql/analyze';
import { isRecord } from '../../sql/parser';
import { objectKey, type Effect } from './secondRun';

/**
 * What one raw SQL statement creates and drops, for the second-run simulation, and for each
 * unguarded effect what to tell the user (the `Missing` non-idempotent-ddl reports). One
 * Missing may stand for several effects (`DROP TABLE a, b`); it is reported once when any of
 * them fails.
 */

/** What an unguarded statement lacks: `insert` is the missing guard and the pattern matching the text it goes after. */
export interface Missing {
  message: string;
  help: string;
  insert?: { after: RegExp; text: string };
  /**
   * For a statement without a guard keyword: the conditions PostgreSQL raises when it runs
   * again (checked on PostgreSQL by test/integration/nonIdempotentDdl.postgres.test.ts). A DO
   * block ignoring them is the guard, and the fix writes one.
   */
  raises?: readonly string[];
}

export interface SqlEffect extends Effect {
  /** Set on an effect that is not guarded and is reported when it fails. */
  missing?: Missing;
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
const DUPLICATE_OBJECT: readonly string[] = ['duplicate_object'];
const SIMPLE_NAME = /^[a-z_][a-z0-9_$]*$/;

/** The advice for a statement PostgreSQL has no IF NOT EXISTS for; `raises` is undefined when a DO block cannot tell a re-run from a real error. */
function noGuardHelp(raises: readonly string[] | undefined): string {
  const wrap = raises ? `wrap the statement in DO $$ BEGIN ... EXCEPTION WHEN ${raises.join(' OR ')} THEN NULL; END $$, or ` : '';
  return `PostgreSQL has no IF NOT EXISTS here: ${wrap}test the catalog first.`;
}

const exists = (what: string, name: string | undefined): string => `\`${what}${name ? ` ${name}` : ''}\` fails when it already exists`;

/** The effects of one statement; `guardedByDo` says whether an enclosing DO block catches an effect's failure. */
export function statementEffects(st: AnalyzedStatement, postgresVersion: number, guardedByDo: (e: SqlEffect) => boolean): SqlEffect[] {
  const effects = rawEffects(st, postgresVersion);
  for (const e of effects) {
    if (e.missing && guardedByDo(e)) {
      e.guarded = true;
      delete e.missing;
    }
  }
  return effects;
}

function rawEffects(st: AnalyzedStatement, postgresVersion: number): SqlEffect[] {
  const n = st.node;
  const create = (what: string, name: string | undefined, kind: string, guarded: boolean, extra: Partial<SqlEffect> = {}): SqlEffect => ({
    action: 'create',
    key: objectKey(kind, name),
    guarded,
    ...extra,
    ...(guarded
      ? {}
      : {
          missing: {
            message: exists(what, name),
            help: `Write ${what.replace(/^CREATE( OR REPLACE)?/, 'CREATE')} IF NOT EXISTS.`,
            ...(CREATE_PATTERNS[st.kind] ? { insert: { after: CREATE_PATTERNS[st.kind]!, text: 'IF NOT EXISTS ' } } : {}),
          },
        }),
  });
  const replace = (what: string, name: string | undefined, key: string | undefined, guarded: boolean): SqlEffect => ({
    action: 'create',
    key,
    guarded,
    ...(guarded ? {} : { missing: { message: exists(what, name), help: `Write ${what.replace(/^CREATE/, 'CREATE OR REPLACE')}.`, insert: OR_REPLACE } }),
  });
  // CREATE TYPE (of any kind) and CREATE DOMAIN raise 42710 duplicate_object.
  const unguarded = (what: string, name: string | undefined): SqlEffect => ({
    action: 'create',
    key: objectKey('type', name),
    guarded: false,
    missing: { message: exists(what, name), help: noGuardHelp(DUPLICATE_OBJECT), raises: DUPLICATE_OBJECT },
  });
  switch (st.kind) {
    case 'CreateStmt': {
      const table = rangeVarName(n.relation);
      return [create('CREATE TABLE', table, 'table', !!n.if_not_exists, { temporary: isTemporary(n.relation) })];
    }
    case 'IndexStmt':
      // An index without a name gets a fresh generated one each time, so it does not fail.
      if (typeof n.idxname !== 'string') return [];
      return [create('CREATE INDEX', n.idxname, 'index', !!n.if_not_exists, tableOf(rangeVarName(n.relation)))];
    case 'CreateSeqStmt':
      return [create('CREATE SEQUENCE', rangeVarName(n.sequence), 'sequence', !!n.if_not_exists, { temporary: isTemporary(n.sequence) })];
    case 'CreateSchemaStmt':
      return [create('CREATE SCHEMA', typeof n.schemaname === 'string' ? n.schemaname : undefined, 'schema', !!n.if_not_exists)];
    case 'CreateExtensionStmt':
      return [create('CREATE EXTENSION', typeof n.extname === 'string' ? n.extname : undefined, 'extension', !!n.if_not_exists)];
    case 'CreateTableAsStmt': {
      const into = isRecord(n.into) ? n.into : {};
      const matview = n.objtype === 'OBJECT_MATVIEW';
      return [create(matview ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE', rangeVarName(into.rel), matview ? 'matview' : 'table', !!n.if_not_exists, { temporary: isTemporary(into.rel) })];
    }
    case 'ViewStmt': {
      const view = rangeVarName(n.view);
      return [replace('CREATE VIEW', view, objectKey('view', view), !!n.replace || isTemporary(n.view))];
    }
    case 'CreateFunctionStmt': {
      const name = qualifiedName(n.funcname);
      return [replace(n.is_procedure ? 'CREATE PROCEDURE' : 'CREATE FUNCTION', name, objectKey('function', name), !!n.replace)];
    }
    case 'CreateTrigStmt': {
      const trigger = typeof n.trigname === 'string' ? n.trigname : undefined;
      const table = rangeVarName(n.relation);
      const key = objectKey('trigger', trigger, table);
      // OR REPLACE for triggers exists since PostgreSQL 14, and never for constraint triggers:
      // without it there is no fix to offer, so the trigger is only tracked.
      if (n.isconstraint || postgresVersion < 14) return [{ action: 'create', key, guarded: false, silent: true }];
      return [replace('CREATE TRIGGER', trigger, key, !!n.replace)];
    }
    case 'CreateEnumStmt':
    case 'CreateRangeStmt':
      return [unguarded('CREATE TYPE', qualifiedName(n.typeName))];
    case 'CompositeTypeStmt':
      return [unguarded('CREATE TYPE', rangeVarName(n.typevar))];
    case 'DefineStmt':
      return n.kind === 'OBJECT_TYPE' && Array.isArray(n.definition) ? [unguarded('CREATE TYPE', qualifiedName(n.defnames))] : [];
    case 'CreateDomainStmt':
      return [unguarded('CREATE DOMAIN', qualifiedName(n.domainname))];
    case 'DropStmt':
      return dropEffects(n);
    case 'AlterTableStmt':
      return alterTableEffects(st);
    case 'RenameStmt':
      return renameEffects(n);
    default:
      return [];
  }
}

function isTemporary(relation: unknown): boolean {
  return isRecord(relation) && relation.relpersistence === 't';
}

function tableOf(table: string | undefined): Partial<SqlEffect> {
  return table === undefined ? {} : { table: objectKey('table', table)!.slice('table:'.length) };
}

/** The kind of object a DROP names, as the simulation keys it (types and domains share pg_type). */
const DROP_KINDS: Record<string, string> = {
  OBJECT_TABLE: 'table',
  OBJECT_INDEX: 'index',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'matview',
  OBJECT_SCHEMA: 'schema',
  OBJECT_EXTENSION: 'extension',
  OBJECT_TYPE: 'type',
  OBJECT_DOMAIN: 'type',
  OBJECT_FUNCTION: 'function',
  OBJECT_PROCEDURE: 'function',
  OBJECT_TRIGGER: 'trigger',
};

function dropEffects(n: Record<string, unknown>): SqlEffect[] {
  const type = typeof n.removeType === 'string' ? n.removeType : 'OBJECT';
  const kind = DROP_KINDS[type] ?? type.replace(/^OBJECT_/, '').toLowerCase();
  const names = (Array.isArray(n.objects) ? n.objects : []).map(dropObjectName);
  const guarded = !!n.missing_ok;
  const what = `DROP ${type.replace(/^OBJECT_/, '').replace(/_/g, ' ').replace('MATVIEW', 'MATERIALIZED VIEW')}`;
  const shown = names.filter((x) => x !== undefined).join(', ');
  const missing: Missing | undefined = guarded
    ? undefined
    : {
        message: `\`${what}${shown ? ` ${shown}` : ''}\` fails when it no longer exists`,
        help: `Write ${what} IF EXISTS.`,
        insert: { after: DROP_PATTERN, text: 'IF EXISTS ' },
      };
  const list = names.length > 0 ? names : [undefined];
  return list.map((name) => ({ action: 'drop' as const, key: objectKey(kind, name), guarded, ...(missing ? { missing } : {}) }));
}

function dropObjectName(o: unknown): string | undefined {
  if (!isRecord(o)) return undefined;
  if (isRecord(o.String) && typeof o.String.sval === 'string') return o.String.sval;
  if (isRecord(o.List)) return qualifiedName(o.List.items);
  if (isRecord(o.TypeName)) return qualifiedName(o.TypeName.names);
  if (isRecord(o.ObjectWithArgs)) return qualifiedName(o.ObjectWithArgs.objname);
  return undefined;
}

/** Renames change what exists but are not this rule's to report. */
function renameEffects(n: Record<string, unknown>): SqlEffect[] {
  const relation = rangeVarName(n.relation);
  const to = typeof n.newname === 'string' ? n.newname : undefined;
  const from = typeof n.subname === 'string' ? n.subname : undefined;
  const pair = (kind: string, a: string | undefined, b: string | undefined, table?: string): SqlEffect[] => [
    { action: 'drop', key: objectKey(kind, a, table), guarded: false, silent: true },
    { action: 'create', key: objectKey(kind, b, table), guarded: false, silent: true },
  ];
  switch (n.renameType) {
    case 'OBJECT_TABLE':
      return pair('table', relation, to);
    case 'OBJECT_INDEX':
      return pair('index', relation, to);
    case 'OBJECT_COLUMN':
      return relation ? pair('column', from, to, relation) : [];
    case 'OBJECT_TABCONSTRAINT':
      return relation ? pair('constraint', from, to, relation) : [];
    default:
      return [];
  }
}

function alterTableEffects(st: AnalyzedStatement): SqlEffect[] {
  const n = st.node;
  if (n.objtype !== 'OBJECT_TABLE') return [];
  const table = (rangeVarName(n.relation) ?? '').toLowerCase();
  const found: SqlEffect[] = [];
  for (const c of Array.isArray(n.cmds) ? n.cmds : []) {
    const cmd = isRecord(c) && isRecord(c.AlterTableCmd) ? c.AlterTableCmd : undefined;
    if (!cmd) continue;
    const def = isRecord(cmd.def) ? cmd.def : {};
    if (cmd.subtype === 'AT_AddColumn' && isRecord(def.ColumnDef) && typeof def.ColumnDef.colname === 'string') {
      const col = def.ColumnDef.colname;
      const guarded = !!cmd.missing_ok;
      found.push({
        action: 'create',
        key: objectKey('column', col, table),
        guarded,
        ...(guarded
          ? {}
          : {
              missing: {
                message: `\`ADD COLUMN ${col}\` fails when ${table}.${col} already exists`,
                help: 'Write ADD COLUMN IF NOT EXISTS.',
                ...(SIMPLE_NAME.test(col) ? { insert: { after: new RegExp(`^[^]*?\\bADD\\s+(?:COLUMN\\s+)?(?=${col}\\b)`, 'i'), text: 'IF NOT EXISTS ' } } : {}),
              },
            }),
      });
    } else if (cmd.subtype === 'AT_DropColumn' && typeof cmd.name === 'string') {
      const guarded = !!cmd.missing_ok;
      found.push({
        action: 'drop',
        key: objectKey('column', cmd.name, table),
        guarded,
        ...(guarded
          ? {}
          : {
              missing: {
                message: `\`DROP COLUMN ${cmd.name}\` fails when ${table}.${cmd.name} no longer exists`,
                help: 'Write DROP COLUMN IF EXISTS.',
                ...(SIMPLE_NAME.test(cmd.name) ? { insert: { after: new RegExp(`^[^]*?\\bDROP\\s+(?:COLUMN\\s+)?(?=${cmd.name}\\b)`, 'i'), text: 'IF EXISTS ' } } : {}),
              },
            }),
      });
    } else if (cmd.subtype === 'AT_DropConstraint' && typeof cmd.name === 'string') {
      const guarded = !!cmd.missing_ok;
      found.push({
        action: 'drop',
        key: objectKey('constraint', cmd.name, table),
        guarded,
        ...(guarded
          ? {}
          : {
              missing: {
                message: `\`DROP CONSTRAINT ${cmd.name}\` fails when the constraint no longer exists`,
                help: 'Write DROP CONSTRAINT IF EXISTS.',
                ...(SIMPLE_NAME.test(cmd.name) ? { insert: { after: new RegExp(`^[^]*?\\bDROP\\s+CONSTRAINT\\s+(?=${cmd.name}\\b)`, 'i'), text: 'IF EXISTS ' } } : {}),
              },
            }),
      });
    } else if (cmd.subtype === 'AT_AddConstraint' && isRecord(def.Constraint)) {
      const con = def.Constraint;
      const name = typeof con.conname === 'string' ? con.conname : undefined;
      // An unnamed CHECK, UNIQUE or FOREIGN KEY gets a fresh generated name each time; only a
      // named constraint or a second primary key (PostgreSQL names it <table>_pkey) collides.
      if (!name && con.contype !== 'CONSTR_PRIMARY') continue;
      const raises = constraintRaises(con);
      found.push({
        action: 'create',
        key: objectKey('constraint', name ?? `${table.split('.').pop()}_pkey`, table),
        guarded: false,
        missing: {
          message: `\`ADD CONSTRAINT${name ? ` ${name}` : ' PRIMARY KEY'}\` fails when it already exists on ${table}`,
          help: `${noGuardHelp(raises)} An earlier DROP CONSTRAINT IF EXISTS works too.`,
          ...(raises ? { raises } : {}),
        },
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
