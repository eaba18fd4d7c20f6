import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { readPilotTable } from '../../../../server/src/core/rules/config';
import { AcceptExistingError, acceptExistingMigrations, withStartAfter } from '../../../../server/src/core/rules/locks/acceptExisting';
import { setsLockTimeout } from '../../../../server/src/core/rules/locks/envLockTimeout';
import { DEFAULT_TARGETS } from '../../../../server/src/core/rules/runner';
import type { ConfigProblem } from '../../../../server/src/core/types';
import type { SqlParser } from '../../../../server/src/core/rules/types';
import { loadSqlParser } from '../../../../server/src/core/sql';
import { findingsOf } from '../../../helpers/lockRuleLint';
import { bareEnvironment } from '../../../helpers/ruleFixtures';

/** The lock rules' settings: reading them, writing lock-rules-start-after, and what they change. */

const dir = mkdtempSync(path.join(os.tmpdir(), 'lock-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let sql: SqlParser;
beforeAll(async () => {
  sql = await loadSqlParser();
});

function readTable(toml: string): { settings: ReturnType<typeof readPilotTable>; problems: string[] } {
  const file = path.join(dir, 'read.toml');
  writeFileSync(file, toml);
  const problems: ConfigProblem[] = [];
  const settings = readPilotTable(file, problems);
  return { settings, problems: problems.map((p) => p.message.replace(`${file}:`, '')) };
}

describe('[tool.alembic-pilot] lock settings', () => {
  it('reads check-downgrade, lock-rules-start-after (one id or a list) and lock-timeout', () => {
    expect(readTable('[tool.alembic-pilot]\ncheck-downgrade = true\nlock-rules-start-after = "abc"\nlock-timeout = "role"\n').settings.locks).toEqual({
      checkDowngrade: true,
      startAfter: ['abc'],
      lockTimeout: 'role',
    });
    expect(readTable('[tool.alembic-pilot]\nlock-rules-start-after = ["a", "b"]\n').settings.locks).toEqual({ startAfter: ['a', 'b'] });
  });

  it('reports a bad value with its line and ignores it', () => {
    const { settings, problems } = readTable('[tool.alembic-pilot]\ncheck-downgrade = "yes"\nlock-rules-start-after = 3\nlock-timeout = "server"\n');
    expect(settings.locks).toBeUndefined();
    expect(problems).toEqual([
      '2: [tool.alembic-pilot] check-downgrade: "yes" must be true or false; downgrade() is not checked.',
      '3: [tool.alembic-pilot] lock-rules-start-after: 3 must be a revision id or a list of them; every revision is checked.',
      '4: [tool.alembic-pilot] lock-timeout: "server" must be "migration" or "role"; "migration" is used.',
    ]);
  });
});

describe('env.py setting lock_timeout', () => {
  it.each([
    ['connection.execute(text("SET lock_timeout = 4000"))', true],
    ["connection.exec_driver_sql(\"SET LOCAL lock_timeout TO '5s'\")", true],
    ['engine = create_engine(url, connect_args={"options": "-c lock_timeout=5000"})', true],
    ['engine = create_async_engine(url, connect_args={"server_settings": {"lock_timeout": "5s"}})', true],
    ['connection.execute(text("SET lock_timeout = 0"))', false],
    ['# connection.execute(text("SET lock_timeout = 4000"))', false],
    ['context.configure(connection=connection)', false],
  ])('%s', (line, sets) => {
    expect(setsLockTimeout(`from alembic import context\n${line}\n`)).toBe(sets);
  });
});

describe('postgres-version', () => {
  const alter = ['op.execute("SET lock_timeout = \'5s\'")', 'op.alter_column("users", "email", nullable=False)'];
  it('gives set-not-null the CHECK pattern from PostgreSQL 12, and a quiet-table advice before', () => {
    expect(findingsOf('set-not-null', sql, alter, { ...DEFAULT_TARGETS, postgresVersion: 12 })[0]?.help).toMatch(/^Add CHECK \(email IS NOT NULL\) NOT VALID, VALIDATE CONSTRAINT/);
    expect(findingsOf('set-not-null', sql, alter, { ...DEFAULT_TARGETS, postgresVersion: 11 })[0]?.help).toMatch(/^Before PostgreSQL 12 SET NOT NULL always scans/);
  });

  it('makes volatile-default report every non-null default before PostgreSQL 11', () => {
    const add = ['op.execute("SET lock_timeout = \'5s\'")', 'op.add_column("t", sa.Column("c", sa.Text(), server_default="x"))'];
    expect(findingsOf('volatile-default', sql, add, { ...DEFAULT_TARGETS, postgresVersion: 11 })).toEqual([]);
    expect(findingsOf('volatile-default', sql, add, { ...DEFAULT_TARGETS, postgresVersion: 10 })).toHaveLength(1);
  });
});

describe('writing lock-rules-start-after', () => {
  it.each([
    ['an empty file', '', '[tool.alembic-pilot]\nlock-rules-start-after = "h1"\n'],
    ['a file without the table', '[project]\nname = "x"\n', '[project]\nname = "x"\n\n[tool.alembic-pilot]\nlock-rules-start-after = "h1"\n'],
    [
      'the table without the key',
      '[tool.alembic-pilot]\n# our settings\npostgres-version = 15\n\n[tool.other]\nx = 1\n',
      '[tool.alembic-pilot]\nlock-rules-start-after = "h1"\n# our settings\npostgres-version = 15\n\n[tool.other]\nx = 1\n',
    ],
    ['the key on one line, with its comment', '[tool.alembic-pilot]\nlock-rules-start-after = "old"  # accepted in May\n', '[tool.alembic-pilot]\nlock-rules-start-after = "h1"  # accepted in May\n'],
    [
      'the key as an array over lines',
      '[tool.alembic-pilot]\nlock-rules-start-after = [\n  "a",\n  "b",\n]\nlock-timeout = "role"\n',
      '[tool.alembic-pilot]\nlock-rules-start-after = "h1"\nlock-timeout = "role"\n',
    ],
    ['CRLF line ends', '[tool.alembic-pilot]\r\nrules = {}\r\n', '[tool.alembic-pilot]\r\nlock-rules-start-after = "h1"\r\nrules = {}\r\n'],
  ])('into %s', (_name, before, after) => {
    expect(withStartAfter(before, '"h1"')).toBe(after);
    expect(parse(after)).toMatchObject({ tool: { 'alembic-pilot': { 'lock-rules-start-after': 'h1' } } });
  });

  it('writes the heads of an environment, a list for several, creating the file when there is none', () => {
    const env = bareEnvironment(path.join(dir, 'env1'));
    const result = acceptExistingMigrations({ ...env, here: dir }, ['aaa', 'bbb']);
    expect(result).toMatchObject({ pyproject: path.join(dir, 'pyproject.toml'), heads: ['aaa', 'bbb'], created: true });
    expect(readFileSync(result.pyproject, 'utf8')).toBe('[tool.alembic-pilot]\nlock-rules-start-after = ["aaa", "bbb"]\n');
    expect(acceptExistingMigrations({ ...env, here: dir }, ['ccc']).created).toBe(false);
    expect(readFileSync(result.pyproject, 'utf8')).toBe('[tool.alembic-pilot]\nlock-rules-start-after = "ccc"\n');
  });

  it('leaves a file alone when it is not valid TOML, or when the table is written in a form it cannot edit', () => {
    const here = mkdtempSync(path.join(dir, 'bad-'));
    const env = { ...bareEnvironment(here), here };
    writeFileSync(path.join(here, 'pyproject.toml'), '[tool.alembic-pilot\n');
    expect(() => acceptExistingMigrations(env, ['a'])).toThrow(AcceptExistingError);
    const inline = 'tool = { alembic-pilot = { lock-timeout = "role" } }\n';
    writeFileSync(path.join(here, 'pyproject.toml'), inline);
    expect(() => acceptExistingMigrations(env, ['a'])).toThrow(/cannot edit safely/);
    expect(readFileSync(path.join(here, 'pyproject.toml'), 'utf8')).toBe(inline);
    expect(() => acceptExistingMigrations(env, [])).toThrow(/no revisions/);
  });
});
