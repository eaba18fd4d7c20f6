import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { SqlParser } from '../../server/src/core/rules/types';
import { loadSqlParser } from '../../server/src/core/sql';
import { flagsSql } from '../helpers/lockRuleLint';
import { attempt, failureOf, locksHeldBy, ORDERS_SCHEMA, rewriteAndScans, waitUntilBlocked, withSessions, writeGetsThrough } from '../helpers/pgLocks';
import { createDatabase, dropDatabase, withClient } from '../helpers/postgres';

/**
 * What each lock rule says about a statement, checked on PostgreSQL 15 with a table that has
 * rows: the rule flags the statement, and PostgreSQL shows the hazard its doc page claims (the
 * lock from pg_locks while the statement's transaction is open, the failure, the rewrite from
 * pg_relation_filenode). The safe patterns are in lockRulesSafe.postgres.test.ts.
 */

const DB = 'alembic_pilot_lock_rules';
let url: string;
let sql: SqlParser;

const INSERT = 'INSERT INTO orders (id) VALUES (100001)';
const READ = 'SELECT count(*) FROM orders';

beforeAll(async () => {
  sql = await loadSqlParser();
  await dropDatabase(inject('databaseUrl'), DB);
  url = await createDatabase(inject('databaseUrl'), DB);
});

beforeEach(async () => {
  await withClient(url, (c) => c.query(ORDERS_SCHEMA));
});

afterAll(async () => {
  await dropDatabase(inject('databaseUrl'), DB);
});

describe('index-without-concurrently', () => {
  const statement = 'CREATE INDEX ix_orders_ref ON orders (ref)';
  it('is flagged, and CREATE INDEX holds a SHARE lock that blocks writes', async () => {
    expect(flagsSql('index-without-concurrently', sql, statement)).toBe(true);
    expect(await locksHeldBy(url, statement, ['orders'])).toEqual({ orders: ['ShareLock'] });
    expect(await writeGetsThrough(url, statement, INSERT)).toBe(false);
    expect(await writeGetsThrough(url, statement, READ)).toBe(true);
  });
});

describe('drop-index-without-concurrently', () => {
  const statement = 'DROP INDEX ix_orders_qty';
  it('is flagged, and DROP INDEX holds ACCESS EXCLUSIVE on the table, blocking reads too', async () => {
    expect(flagsSql('drop-index-without-concurrently', sql, statement)).toBe(true);
    expect(await locksHeldBy(url, statement, ['orders'])).toEqual({ orders: ['AccessExclusiveLock'] });
    expect(await writeGetsThrough(url, statement, READ)).toBe(false);
  });
});

describe('not-null-without-default', () => {
  const statement = 'ALTER TABLE orders ADD COLUMN channel text NOT NULL';
  it('is flagged, and fails on a table with rows', async () => {
    expect(flagsSql('not-null-without-default', sql, statement)).toBe(true);
    expect(await failureOf(url, statement)).toEqual({ code: '23502', message: 'column "channel" of relation "orders" contains null values' });
  });
});

describe('volatile-default', () => {
  it.each([
    'ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid()',
    'ALTER TABLE orders ADD COLUMN jitter float8 DEFAULT random()',
    'ALTER TABLE orders ADD COLUMN row_no bigserial',
    'ALTER TABLE orders ADD COLUMN n int GENERATED ALWAYS AS IDENTITY',
  ])('%s is flagged, and rewrites the table under ACCESS EXCLUSIVE', async (statement) => {
    expect(flagsSql('volatile-default', sql, statement)).toBe(true);
    expect(await rewriteAndScans(url, statement, 'orders')).toMatchObject({ rewrote: true });
    expect((await locksHeldBy(url, statement, ['orders'])).orders).toContain('AccessExclusiveLock');
  });
});

describe('set-not-null', () => {
  const statement = 'ALTER TABLE orders ALTER COLUMN email SET NOT NULL';
  it('is flagged, and scans the table under ACCESS EXCLUSIVE', async () => {
    expect(flagsSql('set-not-null', sql, statement)).toBe(true);
    expect(await locksHeldBy(url, statement, ['orders'])).toEqual({ orders: ['AccessExclusiveLock'] });
    expect(await rewriteAndScans(url, statement, 'orders')).toEqual({ rewrote: false, scans: 1 });
    expect(await writeGetsThrough(url, statement, READ)).toBe(false);
  });
});

