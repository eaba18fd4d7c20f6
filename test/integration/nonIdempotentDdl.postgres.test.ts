import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyTextEdits } from '../../server/src/cli/lintFix';
import { parseRevisionFile } from '../../server/src/core/parse';
import { concurrentlyInTransaction } from '../../server/src/core/rules/concurrently-in-transaction';
import { nonIdempotentDdl } from '../../server/src/core/rules/non-idempotent-ddl';
import type { Report, Rule, RuleContext, SqlParser } from '../../server/src/core/rules/types';
import { loadSqlParser } from '../../server/src/core/sql';
import { createDatabase, dropDatabase, withClient } from '../helpers/postgres';

/**
 * The rules' verdicts checked against PostgreSQL itself: SQL that non-idempotent-ddl flags
 * must fail the second time it runs, and SQL it accepts must run twice; the SQL its DO-block
 * fix writes must run twice too. Each case runs in a transaction that is rolled back, so the
 * cases do not see each other's objects.
 */

const DB = 'alembic_pilot_sql_rules';
let url: string;
let sql: SqlParser;

beforeAll(async () => {
  sql = await loadSqlParser();
  await dropDatabase(inject('databaseUrl'), DB);
  url = await createDatabase(inject('databaseUrl'), DB);
});

afterAll(async () => {
  await dropDatabase(inject('databaseUrl'), DB);
});

const SETUP = `
  CREATE TABLE users (id int PRIMARY KEY, email text, name text);
  CREATE TABLE t (id int, c int, nick text);
  CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
`;

/** The revision file text of `op.execute(<literal>)`. */
function executing(literal: string): string {
  return `from alembic import op\n\ndef upgrade():\n    op.execute(${literal})\n`;
}

/** What `rule` reports for a revision file, checked directly on a RuleContext. */
function reportsFor(rule: Rule, text: string): Report[] {
  const reports: Report[] = [];
  const ctx: Pick<RuleContext, 'file' | 'targets' | 'sql' | 'report'> = {
    file: parseRevisionFile('/m/versions/x.py', text),
    targets: { alembicVersion: undefined, postgresVersion: 15, idempotency: 'everywhere' },
    sql,
    report: (r) => reports.push(r),
  };
  rule.check(ctx as RuleContext);
  return reports;
}

/** What `rule` reports for `op.execute(<statement>)`. */
function findings(rule: Rule, statement: string): Report[] {
  return reportsFor(rule, executing(JSON.stringify(statement)));
}

/** Whether `statement` fails on its second run, after a first run that must succeed. */
async function failsSecondTime(statement: string): Promise<boolean> {
  return withClient(url, async (client) => {
    await client.query('BEGIN');
    try {
      await client.query(SETUP);
      await client.query(statement);
      await client.query('SAVEPOINT again');
      try {
        await client.query(statement);
        return false;
      } catch {
        return true;
      }
    } finally {
      await client.query('ROLLBACK');
    }
  });
}

const CASES = [
  'CREATE TABLE users2 (id int)',
  'CREATE TABLE IF NOT EXISTS users2 (id int)',
  'CREATE UNIQUE INDEX ix_users_email ON users (email)',
  'CREATE UNIQUE INDEX IF NOT EXISTS ix_users_email ON users (email)',
  'CREATE INDEX ON users (name)',
  'CREATE SEQUENCE invoice_no',
  'CREATE SCHEMA billing',
  'CREATE SCHEMA IF NOT EXISTS billing',
  'CREATE MATERIALIZED VIEW user_counts AS SELECT count(*) FROM users',
  'CREATE VIEW active_users AS SELECT * FROM users',
  'CREATE OR REPLACE VIEW active_users AS SELECT * FROM users',
  'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
  'CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
  'CREATE TRIGGER trg BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()',
  'CREATE OR REPLACE TRIGGER trg BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()',
  "CREATE TYPE mood AS ENUM ('happy', 'sad')",
  'CREATE TYPE pair AS (a int, b int)',
  'CREATE DOMAIN email AS text',
  'ALTER TABLE t ADD COLUMN extra text',
  'ALTER TABLE t ADD COLUMN IF NOT EXISTS extra text',
  'ALTER TABLE t ADD CONSTRAINT c_positive CHECK (c > 0) NOT VALID',
  'ALTER TABLE t ADD CHECK (c > 0)',
  'ALTER TABLE t DROP CONSTRAINT IF EXISTS c_positive, ADD CONSTRAINT c_positive CHECK (c > 0)',
  'ALTER TABLE t DROP COLUMN nick',
  'ALTER TABLE t DROP COLUMN IF EXISTS nick',
  'DROP TABLE t',
  'DROP TABLE IF EXISTS t',
  "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$",
  "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); END $$",
  "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN CREATE TYPE mood AS ENUM ('a'); END IF; END $$",
  "DROP TYPE IF EXISTS mood; CREATE TYPE mood AS ENUM ('a')",
  'DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT u_id UNIQUE (id); EXCEPTION WHEN duplicate_table THEN NULL; END $$',
  'ALTER TABLE t ADD CONSTRAINT u_id UNIQUE (id)',
  'ALTER TABLE t ADD PRIMARY KEY (id)',
  'DO $$ BEGIN ALTER TABLE t ADD PRIMARY KEY (id); EXCEPTION WHEN invalid_table_definition THEN NULL; END $$',
];

