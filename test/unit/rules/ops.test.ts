import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRevisionFile, parseRevisionFileIncremental } from '../../../server/src/core/parse/revisionFile';
import type { MigrationFunction, RevisionFile } from '../../../server/src/core/parse/types';
import { type Change, CONSTRAINT_TYPES, enumTypes, foldOf, upgradeChanges } from '../../../server/src/core/rules/ops/changes';
import { argOf, columnCall, columnNameArg, nameOf, tableOf } from '../../../server/src/core/rules/ops/signatures';
import { downgradeUndo } from '../../../server/src/core/rules/ops/undo';

/**
 * `upgradeChanges` keeps indexes so that a long upgrade costs linear time. Its meaning is the
 * straightforward reading below (the rule's first version, quadratic in the number of calls),
 * and random upgrades must give the same changes under both.
 */

const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && (a === b || (a.length === b.length && a.toLowerCase() === b.toLowerCase()));

function columnsOf(call: Change['call'], param: string): { columns?: string[] } {
  const value = argOf(call, param)?.value;
  return Array.isArray(value) && value.length > 0 && value.every((v): v is string => typeof v === 'string') ? { columns: value } : {};
}

function reference(fn: MigrationFunction): Change[] {
  let changes: Change[] = [];
  const add = (c: Change): void => {
    const key = (x: Change): string => `${x.kind}\0${x.name.toLowerCase()}`;
    if (changes.some((x) => key(x) === key(c) && (x.table === undefined || c.table === undefined || same(x.table, c.table)))) return;
    changes.push(c);
  };
  for (const call of fn.opCalls) {
    const table = tableOf(call);
    switch (call.name) {
      case 'create_table':
        if (table === undefined) break;
        add({ kind: 'table', name: table, call });
        for (const name of enumTypes(call)) add({ kind: 'enum', name, call });
        break;
      case 'add_column': {
        const column = columnCall(call);
        const name = column && columnNameArg(column)?.value;
        if (table !== undefined && typeof name === 'string') add({ kind: 'column', name, table, call });
        break;
      }
      case 'create_index': {
        const name = nameOf(call, 'index_name');
        if (name !== undefined) add({ kind: 'index', name, ...(table !== undefined ? { table } : {}), ...columnsOf(call, 'columns'), call });
        break;
      }
      case 'rename_table': {
        const from = nameOf(call, 'old_table_name');
        const to = nameOf(call, 'new_table_name');
        if (from === undefined || to === undefined) break;
        const created = changes.filter((c) => (c.kind === 'table' && same(c.name, from)) || same(c.table, from));
        if (created.some((c) => c.kind === 'table')) {
          for (const c of created) {
            if (c.kind === 'table') c.name = to;
            else c.table = to;
          }
        } else add({ kind: 'table-rename', name: to, from, call });
        break;
      }
      case 'alter_column': {
        const from = nameOf(call, 'column_name');
        const renamed = argOf(call, 'new_column_name');
        const to = typeof renamed?.value === 'string' ? renamed.value : undefined;
        if (from === undefined || to === undefined || table === undefined) break;
        const added = changes.find((c) => c.kind === 'column' && same(c.table, table) && same(c.name, from));
        if (added) added.name = to;
        else add({ kind: 'column-rename', name: to, from, table, call });
        break;
      }
      case 'drop_table':
        if (table !== undefined) changes = changes.filter((c) => !(c.kind === 'table' && same(c.name, table)) && !same(c.table, table));
        break;
      case 'drop_column': {
        const name = nameOf(call, 'column_name');
        changes = changes.filter((c) => !(c.kind === 'column' && same(c.table, table) && same(c.name, name)));
        break;
      }
      case 'drop_index': {
        const name = nameOf(call, 'index_name');
        changes = changes.filter((c) => !(c.kind === 'index' && same(c.name, name)));
        break;
      }
      case 'drop_constraint': {
        const name = nameOf(call, 'constraint_name');
        changes = changes.filter((c) => !(c.kind === 'constraint' && same(c.name, name)));
        break;
      }
      default: {
        const type = CONSTRAINT_TYPES[call.name];
        const name = type !== undefined ? nameOf(call, 'constraint_name') : undefined;
        const columns = columnsOf(call, call.name === 'create_foreign_key' ? 'local_cols' : 'columns');
        if (type !== undefined && name !== undefined) add({ kind: 'constraint', name, ...(table !== undefined ? { table } : {}), ...columns, constraintType: type, call });
      }
    }
  }
  return changes;
}

