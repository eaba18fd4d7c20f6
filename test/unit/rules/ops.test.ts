import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRevisionFile, parseRevisionFileIncremental } from '../../../server/src/core/parse/revisionFile';
import type { MigrationFunction, RevisionFile } from '../../../server/src/core/parse/types';
import { type Change, CONSTRAINT_TYPES, enumTypes, foldOf, upgradeChanges } from '../../../server/src/core/rules/ops/changes';
import { argOf, columnCall, columnNameArg, nameOf, tableOf } from '../../../server/src/core/rules/ops/signatures';
import { downgradeUndo } from '../../../server/src/core/rules/ops/undo';
import { namingConventionsFor, type NamingConventions } from '../../../server/src/core/rules/ops/namingConventions';
import { loadEnvironment } from '../../../server/src/core/config';
import path from 'node:path';

/**
 * `upgradeChanges` keeps indexes so that a long upgrade costs linear time. Its meaning is the
 * straightforward reading below (quadratic in the number of calls), and random upgrades must
 * give the same changes under both.
 */

const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && (a === b || (a.length === b.length && a.toLowerCase() === b.toLowerCase()));

function columnsOf(call: Change['call'], param: string): { columns?: string[] } {
  const value = argOf(call, param)?.value;
  return Array.isArray(value) && value.length > 0 && value.every((v): v is string => typeof v === 'string') ? { columns: value } : {};
}

