import { describe, expect, it } from 'vitest';
import { lexSql, replaceBinds } from '../../../server/src/core/sql/lexer';
import { Utf8Offsets } from '../../../server/src/core/sql/utf8Offsets';

const prepare = (sql: string): string => replaceBinds(sql, lexSql(sql, true));

describe('replaceBinds', () => {
  it.each([
    ['SELECT * FROM t WHERE id = :id', 'SELECT * FROM t WHERE id = $1 '],
    ['UPDATE t SET a = :value, b = :b', 'UPDATE t SET a = $1    , b = $1'],
    ['SELECT x::int, (:v)', 'SELECT x::int, ($1)'],
    ["SELECT ':literal', \"a:b\"", "SELECT ':literal', \"a:b\""],
    ['SELECT 1 -- :comment\n, 2 /* :c */', 'SELECT 1 -- :comment\n, 2 /* :c */'],
    ['DO $$ BEGIN x := :y; END $$', 'DO $$ BEGIN x := :y; END $$'],
    ['DO $body$ BEGIN x := 1; END $body$; SELECT :z', 'DO $body$ BEGIN x := 1; END $body$; SELECT $1'],
    ['SELECT arr[1:n], arr[lo:hi]', 'SELECT arr[1:n], arr[lo:hi]'],
    ['SELECT 1\\:\\:int', 'SELECT 1::  int'],
    ["SELECT E'it\\'s :x', :y", "SELECT E'it\\'s :x', $1"],
    // Word characters beyond ASCII: letters and digits of any script continue a name.
    ['SELECT :naïve, :名前, :x١, é:y, _:z, 9:w', 'SELECT $1    , $1 , $1 , é:y, _:z, 9:w'],
    // `ñE'...'` is no escape string (the E ends a longer name), so its backslash escapes nothing.
    ["SELECT ñE'\\':x', :v", "SELECT ñE'\\'$1', :v"],
  ])('%s', (sql, expected) => {
    const prepared = prepare(sql);
    expect(prepared).toBe(expected);
    expect(prepared.length).toBe(sql.length);
  });

  it("marks a bind parameter that SQLAlchemy's regex cuts short before a cast", () => {
    const [bind] = lexSql('SELECT :name::int', true).binds;
    expect(bind).toMatchObject({ name: 'nam', truncated: true });
  });

  it('replaces psycopg placeholders, not colons, in SQL that goes to the driver as it is', () => {
    const sql = "SELECT :x, %s, %(name)s, 5 % 2, '%s' FROM t";
    expect(replaceBinds(sql, lexSql(sql, false))).toBe("SELECT :x, $1, $1      , 5 % 2, '%s' FROM t");
  });
});

describe('lexSql', () => {
  it('finds only the semicolons outside literals, comments and dollar quotes', () => {
    const sql = "SELECT ';'; -- ;\nDO $f$ BEGIN NULL; END $f$; SELECT \"a;b\"";
    expect(lexSql(sql, true).semicolons.map((i) => sql.slice(0, i + 1).split('\n').length)).toEqual([1, 2]);
    expect(lexSql(sql, true).semicolons).toHaveLength(2);
  });

  it('does not read a $ inside an identifier as a dollar quote', () => {
    expect(lexSql('SELECT a$b$; SELECT 2', true).semicolons).toHaveLength(1);
  });
});

describe('Utf8Offsets', () => {
  it('maps byte offsets to UTF-16 offsets', () => {
    const text = 'aé€😀b';
    const o = new Utf8Offsets(text);
    expect([0, 1, 3, 6, 10].map((b) => o.toUtf16(b))).toEqual([0, 1, 2, 3, 5]);
  });

  it('maps code point offsets to UTF-16 offsets', () => {
    const o = new Utf8Offsets('a😀b😀c');
    expect([0, 1, 2, 3, 4, 5].map((c) => o.codePointToUtf16(c))).toEqual([0, 1, 3, 4, 6, 7]);
  });
});
