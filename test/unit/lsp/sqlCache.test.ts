import { describe, expect, it } from 'vitest';
import type { SqlParser } from '../../../server/src/core/rules/types';
import { cachedSqlParser } from '../../../server/src/lsp/sqlCache';

describe('cachedSqlParser', () => {
  it('parses each text once while it stays among the most recent', () => {
    const seen: string[] = [];
    const parser: SqlParser = { parse: (sql) => (seen.push(sql), { statements: [] }) };
    const cached = cachedSqlParser(parser, { maxEntries: 2 });
    for (const sql of ['a', 'b', 'a', 'c', 'a', 'b']) cached.parse(sql);
    // 'b' was the least recently used when 'c' came in, so it is parsed again.
    expect(seen).toEqual(['a', 'b', 'c', 'b']);
  });

  it('keeps at most maxChars characters of SQL, and never a text longer than that', () => {
    const seen: string[] = [];
    const parser: SqlParser = { parse: (sql) => (seen.push(sql), { statements: [] }) };
    const cached = cachedSqlParser(parser, { maxChars: 10 });
    for (const sql of ['aaaa', 'bbbb', 'aaaa', 'cccc', 'aaaa', 'bbbb', 'x'.repeat(11), 'x'.repeat(11)]) cached.parse(sql);
    // 'cccc' pushed the total to 12 characters, so the least recent, 'bbbb', left.
    expect(seen).toEqual(['aaaa', 'bbbb', 'cccc', 'bbbb', 'x'.repeat(11), 'x'.repeat(11)]);
  });
});
