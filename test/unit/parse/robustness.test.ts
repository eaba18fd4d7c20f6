import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TOO_DEEP_MESSAGE } from '../../../server/src/core/parse/nesting';
import { parseRevisionFile, parseRevisionFileIncremental, UNREADABLE_MESSAGE } from '../../../server/src/core/parse/revisionFile';
import { parseBudget, parsePython, ParseTooSlowError } from '../../../server/src/core/parse/syntax';
import type { Position } from '../../../server/src/core/types';

// Fragments that build migration-like code, broken or not.
const TOKENS = [
  'def upgrade():\n', 'def downgrade_e1():\n', '    ', '\n', 'op.execute(', 'op.add_column(', 'sa.text(', ')', '(', ',',
  '"SELECT 1"', "'a'", '"""x\n"""', 'f"{x}"', 'r"\\d"', 'b"x"', '"%s" % x', '.format(y)', ' + ', 'revision = ',
  'down_revision = ', '("a", "b")', 'None', 'with op.batch_alter_table("t") as b:\n', 'b.drop_column("c")',
  'with op.get_context().autocommit_block():\n', 'conn = op.get_bind()\n', 'conn.execute(', 'sql = ', 'sql += ',
  'raise NotImplementedError\n', 'pass\n', '...', '#', 'print "x"\n', 'except E, e:\n', '\\\n', '\r\n', '\uFEFF', 'é😀',
  '"\\N{EM DASH}"', '"unterminated', '"""open', '[', ']', '{', '}', ':', '=',
];

function inBounds(text: string, p: Position): boolean {
  const lines = text.split(/\r\n|\r|\n/);
  return p.line >= 0 && p.line < lines.length && p.character >= 0 && p.character <= lines[p.line].length;
}

describe('any input', () => {
  it('parses without throwing, with every position inside the text', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }), (tokens) => {
        const file = parseRevisionFile('/x.py', tokens.join(''));
        const positions: Position[] = [];
        for (const f of file.functions) {
          positions.push(f.range.start, f.range.end, f.bodyRange.start, f.bodyRange.end);
          for (const c of f.opCalls) for (const a of c.args) positions.push(a.range.start, a.range.end);
          for (const s of f.sql) for (let i = 0; i <= s.text.length; i++) positions.push(s.positionAt(i));
        }
        for (const p of file.problems) if (p.range) positions.push(p.range.start, p.range.end);
        expect(positions.filter((p) => !inBounds(file.text, p))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('nesting beyond what Python or the parser can follow (found by fuzzing)', () => {
  const HEADER = 'revision = "a1"\ndown_revision = None\n\n\ndef upgrade():\n    op.execute("CREATE TABLE t (id int)")\n';

  it('reports brackets nested past 200 levels as Python does, at the 201st, and keeps reading the rest', () => {
    const line = `    x = ${'('.repeat(5000)}1${')'.repeat(5000)}`;
    const file = parseRevisionFile('/x.py', `${HEADER}${line}\n`);
    expect(file.problems.map((p) => [p.message, p.range?.start])).toEqual([[TOO_DEEP_MESSAGE, { line: 6, character: 8 + 200 }]]);
    expect(file.revision?.ids).toEqual(['a1']);
    expect(file.functions[0]!.sql.map((s) => s.text)).toEqual(['CREATE TABLE t (id int)']);
  });

  it('accepts 200 levels, as Python does', () => {
    const file = parseRevisionFile('/x.py', `${HEADER}    x = ${'('.repeat(200)}1${')'.repeat(200)}\n`);
    expect(file.problems).toEqual([]);
  });

  it('parses a too-deep file incrementally as from scratch, before and after the fix', () => {
    const deep = `${HEADER}    x = ${'['.repeat(3000)}\n`;
    const first = parseRevisionFileIncremental('/x.py', deep);
    const again = parseRevisionFileIncremental('/x.py', `${deep}    y = 1\n`, first.state);
    expect(JSON.stringify(again.file)).toBe(JSON.stringify(parseRevisionFile('/x.py', `${deep}    y = 1\n`)));
    const fixed = parseRevisionFileIncremental('/x.py', `${HEADER}    x = []\n`, again.state);
    expect(JSON.stringify(fixed.file)).toBe(JSON.stringify(parseRevisionFile('/x.py', `${HEADER}    x = []\n`)));
    expect(fixed.file.problems).toEqual([]);
  });

  it('reads ten thousand `sql += ...` lines, which Python accepts', () => {
    const file = parseRevisionFile('/x.py', `${HEADER}    sql = "SELECT 1"\n${'    sql += " + 1"\n'.repeat(10_000)}    op.execute(sql)\n`);
    expect(file.functions[0]!.sql.at(-1)).toMatchObject({ dynamic: true });
  });

  it('gives up on a call chained ten thousand times, which Python refuses too, keeping the header', () => {
    const file = parseRevisionFile('/x.py', `${HEADER}    x = y${'()'.repeat(10_000)}\n`);
    expect(file.problems.map((p) => p.message)).toEqual([expect.stringMatching(new RegExp(`^${UNREADABLE_MESSAGE}`))]);
    expect(file.revision?.ids).toEqual(['a1']);
    expect(file.functions).toEqual([]);
  });
});

describe('the parse budget', () => {
  // Lezer's error recovery on this line takes time quadratic in its length (what the fuzz run found).
  const line = `x = f("a(${'"a", "b")('.repeat(2_000)}"a"${'ur"x"'.repeat(4)}, "b")("\n`;
  const text = `    ]\nif rows:\n    g(\n        h(\n${line}`;

  it('ends a parse that reads the text too often, at the same point every time', () => {
    expect(() => parsePython(text, undefined, undefined, parseBudget(text.length))).toThrow(ParseTooSlowError);
    expect(parsePython(text, undefined, undefined, 100 * parseBudget(text.length)).length).toBe(text.length);
  });

  it('leaves real migrations alone: a 50,000-line one parses within it', () => {
    const huge = `def upgrade():\n${Array.from({ length: 50_000 }, (_, i) => `    op.add_column("t${i % 100}", sa.Column("c${i}", sa.Integer()))\n`).join('')}\n\ndef downgrade():\n    pass\n`;
    expect(parsePython(huge, undefined, undefined, parseBudget(huge.length)).length).toBe(huge.length);
  });
});
