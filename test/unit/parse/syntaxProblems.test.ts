import { describe, expect, it } from 'vitest';
import { parseRevisionFile } from '../../../server/src/core/parse/revisionFile';

function problemsOf(source: string) {
  return parseRevisionFile('/m/versions/x.py', source).problems;
}

/**
 * Each row: source, then where CPython 3.11 reports the error (1-based line and column, as in
 * its message) and what our message says after the location.
 */
describe('python-syntax: the first error, where CPython reports it', () => {
  it.each([
    ['print "x"\n', 1, 1, "Missing parentheses in call to 'print' (Python 2 syntax)"],
    ['try:\n    pass\nexcept Exception, e:\n    pass\n', 3, 8, "'except E, name' is Python 2 syntax, use 'except E as name'"],
    ['raise E, "m"\n', 1, 8, "'raise E, value' is Python 2 syntax, use 'raise E(value)'"],
    ['if a <> b:\n    pass\n', 1, 6, "'<>' is Python 2 syntax, use '!='"],
    ['x = 0777\n', 1, 5, 'leading zeros in decimal integer literals are not permitted (Python 2 octal)'],
    ['x = "abc\n', 1, 5, 'unterminated string literal'],
    ['x = """abc\n', 1, 5, 'unterminated triple-quoted string literal'],
    ['def upgrade():\n    op.add_column("t", sa.Column("x")\n    op.drop_table("y")\n', 2, 18, "'(' was never closed"],
    ['x = (1,\n', 1, 5, "'(' was never closed"],
    ['x = `y`\n', 1, 5, "unexpected '`'"],
    ['exec "x"\n', 1, 1, "Missing parentheses in call to 'exec' (Python 2 syntax)"],
    ['x = [1, 2\ny = 3\n', 1, 5, "'[' was never closed"],
    ['def f()\n    pass\n', 1, 8, 'unexpected end of line'],
    ['revision = "a"\nfoo bar\n', 2, 5, "unexpected 'bar'"],
  ])('%j', (source, line, column, what) => {
    expect(problemsOf(source).map((p) => [p.code, p.message])).toEqual([
      ['python-syntax', `Python cannot parse line ${line}, column ${column}: ${what}`],
    ]);
  });
});

describe('python-syntax: valid Python 3 is not flagged', () => {
  it.each([
    ['print("ok")\nprint ("a", "b")\n'],
    ['x = 0\ny = 00\nz = 0.5\nw = 0o17\nv = 0777.5\n'],
    ['try:\n    pass\nexcept (A, B) as e:\n    pass\n'],
    ['raise E("m") from None\n'],
    ['x = "a\\\\"\ny = r"\\""\n'],
    ['# -*- coding: latin-1 -*-\nx = 1\n'],
    ['with (open(a) as b, open(c) as d):\n    pass\n'],
    ['with (\n    op.batch_alter_table("t") as b,\n    op.get_context().autocommit_block(),\n):\n    pass\n'],
    ['def f():\n    yield\n    x = yield\n    yield  # comment\n'],
  ])('%j', (source) => {
    expect(problemsOf(source)).toEqual([]);
  });
});

describe('python-syntax problem details', () => {
  const [problem] = problemsOf('x = 1\ny = (\n');

  it('names the file', () => {
    expect(problem.file).toBe('/m/versions/x.py');
  });

  it('has a range at the fault', () => {
    expect(problem.range).toEqual({ start: { line: 1, character: 4 }, end: { line: 1, character: 5 } });
  });

  it('reports only the first fault', () => {
    expect(problemsOf('print "a"\nprint "b"\n')).toHaveLength(1);
  });
});

describe('byte order mark', () => {
  it('is dropped, so positions match the editor', () => {
    const file = parseRevisionFile('/x.py', '\uFEFFrevision = "a"\n');
    expect([file.text.startsWith('revision'), file.revision?.valueRange.start]).toEqual([true, { line: 0, character: 11 }]);
  });

  it('is refused by Python together with a non-UTF-8 coding cookie', () => {
    const file = parseRevisionFile('/x.py', '\uFEFF# -*- coding: latin-1 -*-\nrevision = "a"\n');
    expect(file.problems.map((p) => p.code)).toEqual(['python-syntax']);
  });

  it('is fine with a UTF-8 coding cookie', () => {
    expect(parseRevisionFile('/x.py', '\uFEFF# coding: utf8\nx = 1\n').problems).toEqual([]);
  });
});
