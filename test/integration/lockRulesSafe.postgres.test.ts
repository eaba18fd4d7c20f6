import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { SqlParser } from '../../server/src/core/rules/types';
import { loadSqlParser } from '../../server/src/core/sql';
import { findingsOf } from '../helpers/lockRuleLint';
import {
  attempt,
  failureOf,
  heldModes,
  locksHeldBy,
  ORDERS_SCHEMA,
  rewriteAndScans,
  waitUntilBlocked,
  withSessions,
  writeGetsThrough,
} from '../helpers/pgLocks';
import { createDatabase, dropDatabase, withClient } from '../helpers/postgres';

/**
 * The safe pattern of each lock rule's doc page, on PostgreSQL 15 with a table that has rows:
 * the rule does not report it, and PostgreSQL shows the benefit the page claims, and only
 * that (a NOT VALID constraint still takes its lock, briefly; SET NOT NULL after a validated
 * check still takes ACCESS EXCLUSIVE, without the scan).
 */

const DB = 'alembic_pilot_lock_rules_safe';
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

const run = (statement: string): Promise<unknown> => withClient(url, (c) => c.query(statement));

/**
 * Starts a CONCURRENTLY statement that must wait for `holder`'s open transaction, and returns
 * the lock modes it holds on `orders` meanwhile and whether an INSERT gets through then.
 */
async function whileConcurrentRuns(holderWork: string, statement: string): Promise<{ modes: string[]; insert: boolean }> {
  return withSessions(url, 3, async ([holder, actor, other]) => {
    await holder!.query('BEGIN');
    await holder!.query(holderWork);
    const pending = actor!.query(statement);
    try {
      await waitUntilBlocked(other!, actor!.pid);
      return { modes: await heldModes(other!, actor!.pid, 'orders'), insert: await attempt(other!, INSERT, 1000) };
    } finally {
      await holder!.query('COMMIT');
      await pending;
    }
  });
}

describe('index-without-concurrently: CREATE INDEX CONCURRENTLY in an autocommit block', () => {
  it('is not reported, holds SHARE UPDATE EXCLUSIVE while it builds, and lets writes through', async () => {
    const statement = 'CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_orders_ref ON orders (ref)';
    expect(findingsOf('index-without-concurrently', sql, ['with op.get_context().autocommit_block():', `    op.execute("${statement}")`])).toEqual([]);
    // The build waits for the open writer's transaction, so it can be watched while it runs.
    expect(await whileConcurrentRuns('INSERT INTO orders (id) VALUES (100000)', statement)).toEqual({ modes: ['ShareUpdateExclusiveLock'], insert: true });
  });
});

describe('drop-index-without-concurrently: DROP INDEX CONCURRENTLY in an autocommit block', () => {
  it('is not reported, holds SHARE UPDATE EXCLUSIVE on the table while it waits, and lets writes through', async () => {
    const statement = 'DROP INDEX CONCURRENTLY IF EXISTS ix_orders_qty';
    expect(findingsOf('drop-index-without-concurrently', sql, ['with op.get_context().autocommit_block():', `    op.execute("${statement}")`])).toEqual([]);
    expect(await whileConcurrentRuns(READ, statement)).toEqual({ modes: ['ShareUpdateExclusiveLock'], insert: true });
  });
});

describe('not-null-without-default: a server default', () => {
  it('is not reported, succeeds on a table with rows, and (a constant, from PostgreSQL 11) does not rewrite it', async () => {
    const statement = "ALTER TABLE orders ADD COLUMN channel text NOT NULL DEFAULT 'web'";
    expect(findingsOf('not-null-without-default', sql, [`op.execute("${statement}")`])).toEqual([]);
    expect(findingsOf('volatile-default', sql, [`op.execute("${statement}")`])).toEqual([]);
    expect(await failureOf(url, statement)).toBeUndefined();
    expect(await rewriteAndScans(url, statement, 'orders')).toEqual({ rewrote: false, scans: 0 });
  });
});

describe('volatile-default: constant and stable defaults, or the default set after the column', () => {
  it.each([
    "ALTER TABLE orders ADD COLUMN channel text DEFAULT 'web'",
    'ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT now()',
    'ALTER TABLE orders ADD COLUMN token uuid; ALTER TABLE orders ALTER COLUMN token SET DEFAULT gen_random_uuid()',
  ])('%s is not reported and does not rewrite the table', async (statement) => {
    expect(findingsOf('volatile-default', sql, [`op.execute("${statement}")`])).toEqual([]);
    expect(await rewriteAndScans(url, statement, 'orders')).toEqual({ rewrote: false, scans: 0 });
  });
});