function reference(fn: MigrationFunction): Change[] {
  let changes: Change[] = [];
  // What existed before the upgrade and is gone, tables dropped and created again, and drops of
  // unknown names: a later create of the same object is a re-creation, not a change.
  const removed = new Set<string>();
  const recreated = new Set<string>();
  const unknownDrops: { family: string; table: string | undefined }[] = [];
  const family = (kind: string): string => (kind === 'index' || kind === 'constraint' ? 'index' : kind);
  const objectKey = (kind: string, name: string, table?: string): string =>
    family(kind) === 'column' ? `column\0${(table ?? '').toLowerCase()}.${name.toLowerCase()}` : `${family(kind)}\0${name.toLowerCase()}`;
  const add = (c: Change): void => {
    if (c.table !== undefined && recreated.has(c.table.toLowerCase())) return;
    if (removed.delete(objectKey(c.kind, c.name, c.table))) {
      if (c.kind === 'table') recreated.add(c.name.toLowerCase());
      return;
    }
    if (unknownDrops.some((u) => u.family === family(c.kind) && (u.table === undefined || c.table === undefined || same(u.table, c.table)))) return;
    const key = (x: Change): string => `${x.kind}\0${x.name.toLowerCase()}`;
    if (changes.some((x) => key(x) === key(c) && (x.table === undefined || c.table === undefined || same(x.table, c.table)))) return;
    changes.push(c);
  };
  const drop = (kind: string, name: string | undefined, table: string | undefined, matches: (c: Change) => boolean): void => {
    if (name === undefined) {
      unknownDrops.push({ family: family(kind), table });
      return;
    }
    const matched = changes.filter(matches);
    changes = changes.filter((c) => !matched.includes(c));
    if (kind === 'table' ? !matched.some((c) => c.kind === 'table') : matched.length === 0) removed.add(objectKey(kind, name, table));
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
        const on = changes.filter((c) => (c.kind === 'table' && same(c.name, from)) || same(c.table, from));
        for (const c of on) {
          if (c.kind === 'table') c.name = to;
          else c.table = to;
        }
        if (!on.some((c) => c.kind === 'table')) {
          removed.add(objectKey('table', from));
          add({ kind: 'table-rename', name: to, from, call });
        }
        break;
      }
      case 'alter_column': {
        const from = nameOf(call, 'column_name');
        const renamed = argOf(call, 'new_column_name');
        const to = typeof renamed?.value === 'string' ? renamed.value : undefined;
        if (from === undefined || to === undefined || table === undefined) break;
        const added = changes.find((c) => c.kind === 'column' && same(c.table, table) && same(c.name, from));
        if (added) added.name = to;
        else {
          removed.add(objectKey('column', from, table));
          add({ kind: 'column-rename', name: to, from, table, call });
        }
        break;
      }
      case 'drop_table':
        drop('table', table, undefined, (c) => (c.kind === 'table' && same(c.name, table)) || same(c.table, table));
        break;
      case 'drop_column': {
        const name = nameOf(call, 'column_name');
        drop('column', name, table, (c) => c.kind === 'column' && same(c.table, table) && same(c.name, name));
        break;
      }
      case 'drop_index': {
        const name = nameOf(call, 'index_name');
        drop('index', name, undefined, (c) => (c.kind === 'index' || c.kind === 'constraint') && same(c.name, name));
        break;
      }
      case 'drop_constraint': {
        const name = nameOf(call, 'constraint_name');
        drop('constraint', name, undefined, (c) => (c.kind === 'index' || c.kind === 'constraint') && same(c.name, name));
        break;
      }
      default: {
        const type = CONSTRAINT_TYPES[call.name];
        const name = type !== undefined ? nameOf(call, 'constraint_name') : undefined;
        const columns = columnsOf(call, call.name === 'create_foreign_key' ? 'local_cols' : 'columns');
        const referent = call.name === 'create_foreign_key' ? nameOf(call, 'referent_table') : undefined;
        if (type !== undefined && name !== undefined) add({ kind: 'constraint', name, ...(table !== undefined ? { table } : {}), ...columns, constraintType: type, ...(referent !== undefined ? { referent } : {}), call });
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

describe('following both functions as they run', () => {
  function left(up: string[], down: string[], conventions?: NamingConventions): string[] {
    const text = ['from alembic import op', 'import sqlalchemy as sa', 'def upgrade():', ...up.map((s) => `    ${s}`), 'def downgrade():', ...down.map((s) => `    ${s}`), ''].join('\n');
    const file = parseRevisionFile('/m/versions/y.py', text);
    const [upgrade, downgrade] = file.functions;
    return downgradeUndo(file, downgrade, undefined).leftBehind(upgradeChanges(upgrade), conventions).map((c) => c.name);
  }

  it('sees a table renamed back before its columns are renamed', () => {
    const up = ['op.rename_table("a", "b")', 'op.alter_column("b", "x", new_column_name="y")'];
    expect(left(up, ['op.rename_table("b", "a")', 'op.alter_column("a", "y", new_column_name="x")'])).toEqual([]);
    expect(left(up, ['op.alter_column("b", "y", new_column_name="x")', 'op.rename_table("b", "a")'])).toEqual([]);
    expect(left(up, ['op.rename_table("b", "a")', 'op.alter_column("b", "y", new_column_name="x")'])).toEqual(['y']);
  });

  it('moves columns added before a table rename to the new name', () => {
    expect(left(['op.add_column("a", sa.Column("c"))', 'op.rename_table("a", "b")'], ['op.drop_column("b", "c")', 'op.rename_table("b", "a")'])).toEqual([]);
  });

  it('counts nothing that the upgrade drops and creates again', () => {
    expect(left(['op.drop_index("ix")', 'op.create_index("ix", "t", ["a"])'], ['pass'])).toEqual([]);
    expect(left(['op.create_index("ix", "t", ["a"])'], ['pass'])).toEqual(['ix']);
    expect(left(['op.drop_table("t")', 'op.create_table("t")', 'op.create_index("ix_t", "t", ["a"])'], ['pass'])).toEqual([]);
    expect(left(['op.drop_constraint(name, "t")', 'op.create_unique_constraint("uq", "t", ["a"])'], ['pass'])).toEqual([]);
    expect(left(['op.drop_constraint("uq", "t", type_="unique")', 'op.create_index("uq", "t", ["a"], unique=True)'], ['pass'])).toEqual([]);
  });

  it('takes a unique constraint dropped as a constraint for the index of its name', () => {
    expect(left(['op.create_index("uq_a", "t", ["a"], unique=True)'], ['op.drop_constraint("uq_a", "t", type_="unique")'])).toEqual([]);
  });

  it('matches a drop under the name a convention gave the constraint', () => {
    const up = ['op.create_check_constraint("positive", "t", "x > 0")'];
    expect(left(up, ['op.drop_constraint("ck_t_positive", "t")'])).toEqual([]);
    expect(left(up, ['op.drop_constraint("ck__t__positive", "t")'])).toEqual([]);
    const own: NamingConventions = { templates: { ck: 'chk_%(table_name)s__%(constraint_name)s' }, documented: false };
    expect(left(up, ['op.drop_constraint("chk_t__positive", "t")'], own)).toEqual([]);
    expect(left(up, ['op.drop_constraint("ck_t_positive", "t")'], own)).toEqual(['positive']);
    expect(left(['op.create_check_constraint(op.f("positive"), "t", "x > 0")'], ['op.drop_constraint("ck_t_positive", "t")'])).toEqual(['positive']);
  });

  it('reads the naming convention of a module env.py imports', () => {
    const env = loadEnvironment(path.resolve(__dirname, '../../fixtures/rules/incomplete-downgrade/good-naming-convention-env'));
    expect(namingConventionsFor(env)).toEqual({
      templates: { ix: 'ix_%(column_0_label)s', uq: 'uq_%(table_name)s_%(column_0_name)s', ck: 'chk_%(table_name)s__%(constraint_name)s', fk: 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s', pk: 'pk_%(table_name)s' },
      documented: false,
    });
  });

  it('counts SQL the downgrade runs through something else than a known connection as unseen work', () => {
    expect(left(['op.create_table("g")'], ['engine = make_engine()', 'engine.execute("DROP TABLE g")'])).toEqual([]);
    expect(left(['op.create_table("g")'], ['op.drop_index("ix_other")'])).toEqual(['g']);
  });
});
