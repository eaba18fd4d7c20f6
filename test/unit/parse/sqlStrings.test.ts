import { describe, expect, it } from 'vitest';
import type { RevisionFile, SqlString } from '../../../server/src/core/parse/types';
import { fileTextAtSql, fn, parse, textAt } from './helpers';

function upgrade(...body: string[]): RevisionFile {
  return parse('from alembic import op', 'import sqlalchemy as sa', 'def upgrade():', ...body.map((l) => `    ${l}`));
}

function sqlIn(...body: string[]): SqlString[] {
  return fn(upgrade(...body), 'upgrade').sql;
}

function check(body: string[], expected: Partial<SqlString>[]): void {
  expect(sqlIn(...body)).toMatchObject(expected);
}

describe('where SQL comes from', () => {
  it.each([
    [['op.execute("SELECT 1")'], [{ text: 'SELECT 1', via: 'op.execute', wrappedInText: false }]],
    [['op.execute(sa.text("SELECT 1"))'], [{ text: 'SELECT 1', wrappedInText: true }]],
    [['op.execute(sqltext="SELECT 1")'], [{ text: 'SELECT 1' }]],
    [['op.get_bind().execute(sa.text("A"))'], [{ text: 'A', via: 'connection.execute', wrappedInText: true }]],
    [['conn = op.get_bind()', 'conn.execute(text("A"))'], [{ text: 'A', via: 'connection.execute' }]],
    [['bind = op.get_bind()', 'c = bind', 'c.execute("A")'], [{ text: 'A', via: 'connection.execute' }]],
    [['conn = op.get_bind()', 'conn.exec_driver_sql("A")'], [{ text: 'A', via: 'connection.execute' }]],
    [['op.get_context().connection.execute("A")'], [{ text: 'A', via: 'connection.execute' }]],
    [['conn.execute("A")'], []],
    [['conn = engine.connect()', 'conn.execute("A")'], []],
    [['with op.batch_alter_table("t") as b:', '    b.execute("A")'], [{ text: 'A', via: 'op.execute' }]],
    [['op.execute(sa.text("A").bindparams(x=1))'], [{ text: 'A', wrappedInText: true }]],
    [['stmt = sa.text("A")', 'op.get_bind().execute(stmt, {"x": 1})'], [{ text: 'A', wrappedInText: true }]],
    [['op.execute(table.insert().values(a=1))'], []],
    [['op.execute(b"SELECT 1")'], []],
  ] as [string[], Partial<SqlString>[]][])('%j', (body, expected) => check(body, expected));

  it('marks SQL inside an autocommit block', () => {
    check(['with op.get_context().autocommit_block():', '    op.execute("A")'], [{ inAutocommitBlock: true }]);
  });
});

describe('how the string is evaluated', () => {
  it.each([
    [['op.execute("a" \'b\')'], 'ab', false],
    [['op.execute("""\n        SELECT 1;\n        SELECT 2;\n    """)'], '\n        SELECT 1;\n        SELECT 2;\n    ', false],
    [['op.execute("it\'s \\\\ \\t")'], "it's \\ \t", false],
    [['op.execute(f"DROP TABLE {name}")'], 'DROP TABLE __dynamic__', true],
    [['op.execute("DROP TABLE %s" % name)'], 'DROP TABLE __dynamic__', true],
    [['op.execute("DROP TABLE {}".format(name))'], 'DROP TABLE __dynamic__', true],
    [['op.execute("DROP TABLE " + name)'], 'DROP TABLE __dynamic__', true],
    [['op.execute("A" + "B")'], 'AB', false],
    [['sql = "A"', 'op.execute(sql)'], 'A', false],
    [['sql = "A"', 'sql += " B"', 'op.execute(sql)'], 'A B', false],
    [['sql = "A"', 'op.execute(sql)', 'sql = "B"'], 'A', false],
    [['op.execute(textwrap.dedent("""\n        A\n          B\n    """))'], '\nA\n  B\n', false],
    [['op.execute("  A  ".strip())'], 'A', false],
  ])('%j', (body, text, dynamic) => {
    expect(sqlIn(...body).map((s) => [s.text, s.dynamic])).toEqual([[text, dynamic]]);
  });

  it.each([
    [['SQL = "A"'], 'A'],
    [['SQL = "A"', 'SQL += " B"'], 'A B'],
    [['BASE = "A"', 'SQL = BASE + " B"', 'BASE = "C"'], 'A B'],
    [['SQL = "A"', 'SQL = "B"'], 'B'],
  ])('uses module-level constants %j', (module, expected) => {
    const file = parse('from alembic import op', ...module, 'def upgrade():', '    op.execute(SQL)');
    expect(fn(file, 'upgrade').sql.map((s) => s.text)).toEqual([expected]);
  });

  it('does not reuse a value once a loop rebinds the name', () => {
    expect(sqlIn('sql = "A"', 'for sql in statements:', '    op.execute(sql)')).toEqual([]);
  });
});

