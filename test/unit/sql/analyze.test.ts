import { beforeAll, describe, expect, it } from 'vitest';
import { parseRevisionFile } from '../../../server/src/core/parse/revisionFile';
import type { SqlString } from '../../../server/src/core/parse/types';
import type { SqlParser } from '../../../server/src/core/rules/types';
import { analyzeSql, loadSqlParser } from '../../../server/src/core/sql';

let real: SqlParser;

beforeAll(async () => {
  real = await loadSqlParser();
});

/** PostgreSQL's parser, counting the texts it is asked to parse. */
function countingParser(): { parser: SqlParser; parsed: string[] } {
  const parsed: string[] = [];
  return { parser: { parse: (sql) => (parsed.push(sql), real.parse(sql)), parsePlpgsql: (body) => real.parsePlpgsql!(body) }, parsed };
}

/** The SQL strings of upgrade() when its body is `lines`. */
function sqlOf(...lines: string[]): SqlString[] {
  const text = ['from alembic import op', 'def upgrade():', ...lines.map((l) => `    ${l}`), ''].join('\n');
  return parseRevisionFile('/m/versions/x.py', text).functions[0].sql;
}

describe('analyzeSql', () => {
  it('analyses a text once for every string that has it, wherever the strings are', () => {
    const { parser, parsed } = countingParser();
    const [a, b] = sqlOf('op.execute("SELECT :x")', 'op.execute(', '    "SELECT :x"', ')');
    const first = analyzeSql(parser, a);
    const second = analyzeSql(parser, b);
    expect(parsed).toEqual(['SELECT $1']);
    expect(second.source).toBe(b);
    expect(first.source).toBe(a);
    expect({ ...second, source: undefined }).toEqual({ ...first, source: undefined });
  });

  it('gives a string its own analysis when binds are written differently', () => {
    const { parser } = countingParser();
    const [viaOp, viaConnection] = sqlOf('op.execute("SELECT :x")', 'op.get_bind().execute("SELECT :x")');
    expect(analyzeSql(parser, viaOp).prepared).toBe('SELECT $1');
    expect(analyzeSql(parser, viaConnection).prepared).toBe('SELECT :x');
  });

  it('gives a string its own analysis when it has placeholders', () => {
    const { parser } = countingParser();
    const [literal, dynamic] = sqlOf('op.execute("SELECT * FROM __dynamic__ __dynamic__ __dynamic__")', 'op.execute(f"SELECT * FROM {a} {b} {c}")');
    expect(dynamic.text).toBe(literal.text);
    expect(analyzeSql(parser, literal).error).toBeDefined();
    expect(analyzeSql(parser, dynamic).error).toBeUndefined();
  });

  it('keeps analyses per parser', () => {
    const one = countingParser();
    const other = countingParser();
    const [s] = sqlOf('op.execute("SELECT 1")');
    analyzeSql(one.parser, s);
    analyzeSql(other.parser, s);
    expect([one.parsed, other.parsed]).toEqual([['SELECT 1'], ['SELECT 1']]);
  });
});