describe('non-idempotent-ddl agrees with PostgreSQL', () => {
  it.each(CASES)('%s', async (statement) => {
    const flagged = findings(nonIdempotentDdl, statement).length > 0;
    expect(flagged).toBe(await failsSecondTime(statement));
  });
});

describe('concurrently-in-transaction agrees with PostgreSQL', () => {
  async function fails(statement: string, inTransaction: boolean): Promise<boolean> {
    return withClient(url, async (client) => {
      await client.query('CREATE TABLE IF NOT EXISTS ci (a int, b int)');
      try {
        if (inTransaction) await client.query('BEGIN');
        await client.query(statement);
        return false;
      } catch {
        return true;
      } finally {
        if (inTransaction) await client.query('ROLLBACK');
        await client.query('DROP TABLE ci');
      }
    });
  }

  it('a lone CREATE INDEX CONCURRENTLY fails in a transaction and runs in autocommit', async () => {
    const statement = 'CREATE INDEX CONCURRENTLY ix_ci_a ON ci (a)';
    expect(findings(concurrentlyInTransaction, statement)).toHaveLength(1);
    expect(await fails(statement, true)).toBe(true);
    expect(await fails(statement, false)).toBe(false);
  });

  it('several statements in one string fail even in autocommit', async () => {
    expect(await fails('CREATE INDEX CONCURRENTLY ix_ci_a ON ci (a); CREATE INDEX CONCURRENTLY ix_ci_b ON ci (b)', false)).toBe(true);
  });

  it('inside a DO block it fails even in autocommit', async () => {
    expect(await fails('DO $$ BEGIN CREATE INDEX CONCURRENTLY ix_ci_a ON ci (a); END $$', false)).toBe(true);
  });
});

describe('the DO-block fix of non-idempotent-ddl runs twice on PostgreSQL', () => {
  /**
   * The SQL that op.execute receives after the fix is applied to `literal`: the finding must
   * have the fix, and the fixed file must have no finding left.
   */
  function fixedSql(literal: string): string {
    const text = executing(literal);
    const reports = reportsFor(nonIdempotentDdl, text);
    expect(reports.length).toBeGreaterThan(0);
    const fix = reports[0]!.fixes?.find((f) => f.title.startsWith('Wrap in a DO block'));
    expect(fix, 'the DO-block fix').toBeDefined();
    const after = applyTextEdits(text, fix!.edits.flatMap((e) => e.edits));
    expect(reportsFor(nonIdempotentDdl, after)).toEqual([]);
    return parseRevisionFile('/m/versions/x.py', after).functions[0]!.sql[0]!.text;
  }

  /**
   * Runs `wrapped` twice, which must succeed, then `original` once more, which must fail
   * because the first run did create the object (a handler that swallowed a real error would
   * leave nothing behind).
   */
  async function runTwice(wrapped: string, original: string): Promise<void> {
    await withClient(url, async (client) => {
      await client.query('BEGIN');
      try {
        await client.query(SETUP);
        await client.query(wrapped);
        await client.query(wrapped);
        await client.query('SAVEPOINT original');
        await expect(client.query(original)).rejects.toThrow();
      } finally {
        await client.query('ROLLBACK');
      }
    });
  }

  const STATEMENTS = [
    "CREATE TYPE mood AS ENUM ('happy', 'sad')",
    'CREATE TYPE pair AS (a int, b int)',
    'CREATE TYPE float_range AS RANGE (subtype = float8)',
    'CREATE DOMAIN email AS text CHECK (VALUE LIKE $$%@%$$)',
    'ALTER TABLE t ADD CONSTRAINT t_user_fk FOREIGN KEY (id) REFERENCES users (id)',
    'ALTER TABLE t ADD CONSTRAINT c_positive CHECK (c > 0)',
    'ALTER TABLE t ADD CONSTRAINT t_c_key UNIQUE (c)',
    'ALTER TABLE t ADD CONSTRAINT t_c_excl EXCLUDE (c WITH =)',
    'ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY (id)',
    'ALTER TABLE t ADD PRIMARY KEY (id)',
    'ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY (id), ADD CONSTRAINT t_c_key UNIQUE (c), ADD CONSTRAINT c_positive CHECK (c > 0)',
  ];

  it.each(STATEMENTS)('one line: %s', async (statement) => {
    await runTwice(fixedSql(JSON.stringify(statement)), statement);
  });

  it.each(STATEMENTS)('lines of a triple-quoted string: %s', async (statement) => {
    const wrapped = fixedSql(`"""\n        ${statement};\n    """`);
    expect(wrapped).toContain('\n        EXCEPTION\n');
    await runTwice(wrapped, statement);
  });
});
