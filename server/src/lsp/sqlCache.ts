import type { SqlParser } from '../core/rules/types';

/** How much the cache keeps: at most this many texts, and at most this many characters of them. */
export interface SqlCacheLimits {
  maxEntries: number;
  maxChars: number;
}

/**
 * Enough for the SQL of the files a user edits (a 2,000-line migration has a few hundred
 * strings), and small enough that an edit storm cannot grow the server: a parse is held as JS
 * objects several times the size of its text, and 20,000 cached texts once took 17 MB of the
 * 50 MB an edit storm may add.
 */
export const SQL_CACHE_LIMITS: SqlCacheLimits = { maxEntries: 1_000, maxChars: 500_000 };

/**
 * PostgreSQL's parser behind a cache keyed by the SQL text. A keystroke re-parses the file and
 * so hands the SQL rules new string objects, but nearly all of their texts are the ones of the
 * previous keystroke; parsing a few hundred statements again would cost more than the rest
 * of the lint. Parse results are plain data that the rules only read. The least recently used
 * texts leave first when either limit is passed; a text longer than the whole budget is parsed
 * and not kept.
 */
export function cachedSqlParser(parser: SqlParser, limits: Partial<SqlCacheLimits> = {}): SqlParser {
  const { maxEntries, maxChars } = { ...SQL_CACHE_LIMITS, ...limits };
  const cache = <V>() => {
    const map = new Map<string, V>();
    let chars = 0;
    return (key: string, compute: () => V): V => {
      const hit = map.get(key);
      if (hit !== undefined) {
        // Re-inserting keeps the map in least-recently-used order, so eviction drops old texts.
        map.delete(key);
        map.set(key, hit);
        return hit;
      }
      const value = compute();
      if (key.length > maxChars) return value;
      map.set(key, value);
      chars += key.length;
      while (map.size > maxEntries || chars > maxChars) {
        const oldest = map.keys().next().value!;
        map.delete(oldest);
        chars -= oldest.length;
      }
      return value;
    };
  };
  const parses = cache<ReturnType<SqlParser['parse']>>();
  const plpgsql = parser.parsePlpgsql?.bind(parser);
  const bodies = cache<ReturnType<NonNullable<SqlParser['parsePlpgsql']>>>();
  return {
    parse: (sql) => parses(sql, () => parser.parse(sql)),
    ...(plpgsql ? { parsePlpgsql: (body: string) => bodies(body, () => plpgsql(body)) } : {}),
  };
}