describe('set-not-null: CHECK NOT VALID, VALIDATE, then SET NOT NULL', () => {
  it('is not reported; VALIDATE lets writes through, and SET NOT NULL then skips the scan but still takes ACCESS EXCLUSIVE', async () => {
    expect(
      findingsOf('set-not-null', sql, [
        'op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_email_not_null")',
        'op.alter_column("orders", "email", existing_type=sa.Text(), nullable=False)',
        'op.drop_constraint("orders_email_not_null", "orders", type_="check")',
      ]),
    ).toEqual([]);
    await run('ALTER TABLE orders ADD CONSTRAINT orders_email_not_null CHECK (email IS NOT NULL) NOT VALID');
    const validate = 'ALTER TABLE orders VALIDATE CONSTRAINT orders_email_not_null';
    expect(await locksHeldBy(url, validate, ['orders'])).toEqual({ orders: ['ShareUpdateExclusiveLock'] });
    expect(await writeGetsThrough(url, validate, "INSERT INTO orders (id, email) VALUES (100001, 'x')")).toBe(true);
    await run(validate);
    const setNotNull = 'ALTER TABLE orders ALTER COLUMN email SET NOT NULL';
    expect(await rewriteAndScans(url, setNotNull, 'orders')).toEqual({ rewrote: false, scans: 0 });
    expect(await locksHeldBy(url, setNotNull, ['orders'])).toEqual({ orders: ['AccessExclusiveLock'] });
  });
});

describe('constraint-without-not-valid: NOT VALID, then VALIDATE CONSTRAINT', () => {
  it('is not reported; NOT VALID skips the scan (old rows are not checked) but still takes the lock', async () => {
    await run('INSERT INTO orders (id, customer_id, qty) VALUES (5000, 999999, -1)');
    const fk = 'ALTER TABLE orders ADD CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID';
    const check = 'ALTER TABLE orders ADD CONSTRAINT ck_orders_qty CHECK (qty >= 0) NOT VALID';
    for (const s of [fk, check]) expect(findingsOf('constraint-without-not-valid', sql, [`op.execute("${s}")`])).toEqual([]);
    expect(await rewriteAndScans(url, fk, 'orders')).toEqual({ rewrote: false, scans: 0 });
    expect(await rewriteAndScans(url, check, 'orders')).toEqual({ rewrote: false, scans: 0 });
    // The row that breaks both constraints is not looked at.
    expect(await failureOf(url, `${fk}; ${check}`)).toBeUndefined();
    const held = await locksHeldBy(url, fk, ['orders', 'customers']);
    expect(held.orders).toContain('ShareRowExclusiveLock');
    expect(held.customers).toContain('ShareRowExclusiveLock');
    expect(await locksHeldBy(url, check, ['orders'])).toEqual({ orders: ['AccessExclusiveLock'] });
  });

  it('VALIDATE CONSTRAINT checks the old rows under SHARE UPDATE EXCLUSIVE, so writes go on', async () => {
    await run('ALTER TABLE orders ADD CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID');
    const validate = 'ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_customer';
    expect(findingsOf('constraint-without-not-valid', sql, [`op.execute("${validate}")`])).toEqual([]);
    const held = await locksHeldBy(url, validate, ['orders', 'customers']);
    // The validating query reads both tables too; neither lock holds back a write.
    expect(held.orders).toEqual(['AccessShareLock', 'ShareUpdateExclusiveLock']);
    expect(held.customers).toEqual(['AccessShareLock', 'RowShareLock']);
    expect(await writeGetsThrough(url, validate, INSERT)).toBe(true);
    expect(await writeGetsThrough(url, validate, 'INSERT INTO customers VALUES (100001)')).toBe(true);
    expect((await rewriteAndScans(url, validate, 'orders')).scans).toBe(1);
  });
});

describe('unique-constraint-without-index: the index first, then USING INDEX', () => {
  it('is not reported, and ADD CONSTRAINT ... USING INDEX builds nothing but still takes ACCESS EXCLUSIVE', async () => {
    const statement = 'ALTER TABLE orders ADD CONSTRAINT uq_orders_ref UNIQUE USING INDEX uq_orders_ref';
    expect(findingsOf('unique-constraint-without-index', sql, [`op.execute("${statement}")`])).toEqual([]);
    await run('CREATE UNIQUE INDEX CONCURRENTLY uq_orders_ref ON orders (ref)');
    expect(await rewriteAndScans(url, statement, 'orders')).toEqual({ rewrote: false, scans: 0 });
    expect(await locksHeldBy(url, statement, ['orders'])).toEqual({ orders: ['AccessExclusiveLock'] });
  });
});

