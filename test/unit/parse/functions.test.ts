import { describe, expect, it } from 'vitest';
import { fn, parse, textAt } from './helpers';

describe('which functions are migration functions', () => {
  it.each([
    ['def upgrade(): pass', 'upgrade', 'upgrade', ''],
    ['def downgrade(): pass', 'downgrade', 'downgrade', ''],
    ['def upgrade_engine1(): pass', 'upgrade_engine1', 'upgrade', 'engine1'],
    ['def downgrade_engine_2(): pass', 'downgrade_engine_2', 'downgrade', 'engine_2'],
    ['async def upgrade(): pass', 'upgrade', 'upgrade', ''],
    ['@decorator\ndef upgrade(): pass', 'upgrade', 'upgrade', ''],
  ])('%j', (source, name, direction, engine) => {
    const f = fn(parse(source), name);
    expect([f.direction, f.engine]).toEqual([direction, engine]);
  });

  it.each([['def upgrader(): pass'], ['def helper(): pass'], ['class C:\n    def upgrade(self): pass']])(
    '%j is not one',
    (source) => {
      expect(parse(source).functions).toEqual([]);
    },
  );

  it('keeps only the last definition of a name', () => {
    const file = parse('def upgrade():\n    op.a()', 'def upgrade():\n    op.b()');
    expect(file.functions.map((f) => f.opCalls[0].name)).toEqual(['b']);
  });
});

describe('empty bodies', () => {
  it.each([
    ['def downgrade():\n    pass', true],
    ['def downgrade(): ...', true],
    ['def downgrade():\n    """Nothing."""', true],
    ['def downgrade():\n    """Doc."""\n    pass', true],
    ['def downgrade():\n    # only a comment\n    pass\n    # and another', true],
    ['def downgrade():\n    op.drop_table("t")', false],
    ['def downgrade():\n    return', false],
    ['def downgrade():\n    x = 1', false],
  ])('%j', (source, isEmpty) => {
    expect(fn(parse(source), 'downgrade').isEmpty).toBe(isEmpty);
  });
});

describe('raise NotImplementedError', () => {
  it.each([
    ['def downgrade():\n    raise NotImplementedError', true],
    ['def downgrade():\n    raise NotImplementedError()', true],
    ['def downgrade():\n    raise NotImplementedError("no way back")', true],
    ['def downgrade():\n    """Irreversible."""\n    # really\n    raise NotImplementedError', true],
    ['def downgrade():\n    raise RuntimeError("x")', false],
    ['def downgrade():\n    if x:\n        raise NotImplementedError', false],
    ['def downgrade():\n    op.drop_table("t")\n    raise NotImplementedError', false],
  ])('%j', (source, raises) => {
    expect(fn(parse(source), 'downgrade').raisesNotImplemented).toBe(raises);
  });
});

describe('function ranges', () => {
  const file = parse('@dec', 'def upgrade() -> None:', '    """Doc."""', '    op.drop_table("t")', '', '', '# after');
  const f = fn(file, 'upgrade');

  it.each([
    ['range', f.range, 'def upgrade() -> None:\n    """Doc."""\n    op.drop_table("t")'],
    ['nameRange', f.nameRange, 'upgrade'],
    ['bodyRange', f.bodyRange, '"""Doc."""\n    op.drop_table("t")'],
  ])('%s', (_label, range, expected) => {
    expect(textAt(file, range)).toBe(expected);
  });

  it('covers a one-line body', () => {
    const one = parse('def upgrade(): pass');
    expect(textAt(one, fn(one, 'upgrade').bodyRange)).toBe('pass');
  });
});
