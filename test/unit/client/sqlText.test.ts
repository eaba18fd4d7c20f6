import { describe, expect, it } from 'vitest';
import { formatSql } from '../../../client/src/run/sqlText';

describe('formatSql', () => {
  it('formats Alembic offline output in the PostgreSQL dialect', async () => {
    const out = await formatSql("BEGIN;\n\n-- Running upgrade  -> 001\n\nCREATE TABLE t (id serial primary key, payload jsonb default '{}'::jsonb);\n\nCOMMIT;", 'postgresql');
    expect(out.formatted).toBe(true);
    expect(out.text).toContain('-- Running upgrade  -> 001');
    expect(out.text).toMatch(/CREATE TABLE\s+t \(/);
    expect(out.text).toContain("'{}'::jsonb");
  });

  it('keeps dollar-quoted bodies intact', async () => {
    const body = "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN null; END $$;";
    const out = await formatSql(body, 'postgresql');
    expect(out.text).toContain("$$ BEGIN CREATE TYPE mood AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN null; END $$");
  });

  it('shows what it cannot format as Alembic wrote it', async () => {
    const odd = 'SELECT (((;';
    const out = await formatSql(odd, 'postgresql');
    expect(out.formatted).toBe(false);
    expect(out.text).toBe(odd);
    expect(out.error).toMatch(/Parse error/);
  });
});
