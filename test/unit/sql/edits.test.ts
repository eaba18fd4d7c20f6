import { describe, expect, it } from 'vitest';
import { parseRevisionFile } from '../../../server/src/core/parse/revisionFile';
import { sqlRange } from '../../../server/src/core/sql/edits';

/** File ranges of pieces of SQL strings. */

function sqlOf(text: string): ReturnType<typeof parseRevisionFile>['functions'][number]['sql'][number] {
  return parseRevisionFile('/m/versions/x.py', text).functions[0]!.sql[0]!;
}

describe('sqlRange', () => {
  it('ends just past the last character', () => {
    const s = sqlOf('def upgrade():\n    op.execute("SELECT 1")\n');
    expect(sqlRange(s, 0, 8)).toEqual({ start: { line: 1, character: 16 }, end: { line: 1, character: 24 } });
  });

  it.each([
    ['\n', 'a newline'],
    ['\r\n', 'a CRLF'],
    ['\r', 'a lone CR'],
  ])('ends at the start of the next line when the piece ends with %j (%s) (found by fuzzing)', (eol) => {
    // One column past a line break used to be a position beyond the end of its line.
    const s = sqlOf(`def upgrade():\n    op.execute("""SELECT 1${eol}    FROM t${eol}""")\n`);
    const range = sqlRange(s, 0, s.text.indexOf('\n') + 1);
    expect(range.end.line).toBe(2);
    expect(range.end.character).toBeLessThanOrEqual(4);
  });
});
