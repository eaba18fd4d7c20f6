import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRevisionFile } from '../../../server/src/core/parse/revisionFile';
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