describe('column-type-change agrees with PostgreSQL on which casts rewrite', () => {
  it.each([
    ['ref', 'sa.String(10)', 'sa.String(20)', 'varchar(20)', false],
    ['ref', 'sa.String(10)', 'sa.Text()', 'text', false],
    ['ref', 'sa.String(10)', 'sa.String()', 'varchar', false],
    ['note', 'sa.Text()', 'sa.VARCHAR()', 'varchar', false],
    ['total', 'sa.Numeric(10, 2)', 'sa.Numeric(12, 2)', 'numeric(12, 2)', false],
    ['total', 'sa.Numeric(10, 2)', 'sa.Numeric()', 'numeric', false],
    ['ref', 'sa.String(10)', 'sa.String(5)', 'varchar(5)', true],
    ['note', 'sa.Text()', 'sa.String(50)', 'varchar(50)', true],
    ['total', 'sa.Numeric(10, 2)', 'sa.Numeric(12, 4)', 'numeric(12, 4)', true],
    ['total', 'sa.Numeric(10, 2)', 'sa.Numeric(8, 2)', 'numeric(8, 2)', true],
    ['qty', 'sa.Integer()', 'sa.BigInteger()', 'bigint', true],
  ] as const)('%s: %s to %s', async (column, from, to, sqlType, rewrites) => {
    const reported = findingsOf('column-type-change', sql, [`op.alter_column("orders", "${column}", existing_type=${from}, type_=${to})`]).length > 0;
    const measured = await rewriteAndScans(url, `ALTER TABLE orders ALTER COLUMN ${column} TYPE ${sqlType}`, 'orders');
    expect({ reported, rewrote: measured.rewrote }).toEqual({ reported: rewrites, rewrote: rewrites });
  });
});

describe('column-type-change: an enum without USING never rewrites', () => {
  it('is not reported, and changes nothing when the column has the enum already, or fails otherwise', async () => {
    expect(findingsOf('column-type-change', sql, ['op.alter_column("orders", "mood", type_=sa.Enum("a", "b", name="mood"))'])).toEqual([]);
    expect(findingsOf('column-type-change', sql, ['op.alter_column("orders", "mood", type_=sa.Enum("a", "b", name="mood"), postgresql_using="note::mood")'])).toHaveLength(1);
    await run("CREATE TYPE mood AS ENUM ('a', 'b'); ALTER TABLE orders ADD COLUMN mood mood");
    expect(await rewriteAndScans(url, 'ALTER TABLE orders ALTER COLUMN mood TYPE mood', 'orders')).toEqual({ rewrote: false, scans: 0 });
    expect((await failureOf(url, 'ALTER TABLE orders ALTER COLUMN note TYPE mood'))?.code).toBe('42804');
  });
});

describe('rename-table: rename, and leave a view with the old name', () => {
  it('is not reported, and the old version’s reads and writes keep working', async () => {
    const statement = 'ALTER TABLE orders RENAME TO purchases; CREATE VIEW orders AS SELECT * FROM purchases';
    expect(findingsOf('rename-table', sql, [`op.execute("${statement}")`])).toEqual([]);
    await run(statement);
    expect(await failureOf(url, `${READ}; ${INSERT}`)).toBeUndefined();
  });
});

describe('rename-column and drop-column: a new column first, the old one dropped after a deploy', () => {
  it('adding and backfilling the new column is not reported and leaves the old version’s queries working', async () => {
    const lines = ['op.add_column("orders", sa.Column("remark", sa.Text()))', 'op.execute("UPDATE orders SET remark = note")'];
    expect(findingsOf('rename-column', sql, lines)).toEqual([]);
    expect(findingsOf('drop-column', sql, lines)).toEqual([]);
    await run('ALTER TABLE orders ADD COLUMN remark text; UPDATE orders SET remark = note');
    expect(await failureOf(url, 'SELECT id, note FROM orders')).toBeUndefined();
  });

  it('once no query names the column, dropping it breaks nothing', async () => {
    await run('ALTER TABLE orders DROP COLUMN note');
    expect(await failureOf(url, 'SELECT id, qty, ref FROM orders')).toBeUndefined();
  });
});

describe('missing-lock-timeout: SET lock_timeout first', () => {
  it('is not reported, and the ALTER gives up instead of making the table’s queries wait', async () => {
    expect(findingsOf('missing-lock-timeout', sql, ['op.execute("SET lock_timeout = \'200ms\'")', 'op.add_column("orders", sa.Column("remark", sa.Text()))'])).toEqual([]);
    await withSessions(url, 3, async ([long, alter, reader]) => {
      await long!.query('BEGIN');
      await long!.query(READ);
      await alter!.query("SET lock_timeout = '200ms'");
      const failed = await alter!.query('ALTER TABLE orders ADD COLUMN remark text').then(
        () => undefined,
        (e: { code?: string }) => e.code,
      );
      expect(failed).toBe('55P03');
      expect(await attempt(reader!, READ, 300)).toBe(true);
      await long!.query('COMMIT');
    });
  });
});
