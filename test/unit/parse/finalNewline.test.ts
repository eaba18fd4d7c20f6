import { describe, expect, it } from 'vitest';
import { parseRevisionFile, parseRevisionFileIncremental } from '../../../server/src/core/parse';

/**
 * Lezer's incremental parse of a file that does not end with a line break could close the last
 * function's block differently than a parse from scratch: after a one-character edit inside
 * `upgrade()`, `upgrade()` swallowed `downgrade()` (found by `npm run fuzz`, in a corpus file
 * cut short by the fuzzer). VS Code adds no final newline unless told to, and a user typing at
 * the end of `downgrade()` is in exactly that state.
 */
const FILE = '/p/versions/a1_indexes.py';
const tables = Array.from({ length: 40 }, (_, i) => `table_${i}`);
const text = [
  '"""add indexes',
  '',
  'Revision ID: a1',
  'Revises: ',
  '"""',
  'from alembic import op',
  '',
  "revision = 'a1'",
  'down_revision = None',
  '',
  '',
  'def upgrade():',
  ...tables.map((t) => `    op.create_index(op.f("ix_${t}_created_at"), "${t}", ["created_at"], unique=False)`),
  '    # ### end Alembic commands ###',
  '',
  '',
  'def downgrade():',
  ...tables.map((t) => `    op.drop_index(op.f("ix_${t}_created_at"), table_name="${t}")`),
  '    op.drop_ind',
].join('\n');

describe('incremental parse of a file without a final line break', () => {
  it('equals the parse from scratch after every one-letter edit of upgrade()', () => {
    const start = text.indexOf('def upgrade');
    const end = text.indexOf('def downgrade');
    const previous = parseRevisionFileIncremental(FILE, text).state;
    let edits = 0;
    for (let at = start; at < end; at += 7) {
      if (!/[a-z_]/.test(text[at]!)) continue;
      const edited = `${text.slice(0, at)}${text[at] === 'x' ? 'y' : 'x'}${text.slice(at + 1)}`;
      const incremental = parseRevisionFileIncremental(FILE, edited, previous).file;
      expect(incremental.functions.map((f) => [f.name, f.range]), `edit at ${at}`).toEqual(parseRevisionFile(FILE, edited).functions.map((f) => [f.name, f.range]));
      edits++;
    }
    expect(edits).toBeGreaterThan(100);
  });
});