describe('ranges', () => {
  it.each([
    [['op.execute("A")'], '"A"'],
    [['op.execute(sa.text("A"))'], '"A"'],
    [['op.execute(\n        "A"\n        "B"\n    )'], '"A"\n        "B"'],
    [['sql = """A"""', 'op.execute(sql)'], '"""A"""'],
  ])('%j', (body, expected) => {
    const file = upgrade(...body);
    expect(textAt(file, fn(file, 'upgrade').sql[0].range)).toBe(expected);
  });

  it('records the whole call as callRange', () => {
    const file = upgrade('conn = op.get_bind()', 'conn.execute(sa.text("A"))');
    expect(textAt(file, fn(file, 'upgrade').sql[0].callRange)).toBe('conn.execute(sa.text("A"))');
  });
});

describe('positionAt', () => {
  // Each row: the body, a needle in the SQL text, and what the file holds at its position.
  it.each([
    [['op.execute("SELECT x FROM t")'], 'FROM', 'FROM'],
    [['op.execute("a\\tb FROM t")'], 'FROM', 'FROM'],
    [['op.execute("a\\tb FROM t")'], '\t', '\\t'],
    [['op.execute(r"\\d FROM t")'], 'FROM', 'FROM'],
    [['op.execute("""\n        SELECT 1\n        FROM t""")'], 'FROM', 'FROM'],
    [['op.execute("SELECT 1 "\n        "FROM t")'], 'FROM', 'FROM'],
    [['op.execute("SELECT 1 " \\\n        "FROM t")'], 'FROM', 'FROM'],
    [['op.execute("SELECT \\\nFROM t")'], 'FROM', 'FROM'],
    [['op.execute(f"SELECT {x} FROM t")'], 'FROM', 'FROM'],
    [['op.execute(f"SELECT {x} FROM t")'], '__dynamic__', '{x}'],
    [['op.execute("SELECT %s FROM t" % x)'], 'FROM', 'FROM'],
    [['op.execute("\\u00e9 FROM t")'], 'FROM', 'FROM'],
    [['op.execute("\\N{EM DASH} FROM t")'], 'FROM', 'FROM'],
    [['sql = "SELECT 1 FROM t"', 'op.execute(sql)'], 'FROM', 'FROM'],
    [['op.execute(textwrap.dedent("""\n        SELECT 1\n        FROM t"""))'], 'FROM', 'FROM'],
    [['op.execute("é😀 FROM t")'], 'FROM', 'FROM'],
  ])('%j: %j', (body, needle, expected) => {
    const file = upgrade(...body);
    const sql = fn(file, 'upgrade').sql[0];
    expect(fileTextAtSql(file, sql, sql.text.indexOf(needle), expected.length)).toBe(expected);
  });

  it('maps the end of the text just past the closing piece', () => {
    const file = upgrade('op.execute("AB")');
    const sql = fn(file, 'upgrade').sql[0];
    // Line 3 is `    op.execute("AB")`; column 18 is the closing quote.
    expect(sql.positionAt(sql.text.length)).toEqual({ line: 3, character: 18 });
  });
});
