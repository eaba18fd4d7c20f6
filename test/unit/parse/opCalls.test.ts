import { describe, expect, it } from 'vitest';
import type { OpCall } from '../../../server/src/core/parse/types';
import { fn, parse, textAt } from './helpers';

/** Parses `body` as the body of upgrade() and returns its op calls. */
function callsIn(...body: string[]): OpCall[] {
  return fn(parse('from alembic import op', 'def upgrade():', ...body.map((l) => `    ${l}`)), 'upgrade').opCalls;
}

function summary(c: OpCall): string {
  const where = [c.receiver, c.batchTable, c.inAutocommitBlock ? 'autocommit' : undefined].filter(Boolean);
  return `${c.name} (${where.join(', ')})`;
}

function check(body: string[], expected: string[]): void {
  expect(callsIn(...body).map(summary)).toEqual(expected);
}

describe('op calls at any depth', () => {
  it.each([
    [['op.drop_table("t")'], ['drop_table (op)']],
    [['if x:', '    for y in z:', '        try:', '            op.drop_table("t")', '        except E:', '            pass'], ['drop_table (op)']],
    [['op.create_index(op.f("ix"), "t", ["a"])'], ['create_index (op)', 'f (op)']],
    [['conn = op.get_bind()'], ['get_bind (op)']],
    [['other.drop_table("t")', 'opx.drop_table("t")'], []],
    [['def helper():', '    op.drop_table("t")', 'helper()'], ['drop_table (op)']],
  ])('%j', (body, expected) => check(body, expected));

  it('follows an aliased op import', () => {
    const file = parse('from alembic import op as migration_op', 'def upgrade():', '    migration_op.drop_table("t")');
    expect(fn(file, 'upgrade').opCalls.map((c) => c.name)).toEqual(['drop_table']);
  });
});

describe('batch_alter_table', () => {
  it.each([
    [['with op.batch_alter_table("t") as batch_op:', '    batch_op.drop_column("c")'], ['batch_alter_table (op)', 'drop_column (batch, t)']],
    [['with op.batch_alter_table(table_name="t", schema="s") as b:', '    b.drop_column("c")'], ['batch_alter_table (op)', 'drop_column (batch, t)']],
    [['with op.batch_alter_table(TABLE) as b:', '    b.drop_column("c")'], ['batch_alter_table (op)', 'drop_column (batch)']],
    [['with op.batch_alter_table("t") as b:', '    pass', 'b.drop_column("c")'], ['batch_alter_table (op)']],
    [
      ['with op.batch_alter_table("a") as b:', '    with op.batch_alter_table("c") as d:', '        b.x()', '        d.y()'],
      ['batch_alter_table (op)', 'batch_alter_table (op)', 'x (batch, a)', 'y (batch, c)'],
    ],
    [
      ['with (', '    op.batch_alter_table("t") as b,', '    op.get_context().autocommit_block(),', '):', '    b.x()'],
      ['batch_alter_table (op)', 'get_context (op)', 'x (batch, t, autocommit)'],
    ],
  ])('%j', (body, expected) => check(body, expected));
});

describe('autocommit_block', () => {
  it.each([
    [['with op.get_context().autocommit_block():', '    op.execute("x")'], ['get_context (op)', 'execute (op, autocommit)']],
    [['ctx = op.get_context()', 'with ctx.autocommit_block() as blk:', '    op.f("x")'], ['get_context (op)', 'f (op, autocommit)']],
    [
      ['with op.get_context().autocommit_block():', '    with op.batch_alter_table("t") as b:', '        b.x()', 'op.y()'],
      ['get_context (op)', 'batch_alter_table (op, autocommit)', 'x (batch, t, autocommit)', 'y (op)'],
    ],
    [['with something.autocommit_block():', '    op.x()'], ['x (op)']],
  ])('%j', (body, expected) => check(body, expected));
});

describe('arguments', () => {
  const [call] = callsIn(
    'op.add_column("t", sa.Column("c", sa.Integer(), nullable=False, server_default="0"), schema=None, *rest, **kw)',
  );

  it('lists positional then keyword arguments in source order', () => {
    expect(call.args.map((a) => [a.keyword, a.text])).toEqual([
      [undefined, '"t"'],
      [undefined, 'sa.Column("c", sa.Integer(), nullable=False, server_default="0")'],
      ['schema', 'None'],
      [undefined, '*rest'],
      [undefined, '**kw'],
    ]);
  });

  it('describes calls in arguments so rules can look inside', () => {
    expect(call.args[1].value).toMatchObject({
      call: 'sa.Column',
      args: [{ value: 'c' }, { value: { call: 'sa.Integer', args: [] } }, { keyword: 'nullable', value: false }, { keyword: 'server_default', value: '0' }],
    });
  });

  it.each([
    ['"a" "b"', 'ab'],
    ['-1.5', -1.5],
    ['0x10', 16],
    ['1_000', 1000],
    ['True', true],
    ['None', null],
    ['("a", ["b", 2])', ['a', ['b', 2]]],
    ['op.f("ix_a")', { call: 'op.f', args: [{ text: '"ix_a"', value: 'ix_a' }] }],
  ])('value of %s', (source, expected) => {
    const [c] = callsIn(`op.x(${source})`);
    expect(c.args[0].value).toMatchObject(expected as object);
  });

  it.each([['name'], ['f"{x}"'], ['b"x"'], ['("a", name)'], ['x + 1'], ['1j']])('no value for %s', (source) => {
    const [c] = callsIn(`op.x(${source})`);
    expect(c.args[0].value).toBeUndefined();
  });
});

describe('op call ranges', () => {
  const file = parse('from alembic import op', 'def upgrade():', '    op.drop_table(', '        "t",', '        schema="s",', '    )');
  const [call] = fn(file, 'upgrade').opCalls;

  it.each([
    ['range', call.range, 'op.drop_table(\n        "t",\n        schema="s",\n    )'],
    ['calleeRange', call.calleeRange, 'op.drop_table'],
    ['first argument', call.args[0].range, '"t"'],
    ['keyword argument', call.args[1].range, 'schema="s"'],
  ])('%s', (_label, range, expected) => {
    expect(textAt(file, range)).toBe(expected);
  });
});
