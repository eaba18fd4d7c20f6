import path from 'node:path';
import type { Change } from './ops/changes';
import { upgradeChanges } from './ops/changes';
import { namingConventionsFor } from './ops/namingConventions';
import { downgradeUndo } from './ops/undo';
import type { Rule } from './types';

/**
 * A downgrade that runs but does not take back everything its upgrade did: a table, column,
 * index, constraint or enum type left behind, or a rename not reversed. The next upgrade past
 * the revision then fails with "already exists", or the earlier revision's code finds the
 * schema it does not expect. An empty or missing downgrade is missing-downgrade's to report.
 *
 * Both functions are followed as they run: an object the upgrade drops and creates again is no
 * change, a table the downgrade renames back is known by its old name afterwards, and a drop
 * under the name a naming convention gave a constraint drops it (ops/namingConventions.ts).
 * The rule only names what it can know statically and stays quiet whenever the downgrade
 * might do more than it can read (see ops/undo.ts), so a report is always a real leftover.
 *
 * A keystroke usually leaves both functions' effects as they were, so the readings of the
 * upgrade and the downgrade, and their comparison, are answered from the last lint then
 * (ops/changes.ts, ops/undo.ts); the rule costs one pass over the calls.
 */
export const incompleteDowngrade: Rule = {
  id: 'incomplete-downgrade',
  defaultSeverity: 'warning',
  description: 'downgrade() does not undo everything upgrade() did: a table, column, index, constraint, enum type or rename is left behind.',
  check(ctx) {
    const { file } = ctx;
    const rev = file.revision?.ids?.length === 1 ? file.revision.ids[0]! : path.basename(file.path, '.py');
    for (const up of file.functions) {
      if (up.direction !== 'upgrade') continue;
      const down = file.functions.find((f) => f.direction === 'downgrade' && f.engine === up.engine);
      // A downgrade that always raises never completes, so it leaves nothing behind: it
      // declares the revision irreversible, which is missing-downgrade's to report.
      if (!down || down.isEmpty || down.raisesNotImplemented || down.alwaysRaises) continue;
      const changes = upgradeChanges(up, ctx.sql);
      if (changes.length === 0) continue;
      const conventions = namingConventionsFor(ctx.env, file.text);
      for (const c of downgradeUndo(file, down, ctx.sql).leftBehind(changes, conventions)) {
        ctx.report({ range: down.nameRange, message: message(down.name, rev, c), help: help(down.name, c) });
      }
    }
  },
};

function what(c: Change): string {
  switch (c.kind) {
    case 'table':
      return `table \`${c.name}\``;
    case 'column':
      return `column \`${c.table}.${c.name}\``;
    case 'index':
      return `index \`${c.name}\`${c.table !== undefined ? ` on \`${c.table}\`` : ''}`;
    case 'constraint':
      return `constraint \`${c.name}\`${c.table !== undefined ? ` on \`${c.table}\`` : ''}`;
    case 'enum':
      return `enum type \`${c.name}\``;
    case 'table-rename':
      return `table \`${c.from}\``;
    case 'column-rename':
      return `column \`${c.table}.${c.from}\``;
  }
}

function message(down: string, rev: string, c: Change): string {
  if (c.kind === 'table-rename' || c.kind === 'column-rename') {
    return `${down}() does not rename ${what(c)} back from \`${c.name}\`, so after \`alembic downgrade\` past ${rev} the schema is not the one the earlier revision expects.`;
  }
  const note = c.kind === 'enum' ? ' (dropping the table does not drop its type)' : '';
  return `${down}() leaves ${what(c)} behind${note}, so the next \`alembic upgrade\` past ${rev} fails because it already exists.`;
}

const q = (s: string | undefined): string => JSON.stringify(s ?? '');

function help(down: string, c: Change): string {
  const batch = c.call.receiver === 'batch';
  switch (c.kind) {
    case 'table':
      return `Add op.drop_table(${q(c.name)}) to ${down}().`;
    case 'column':
      return batch ? `Add batch_op.drop_column(${q(c.name)}) to a batch_alter_table(${q(c.table)}) block in ${down}().` : `Add op.drop_column(${q(c.table)}, ${q(c.name)}) to ${down}().`;
    case 'index':
      return `Add op.drop_index(${q(c.name)}${c.table !== undefined ? `, table_name=${q(c.table)}` : ''}) to ${down}().`;
    case 'constraint':
      return `Add op.drop_constraint(${q(c.name)}, ${c.table !== undefined ? q(c.table) : '...'}${c.constraintType ? `, type_=${q(c.constraintType)}` : ''}) to ${down}().`;
    case 'enum':
      return `After dropping the tables that use it, add op.execute("DROP TYPE IF EXISTS ${c.name}") or sa.Enum(name=${q(c.name)}).drop(op.get_bind(), checkfirst=True) to ${down}().`;
    case 'table-rename':
      return `Add op.rename_table(${q(c.name)}, ${q(c.from)}) to ${down}().`;
    case 'column-rename':
      return `Add op.alter_column(${q(c.table)}, ${q(c.name)}, new_column_name=${q(c.from)}) to ${down}().`;
  }
}
