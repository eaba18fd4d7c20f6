import type { SqlParser } from '../core/rules/types';

/**
 * PostgreSQL's parser behind a cache keyed by the SQL text. A keystroke re-parses the file and
 * so hands the SQL rules new string objects, but nearly all of their texts are the ones of the
 * previous keystroke; parsing a few hundred statements again would cost more than the rest
 * of the lint. Parse results are plain data that the rules only read.
 */
export function cachedSqlParser(parser: SqlParser, maxEntries = 20_000): SqlParser {
  const parses = new Map<string, ReturnType<SqlParser['parse']>>();
  const bodies = new Map<string, ReturnType<NonNullable<SqlParser['parsePlpgsql']>>>();
  const remember = <V>(map: Map<string, V>, key: string, compute: () => V): V => {
    const hit = map.get(key);
    if (hit !== undefined) {
      // Re-inserting keeps the map in least-recently-used order, so eviction drops old texts.
      map.delete(key);
      map.set(key, hit);
      return hit;
    }
    const value = compute();
    map.set(key, value);
    if (map.size > maxEntries) map.delete(map.keys().next().value!);
    return value;
  };
  const plpgsql = parser.parsePlpgsql?.bind(parser);
  return {
    parse: (sql) => remember(parses, sql, () => parser.parse(sql)),
    ...(plpgsql ? { parsePlpgsql: (body: string) => remember(bodies, body, () => plpgsql(body)) } : {}),
  };
}
