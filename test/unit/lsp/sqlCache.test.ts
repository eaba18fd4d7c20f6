import { describe, expect, it } from 'vitest';
import type { SqlParser } from '../../../server/src/core/rules/types';
import { cachedSqlParser } from '../../../server/src/lsp/sqlCache';

describe('cachedSqlParser', () => {
  it('parses each text once while it stays among the most recent', () => {
    const seen: string[] = [];
    const parser: SqlParser = { parse: (sql) => (seen.push(sql), { statements: [] }) };
    const cached = cachedSqlParser(parser, 2);
    for (const sql of ['a', 'b', 'a', 'c', 'a', 'b']) cached.parse(sql);
    // 'b' was the least recently used when 'c' came in, so it is parsed again.
    expect(seen).toEqual(['a', 'b', 'c', 'b']);
  });
});