// Few names, in two spellings, plus a variable (`v`) whose value is unknown, so that random
// upgrades create, rename and drop the same objects often.
const table = fc.constantFrom('"t"', '"T"', '"u"', 'v');
const column = fc.constantFrom('"a"', '"A"', '"b"', 'v');
const index = fc.constantFrom('"ix"', '"IX"', 'v');
const constraint = fc.constantFrom('"ck"', '"CK"', 'v');
const enumName = fc.constantFrom('"en"', '"EN"');

const statement = fc.oneof(
  fc.tuple(table, enumName).map(([t, e]) => `op.create_table(${t}, sa.Column("id"), sa.Column("e", sa.Enum("x", name=${e})))`),
  fc.tuple(table, column).map(([t, c]) => `op.add_column(${t}, sa.Column(${c}, sa.Text()))`),
  fc.tuple(index, table, column).map(([i, t, c]) => `op.create_index(${i}, ${t}, [${c}])`),
  fc.tuple(constraint, table, column).map(([k, t, c]) => `op.create_unique_constraint(${k}, ${t}, [${c}])`),
  fc.tuple(constraint, table, column).map(([k, t, c]) => `op.create_foreign_key(${k}, ${t}, "o", [${c}], ["id"])`),
  fc.tuple(constraint, table).map(([k, t]) => `op.create_check_constraint(${k}, ${t}, "x > 0")`),
  fc.tuple(table, table).map(([a, b]) => `op.rename_table(${a}, ${b})`),
  fc.tuple(table, column, column).map(([t, a, b]) => `op.alter_column(${t}, ${a}, new_column_name=${b})`),
  table.map((t) => `op.drop_table(${t})`),
  fc.tuple(table, column).map(([t, c]) => `op.drop_column(${t}, ${c})`),
  index.map((i) => `op.drop_index(${i})`),
  fc.tuple(constraint, table).map(([k, t]) => `op.drop_constraint(${k}, ${t})`),
  fc.tuple(table, column, index).map(([t, c, i]) => `with op.batch_alter_table(${t}) as b:\n        b.add_column(sa.Column(${c}))\n        b.create_index(${i}, [${c}])`),
  fc.tuple(table, column).map(([t, c]) => `with op.batch_alter_table(${t}) as b:\n        b.drop_column(${c})`),
);

function upgradeOf(statements: string[]): MigrationFunction {
  const text = ['from alembic import op', 'import sqlalchemy as sa', 'def upgrade():', ...statements.map((s) => `    ${s}`), '    pass', ''].join('\n');
  return parseRevisionFile('/m/versions/x.py', text).functions[0];
}

describe('upgradeChanges', () => {
  it('finds what the straightforward reading finds, in the same order', () => {
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 40 }), (statements) => {
        const fn = upgradeOf(statements);
        expect(upgradeChanges(fn)).toEqual(reference(fn));
      }),
      { numRuns: 500 },
    );
  });

  it('renames the column added first when a rename made two of one name', () => {
    const fn = upgradeOf([
      'op.add_column("t", sa.Column("a"))',
      'op.add_column("t", sa.Column("b"))',
      'op.alter_column("t", "a", new_column_name="b")',
      'op.alter_column("t", "b", new_column_name="c")',
    ]);
    expect(upgradeChanges(fn).map((c) => c.name)).toEqual(['c', 'b']);
    expect(upgradeChanges(fn)).toEqual(reference(fn));
  });

  it('answers again for the same calls without renaming twice', () => {
    const fn = upgradeOf(['op.add_column("t", sa.Column("a"))', 'op.alter_column("t", "a", new_column_name="b")']);
    expect(upgradeChanges(fn).map((c) => c.name)).toEqual(['b']);
    expect(upgradeChanges(fn).map((c) => c.name)).toEqual(['b']);
  });

  it('answers anew when an edit adds a call that changes something', () => {
    const lines = ['from alembic import op', 'import sqlalchemy as sa', 'def upgrade():', '    op.add_column("t", sa.Column("a"))', '    op.execute("SELECT 1")', '    op.add_column("t", sa.Column("b"))', ''];
    const first = parseRevisionFileIncremental('/x.py', lines.join('\n'));
    expect(upgradeChanges(first.file.functions[0]).map((c) => c.name)).toEqual(['a', 'b']);
    const sql = parseRevisionFileIncremental('/x.py', lines.join('\n').replace('SELECT 1', 'SELECT 2'), first.state);
    expect(upgradeChanges(sql.file.functions[0]).map((c) => c.name)).toEqual(['a', 'b']);
    const drop = parseRevisionFileIncremental('/x.py', lines.join('\n').replace('op.execute("SELECT 1")', 'op.drop_column("t", "a")'), sql.state);
    expect(drop.file.functions[0].opCalls[0]).toBe(first.file.functions[0].opCalls[0]);
    expect(upgradeChanges(drop.file.functions[0]).map((c) => c.name)).toEqual(['b']);
  });

  it('points each change at its call where it is after lines move', () => {
    const lines = ['from alembic import op', 'import sqlalchemy as sa', 'def upgrade():', '    op.add_column("t", sa.Column("a"))', '    op.create_index("ix", "t", ["a"])', ''];
    const first = parseRevisionFileIncremental('/x.py', lines.join('\n'));
    const before = upgradeChanges(first.file.functions[0]);
    const moved = parseRevisionFileIncremental('/x.py', lines.join('\n').replace('def upgrade():', '\ndef upgrade():'), first.state);
    const after = upgradeChanges(moved.file.functions[0]);
    expect(after.map((c) => c.name)).toEqual(before.map((c) => c.name));
    expect(after.map((c, i) => c.call === moved.file.functions[0].opCalls[i])).toEqual([true, true]);
    expect(after.map((c) => c.call.range.start.line)).toEqual([4, 5]);
    expect(foldOf(after)).toBe(foldOf(before));
  });
});

