import { describe, expect, it } from 'vitest';
import { parseRevisionFile } from '../../../server/src/core/parse';
import { leftBehind } from '../../../server/src/core/rules/ops/leftBehind';

/** What a revision that failed partway left, where DDL is not transactional. */

const FILE = parseRevisionFile(
  '/v/r5.py',
  [
    'revision = "r5"',
    'down_revision = "r4"',
    'def upgrade():',
    '    op.create_table("half_a", sa.Column("id", sa.Integer()))',
    '    op.add_column("accounts", sa.Column("nickname", sa.Text()))',
    '    op.create_index("ix_nick", "accounts", ["nickname"])',
    '    op.execute("INSERT INTO no_such_table VALUES (1)")',
    '    op.create_table("never", sa.Column("id", sa.Integer()))',
    '',
  ].join('\n'),
);

describe('leftBehind', () => {
  it.each([
    ['the execute that failed', 'INSERT INTO no_such_table VALUES (1)', ['table half_a', 'column accounts.nickname', 'index ix_nick']],
    ['the index, as SQLAlchemy writes it', 'CREATE INDEX ix_nick ON accounts (nickname)', ['table half_a', 'column accounts.nickname']],
    ['the column', 'ALTER TABLE accounts ADD COLUMN nickname TEXT', ['table half_a']],
    ['the first table, quoted', 'CREATE TABLE "half_a" (\n\tid INTEGER\n)', []],
  ])('names what ran before %s', (_name, statement, left) => {
    expect(leftBehind(FILE, 'upgrade', statement)).toEqual({ left, certain: true });
  });

  it('names everything, as what may stay, when no call sent the statement', () => {
    expect(leftBehind(FILE, 'upgrade', 'SELECT 1')).toEqual({ left: ['table half_a', 'column accounts.nickname', 'index ix_nick', 'table never'], certain: false });
  });
});