describe('constraint-without-not-valid', () => {
  it('is flagged for a foreign key, which scans the table under SHARE ROW EXCLUSIVE on both tables', async () => {
    const statement = 'ALTER TABLE orders ADD CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)';
    expect(flagsSql('constraint-without-not-valid', sql, statement)).toBe(true);
    const held = await locksHeldBy(url, statement, ['orders', 'customers']);
    expect(held.orders).toContain('ShareRowExclusiveLock');
    expect(held.customers).toContain('ShareRowExclusiveLock');
    expect(await rewriteAndScans(url, statement, 'orders')).toEqual({ rewrote: false, scans: 1 });
    expect(await writeGetsThrough(url, statement, INSERT)).toBe(false);
    expect(await writeGetsThrough(url, statement, 'INSERT INTO customers VALUES (100001)')).toBe(false);
  });

  it('is flagged for a check constraint, which scans the table under ACCESS EXCLUSIVE', async () => {
    const statement = 'ALTER TABLE orders ADD CONSTRAINT ck_orders_qty CHECK (qty >= 0)';
    expect(flagsSql('constraint-without-not-valid', sql, statement)).toBe(true);
    expect(await locksHeldBy(url, statement, ['orders'])).toEqual({ orders: ['AccessExclusiveLock'] });
    expect(await rewriteAndScans(url, statement, 'orders')).toEqual({ rewrote: false, scans: 1 });
    expect(await writeGetsThrough(url, statement, READ)).toBe(false);
  });
});

describe('unique-constraint-without-index', () => {
  it.each(['ALTER TABLE orders ADD CONSTRAINT uq_orders_ref UNIQUE (ref)', 'ALTER TABLE customers DROP CONSTRAINT customers_pkey, ADD PRIMARY KEY (id)'])(
    '%s is flagged, and builds the index under ACCESS EXCLUSIVE',
    async (statement) => {
      const table = statement.includes('customers') ? 'customers' : 'orders';
      expect(flagsSql('unique-constraint-without-index', sql, statement)).toBe(true);
      expect((await locksHeldBy(url, statement, [table]))[table]).toContain('AccessExclusiveLock');
      expect((await rewriteAndScans(url, statement, table)).scans).toBeGreaterThan(0);
      expect(await writeGetsThrough(url, statement, `SELECT count(*) FROM ${table}`)).toBe(false);
    },
  );
});

describe('column-type-change', () => {
  it.each(['ALTER TABLE orders ALTER COLUMN qty TYPE bigint', 'ALTER TABLE orders ALTER COLUMN ref TYPE varchar(5)', 'ALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 4)'])(
    '%s is flagged, and rewrites the table under ACCESS EXCLUSIVE',
    async (statement) => {
      expect(flagsSql('column-type-change', sql, statement)).toBe(true);
      expect(await rewriteAndScans(url, statement, 'orders')).toMatchObject({ rewrote: true });
      expect((await locksHeldBy(url, statement, ['orders'])).orders).toContain('AccessExclusiveLock');
    },
  );
});

/** Runs `statement` and commits, then returns how `query` fails afterwards, as the application still running would see it. */
async function afterCommit(statement: string, query: string): Promise<string | undefined> {
  await withClient(url, (c) => c.query(statement));
  return (await failureOf(url, query))?.code;
}

describe('rename-column, rename-table, drop-column, drop-table', () => {
  it.each([
    ['rename-column', 'ALTER TABLE orders RENAME COLUMN note TO remark', 'SELECT note FROM orders', '42703'],
    ['rename-table', 'ALTER TABLE orders RENAME TO purchases', 'SELECT note FROM orders', '42P01'],
    ['drop-column', 'ALTER TABLE orders DROP COLUMN note', 'SELECT id, note FROM orders', '42703'],
    ['drop-table', 'DROP TABLE orders', 'SELECT id FROM orders', '42P01'],
  ] as const)('%s: %s is flagged, takes ACCESS EXCLUSIVE, and breaks a query of the old schema', async (rule, statement, oldQuery, code) => {
    expect(flagsSql(rule, sql, statement)).toBe(true);
    expect(await locksHeldBy(url, statement, ['orders'])).toEqual({ orders: ['AccessExclusiveLock'] });
    // The change itself is quick: the table is neither rewritten nor scanned.
    if (rule.endsWith('column')) expect(await rewriteAndScans(url, statement, 'orders')).toEqual({ rewrote: false, scans: 0 });
    expect(await afterCommit(statement, oldQuery)).toBe(code);
  });
});

describe('missing-lock-timeout', () => {
  it('is flagged, and an ALTER waiting behind a long transaction makes every later query of the table wait', async () => {
    expect(flagsSql('missing-lock-timeout', sql, 'ALTER TABLE orders ADD COLUMN remark text')).toBe(true);
    await withSessions(url, 3, async ([long, alter, reader]) => {
      await long!.query('BEGIN');
      await long!.query(READ);
      const pending = alter!.query('ALTER TABLE orders ADD COLUMN remark text');
      await waitUntilBlocked(reader!, alter!.pid);
      // A plain read now queues behind the ALTER, which queues behind the long transaction.
      expect(await attempt(reader!, READ, 300)).toBe(false);
      await long!.query('COMMIT');
      await pending;
    });
  });
});