describe('downgradeUndo', () => {
  /** A file with `module` lines at the top, then upgrade() and downgrade() with the given bodies. */
  function fileText(up: string[], down: string[], module: string[] = []): string {
    return ['from alembic import op', 'import sqlalchemy as sa', ...module, 'def upgrade():', ...up.map((s) => `    ${s}`), 'def downgrade():', ...down.map((s) => `    ${s}`), ''].join('\n');
  }

  /** Whether the downgrade takes back each change of the upgrade, by change name. */
  function undoneIn(file: RevisionFile): Record<string, boolean> {
    const [upgrade, downgrade] = file.functions;
    const undo = downgradeUndo(file, downgrade, undefined);
    return Object.fromEntries(upgradeChanges(upgrade).map((c) => [c.name, undo.undoes(c)]));
  }

  function undone(up: string[], down: string[], module: string[] = []): Record<string, boolean> {
    return undoneIn(parseRevisionFile('/m/versions/x.py', fileText(up, down, module)));
  }

  it('counts an index on an unknown table as dropped with any dropped column of its name', () => {
    const up = ['op.create_index("ix_a", v, ["a"])', 'op.create_index("ix_b", v, ["b"])', 'op.create_index("ix_ab", v, ["x.b"])'];
    expect(undone(up, ['op.drop_column("s.t", "A")', 'op.drop_column("t", "X.b")'])).toEqual({ ix_a: true, ix_b: true, ix_ab: true });
    expect(undone(up, ['op.drop_column("t", "a")'])).toEqual({ ix_a: true, ix_b: false, ix_ab: false });
  });

  it('reads the downgrade body to its last line', () => {
    expect(undone(['op.create_table("t")', 'op.create_table("u")'], ['op.drop_table("t")', 'helper()'])).toEqual({ t: true, u: true });
    expect(undone(['op.create_table("t")', 'op.create_table("u")'], ['op.drop_table("t")'])).toEqual({ t: true, u: false });
  });

  const enums = ['op.create_table("t", sa.Column("a", sa.Enum("x", name="k")), sa.Column("b", sa.Enum("y", name="o")))'];
  const bound = ['kind = sa.Enum("x", name="k")'];

  it.each([
    ['an enum bound in the module', 'kind.drop(op.get_bind())', { t: true, k: true, o: false }],
    ['an enum bound in the module, spaced', 'kind \t.drop(op.get_bind())', { t: true, k: true, o: false }],
    ['an enum made in place', 'sa.Enum(name="k").drop(op.get_bind())', { t: true, k: true, o: false }],
    ['an attribute of something else', 'x.kind.drop(op.get_bind())', { t: true, k: true, o: true }],
    ['metadata.drop_all', 'meta.drop_all(op.get_bind())', { t: true, k: true, o: true }],
  ])('reads .drop() on %s', (_, drop, expected) => {
    expect(undone(enums, ['op.drop_table("t")', drop], bound)).toEqual(expected);
  });

  it('reads again when the module rebinds an enum the downgrade drops', () => {
    const text = fileText(enums, ['op.drop_table("t")', 'kind.drop(op.get_bind())'], bound);
    const first = parseRevisionFileIncremental('/m/versions/x.py', text);
    expect(undoneIn(first.file)).toEqual({ t: true, k: true, o: false });
    const next = parseRevisionFileIncremental('/m/versions/x.py', text.replace('kind = sa.Enum("x", name="k")', 'kind = sa.Enum("x", name="o")'), first.state);
    expect(next.file.functions[1].opCalls[0]).toBe(first.file.functions[1].opCalls[0]);
    expect(undoneIn(next.file)).toEqual({ t: true, k: false, o: true });
  });
});
