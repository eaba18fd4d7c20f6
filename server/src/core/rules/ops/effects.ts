import type { SqlString } from '../../parse/types';
import { analyzeSql, rangeVarName } from '../../sql/analyze';
import { isRecord } from '../../sql/parser';
import type { SqlParser } from '../types';
import type { Change } from './changes';

/** What one op call does, as far as upgradeChanges (changes.ts) is concerned. */
export type Effect =
  | { op: 'add'; changes: Omit<Change, 'call'>[] }
  | { op: 'rename-table'; from: string; to: string }
  | { op: 'rename-column'; table: string; from: string; to: string }
  | { op: 'rename-object'; kind: 'index' | 'constraint'; from: string; to: string }
  | { op: 'drop'; kind: 'table' | 'column' | 'index' | 'constraint' | 'enum'; name: string | undefined; table: string | undefined }
  | { op: 'none' };

/** The effects of each SQL string, read once per string and parser (keystrokes keep the strings they did not touch). */
const sqlEffects = new WeakMap<SqlString, { parser: SqlParser; effects: { effect: Effect; offset: number }[] }>();

export function sqlEffectsFor(parser: SqlParser, s: SqlString): { effect: Effect; offset: number }[] {
  const cached = sqlEffects.get(s);
  if (cached && cached.parser === parser) return cached.effects;
  const effects = s.dynamic ? [] : sqlUpgradeEffects(parser, s);
  sqlEffects.set(s, { parser, effects });
  return effects;
}

/**
 * What raw SQL in an upgrade drops and renames. SQL never adds a change (there is no call to
 * point at), but what it drops or renames away may be created again by a later call.
 */
function sqlUpgradeEffects(parser: SqlParser, s: SqlString): { effect: Effect; offset: number }[] {
  const analyzed = analyzeSql(parser, s);
  const out: { effect: Effect; offset: number }[] = [];
  for (const st of analyzed.statements) {
    const n = st.node;
    const at = (effect: Effect): void => void out.push({ effect, offset: st.start });
    if (st.kind === 'DropStmt') {
      const kind = SQL_DROP_KINDS[String(n.removeType)];
      if (!kind) continue;
      for (const o of Array.isArray(n.objects) ? n.objects : []) at({ op: 'drop', kind, name: lastName(o), table: undefined });
    } else if (st.kind === 'AlterTableStmt' && n.objtype === 'OBJECT_TABLE') {
      const table = lastPart(rangeVarName(n.relation));
      for (const c of Array.isArray(n.cmds) ? n.cmds : []) {
        const cmd = isRecord(c) && isRecord(c.AlterTableCmd) ? c.AlterTableCmd : undefined;
        const name = typeof cmd?.name === 'string' ? cmd.name : undefined;
        if (cmd?.subtype === 'AT_DropColumn') at({ op: 'drop', kind: 'column', name, table });
        else if (cmd?.subtype === 'AT_DropConstraint') at({ op: 'drop', kind: 'constraint', name, table });
      }
    } else if (st.kind === 'RenameStmt') {
      const relation = lastPart(rangeVarName(n.relation));
      const to = typeof n.newname === 'string' ? n.newname : undefined;
      const from = typeof n.subname === 'string' ? n.subname : undefined;
      if (to === undefined) continue;
      if (n.renameType === 'OBJECT_TABLE' && relation) at({ op: 'rename-table', from: relation, to });
      else if (n.renameType === 'OBJECT_COLUMN' && relation && from) at({ op: 'rename-column', table: relation, from, to });
      else if (n.renameType === 'OBJECT_INDEX' && relation) at({ op: 'rename-object', kind: 'index', from: relation, to });
      else if (n.renameType === 'OBJECT_TABCONSTRAINT' && from) at({ op: 'rename-object', kind: 'constraint', from, to });
    }
  }
  return out;
}

const SQL_DROP_KINDS: Record<string, 'table' | 'index' | 'enum'> = { OBJECT_TABLE: 'table', OBJECT_INDEX: 'index', OBJECT_TYPE: 'enum' };

function lastName(o: unknown): string | undefined {
  if (!isRecord(o)) return undefined;
  const items = isRecord(o.List) ? o.List.items : isRecord(o.TypeName) ? o.TypeName.names : undefined;
  if (!Array.isArray(items)) return isRecord(o.String) && typeof o.String.sval === 'string' ? o.String.sval : undefined;
  const last = items[items.length - 1];
  return isRecord(last) && isRecord(last.String) && typeof last.String.sval === 'string' ? last.String.sval : undefined;
}

function lastPart(name: string | undefined): string | undefined {
  return name?.slice(name.lastIndexOf('.') + 1);
}
