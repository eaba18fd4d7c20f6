import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlParser } from '../../../server/src/core/rules/types';
import { loadSqlParser, sqlParserLoadMs } from '../../../server/src/core/sql';

let parser: SqlParser;

beforeAll(async () => {
  parser = await loadSqlParser();
});

/** The statements' text, so expectations read as SQL rather than offsets. */
function statementTexts(sql: string): string[] {
  const r = parser.parse(sql);
  if (!('statements' in r)) throw new Error(`unexpected error: ${r.error.message}`);
  return r.statements.map((s) => sql.slice(s.location, s.location + s.length));
}

function errorAt(sql: string): { message: string; rest: string } {
  const r = parser.parse(sql);
  if ('statements' in r) throw new Error('expected a syntax error');
  return { message: r.error.message, rest: sql.slice(r.error.offset) };
}

describe('loadSqlParser', () => {
  it('loads once and records how long it took', async () => {
    expect(await loadSqlParser()).toBe(parser);
    expect(sqlParserLoadMs()).toBeGreaterThan(0);
  });
});

describe('statement offsets', () => {
  it('are UTF-16 offsets of the text even after multi-byte characters', () => {
    expect(statementTexts("SELECT 'héllo wörld €'; CREATE TABLE t (name text DEFAULT '日本')")).toEqual([
      "SELECT 'héllo wörld €'",
      "CREATE TABLE t (name text DEFAULT '日本')",
    ]);
  });

  it('count a surrogate pair as two UTF-16 units', () => {
    expect(statementTexts("SELECT '😀😀'; SELECT 2")).toEqual(["SELECT '😀😀'", 'SELECT 2']);
  });

  it('leave out the whitespace and comments around statements', () => {
    expect(statementTexts('\n  SELECT 1  ;\n  -- note\n  /* c */ SELECT 2\n  ')).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('give no statements for empty or comment-only SQL', () => {
    expect(statementTexts('')).toEqual([]);
    expect(statementTexts('  -- nothing\n')).toEqual([]);
  });
});

describe('syntax errors', () => {
  it('point at the offending token after non-ASCII text', () => {
    expect(errorAt("SELECT 'ü' FROM WHERE x")).toEqual({ message: 'syntax error at or near "WHERE"', rest: 'WHERE x' });
  });

  it('count the cursor in characters, a surrogate pair being one', () => {
    expect(errorAt("SELECT '😀', 'ü' FROM WHERE x").rest).toBe('WHERE x');
  });

  it('point at the end for truncated input', () => {
    const sql = "INSERT INTO t VALUES ('é'";
    const r = parser.parse(sql);
    expect('error' in r && r.error.offset).toBe(sql.length);
  });

  it('reject SQLAlchemy bind syntax, which the rules replace first', () => {
    expect(errorAt('SELECT * FROM t WHERE id = :id').rest).toBe(':id');
  });
});

describe('statements other SQL parsers reject', () => {
  it.each([
    'CREATE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()',
    'ALTER TABLE t ALTER COLUMN c TYPE integer USING c::integer',
    'GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO app',
    'ALTER TABLE t ADD CONSTRAINT c_positive CHECK (c > 0) NOT VALID',
    'CREATE POLICY tenant ON t USING (tenant_id = current_setting($$app.tenant$$)::int)',
    "DO $$ BEGIN CREATE TYPE mood AS ENUM ('ok'); EXCEPTION WHEN duplicate_object THEN NULL; END $$",
  ])('%s', (sql) => {
    expect(statementTexts(sql)).toEqual([sql]);
  });
});

describe('parsePlpgsql', () => {
  it('returns the PL/pgSQL tree of a DO body, with its exception handlers', () => {
    const r = parser.parsePlpgsql!(" BEGIN CREATE TYPE mood AS ENUM ('ok'); EXCEPTION WHEN duplicate_object THEN NULL; END ");
    expect(JSON.stringify(r)).toContain('"condname":"duplicate_object"');
    expect(JSON.stringify(r)).toContain("CREATE TYPE mood AS ENUM ('ok')");
  });

  it('reports a body it cannot parse as an error', () => {
    expect('error' in parser.parsePlpgsql!(' BEGIN CREATE TYPE x AS ENUM (1) EXCEPTION END ')).toBe(true);
  });
});
