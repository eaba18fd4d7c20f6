import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { incompleteDowngrade } from '../../../server/src/core/rules/incomplete-downgrade';
import type { SqlParser } from '../../../server/src/core/rules/types';
import { loadSqlParser } from '../../../server/src/core/sql';
import { lintFixtureText, parseMarkers } from '../../helpers/ruleFixtures';

/**
 * incomplete-downgrade stays quiet whenever the downgrade might undo what it cannot read. Each
 * case pairs an upgrade that creates table `t` (and index `ix`) with a downgrade that drops
 * only the index and then does one thing the rule cannot see through.
 */

let sql: SqlParser;
beforeAll(async () => {
  sql = await loadSqlParser();
});

const FILE = path.resolve('/tmp/versions/c1_x.py');
const HEAD = 'from alembic import op\nimport sqlalchemy as sa\n\nrevision = "c1"\ndown_revision = None\n\nkind = sa.Enum("a", name="kind")\n\n\ndef upgrade():\n    op.create_table("t", sa.Column("k", sa.Enum("a", name="k_enum")))\n    op.create_index("ix", "t", ["k"])\n\n\ndef downgrade():\n    op.drop_index("ix", table_name="t")\n';

function reported(tail: string, withSql = true): string[] {
  const out = lintFixtureText(HEAD + tail, { rules: [incompleteDowngrade], ...(withSql ? { sql } : {}) }, FILE);
  return parseMarkers(out).markers.map((m) => m.message);
}

describe('incomplete-downgrade', () => {
  it('names the table and the enum type the downgrade leaves behind', () => {
    expect(reported('')).toEqual([
      expect.stringContaining('leaves table `t` behind'),
      expect.stringContaining('leaves enum type `k_enum` behind'),
    ]);
  });

  it('reads raw SQL with the SQL parser', () => {
    expect(reported('    op.execute("DROP TABLE t; DROP TYPE k_enum")\n')).toEqual([]);
    expect(reported('    op.execute("DROP TABLE t")\n')).toEqual([expect.stringContaining('enum type `k_enum`')]);
  });

  it('judges nothing when the downgrade runs SQL and the parser is not loaded', () => {
    expect(reported('    op.execute("SELECT 1")\n', false)).toEqual([]);
    expect(reported('', false)).toHaveLength(2);
  });

  it.each([
    ['a helper function', '    drop_leftovers()\n'],
    ['a drop whose table is a variable', '    name = "t"\n    op.drop_table(name)\n    op.execute("DROP TYPE k_enum")\n'],
    ['dynamic SQL', '    op.execute(f"DROP TABLE {name}")\n'],
    ['SQL that does not parse', '    op.execute("DROP TABLE t; DROP TYP k_enum")\n'],
    ['a DO block', '    op.execute("DO $$ BEGIN EXECUTE \'DROP TABLE t\'; END $$")\n'],
    ['metadata.drop_all', '    metadata.drop_all(op.get_bind())\n'],
    ['.drop() on an unknown object', '    some_table.drop(op.get_bind())\n'],
    ['an unknown op method', '    op.invoke(DropEverything())\n'],
  ])('judges nothing after %s', (_, tail) => {
    expect(reported(tail)).toEqual([]);
  });

  it.each([
    ['sa.Enum(...).drop()', '    op.drop_table("t")\n    sa.Enum(name="k_enum").drop(op.get_bind(), checkfirst=True)\n'],
    ['postgresql.ENUM(...).drop()', '    op.drop_table("t")\n    postgresql.ENUM(name="k_enum").drop(op.get_bind())\n'],
    ['DROP TYPE IF EXISTS', '    op.drop_table("t")\n    op.execute("DROP TYPE IF EXISTS k_enum")\n'],
  ])('accepts %s as dropping the enum type', (_, tail) => {
    expect(reported(tail)).toEqual([]);
  });

  it('resolves an enum bound at module level, and only that one', () => {
    expect(reported('    op.drop_table("t")\n    kind.drop(op.get_bind())\n')).toEqual([expect.stringContaining('enum type `k_enum`')]);
  });
});
