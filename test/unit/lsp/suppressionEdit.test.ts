import { describe, expect, it } from 'vitest';
import { applyTextEdits } from '../../../server/src/lsp/features/textEdits';
import { suppressionEdit } from '../../../server/src/lsp/features/suppressionEdit';

/** Where "Disable <rule> for this line" puts its comment; `null` means the action is not offered. */

const cases: { name: string; text: string; line: number; expected: string | null }[] = [
  { name: 'the end of a plain line', text: 'x = 1\ny = 2\n', line: 1, expected: 'x = 1\ny = 2  # alembic-pilot: ignore[missing-downgrade]\n' },
  { name: 'an existing comment on the line gets the id', text: 'y = 2  # alembic-pilot: ignore[sql-syntax]\n', line: 0, expected: 'y = 2  # alembic-pilot: ignore[sql-syntax, missing-downgrade]\n' },
  { name: 'a line ending in another comment gets one above', text: 'def f():\n    y = 2  # noqa\n', line: 1, expected: 'def f():\n    # alembic-pilot: ignore[missing-downgrade]\n    y = 2  # noqa\n' },
  { name: 'a line opening a string gets one above', text: 'op.execute("""\n  SELECT 1\n""")\n', line: 0, expected: '# alembic-pilot: ignore[missing-downgrade]\nop.execute("""\n  SELECT 1\n""")\n' },
  { name: 'a line inside a string gets nothing', text: 'op.execute("""\n  SELECT 1\n""")\n', line: 1, expected: null },
  { name: 'CRLF line breaks are kept', text: 'a = (\r\n    1  # x\r\n)\r\n', line: 1, expected: 'a = (\r\n    # alembic-pilot: ignore[missing-downgrade]\r\n    1  # x\r\n)\r\n' },
];

describe('suppressionEdit', () => {
  for (const c of cases) {
    it(c.name, () => {
      const edit = suppressionEdit(c.text, c.line, 'missing-downgrade');
      expect(edit ? applyTextEdits(c.text, [edit]) : null).toBe(c.expected);
    });
  }

  it('offers nothing when the rule is already listed', () => {
    expect(suppressionEdit('y = 2  # alembic-pilot: ignore[missing-downgrade]\n', 0, 'missing-downgrade')).toBeUndefined();
  });
});
