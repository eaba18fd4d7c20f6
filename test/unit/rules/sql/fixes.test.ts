import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AlembicEnvironment, DEFAULT_FILE_TEMPLATE, DEFAULT_TRUNCATE_SLUG_LENGTH } from '../../../../server/src/core/config';
import { LineIndex, parseRevisionFile } from '../../../../server/src/core/parse';
import { RevisionProject } from '../../../../server/src/core/project/revisionProject';
import { concurrentlyInTransaction } from '../../../../server/src/core/rules/concurrently-in-transaction';
import { nonIdempotentDdl } from '../../../../server/src/core/rules/non-idempotent-ddl';
import { DEFAULT_TARGETS, lintFile } from '../../../../server/src/core/rules/runner';
import { seedInsertWithoutConflict } from '../../../../server/src/core/rules/seed-insert-without-conflict';
import type { Finding, Rule, SqlParser, TextEdit } from '../../../../server/src/core/rules/types';
import { loadSqlParser } from '../../../../server/src/core/sql';

/** Quick fixes are real edits of the Python file: applying them must give the safe code. */

let sql: SqlParser;
beforeAll(async () => {
  sql = await loadSqlParser();
});

const FILE = path.resolve('/tmp/versions/x.py');
const env: AlembicEnvironment = {
  configFile: '/tmp/alembic.ini',
  section: 'alembic',
  here: '/tmp',
  scriptLocation: '/tmp',
  versionLocations: ['/tmp/versions'],
  recursiveVersionLocations: false,
  fileTemplate: DEFAULT_FILE_TEMPLATE,
  truncateSlugLength: DEFAULT_TRUNCATE_SLUG_LENGTH,
  prependSysPath: [],
  problems: [],
};

function lint(rule: Rule, body: string[]): { text: string; findings: Finding[] } {
  const text = ['from alembic import op', 'revision = "a1"', 'down_revision = None', '', 'def upgrade():', ...body, ''].join('\n');
  const project = new RevisionProject(parseRevisionFile);
  project.updateFile(FILE, text);
  const findings = lintFile(parseRevisionFile(FILE, text), env, project, {
    settings: { [rule.id]: 'warning' },
    targets: { ...DEFAULT_TARGETS, idempotency: 'everywhere' },
    sql,
    rules: [rule],
  });
  return { text, findings };
}

function apply(text: string, edits: readonly TextEdit[]): string {
  const lines = new LineIndex(text);
  const sorted = [...edits].sort((a, b) => lines.offsetAt(b.range.start) - lines.offsetAt(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, lines.offsetAt(e.range.start)) + e.newText + out.slice(lines.offsetAt(e.range.end));
  return out;
}

/** The upgrade() body after applying the first fix of every finding, or undefined per finding without one. */
function fixed(rule: Rule, body: string[]): (string | undefined)[] {
  const { text, findings } = lint(rule, body);
  expect(findings.length).toBeGreaterThan(0);
  return findings.map((f) => {
    const fix = f.fixes?.[0];
    if (!fix) return undefined;
    const after = apply(text, fix.edits.flatMap((e) => e.edits));
    return after.slice(after.indexOf('def upgrade():\n') + 'def upgrade():\n'.length).trimEnd();
  });
}

describe('non-idempotent-ddl fixes', () => {
  it.each([
    ['    op.execute("CREATE TABLE users (id int)")', '    op.execute("CREATE TABLE IF NOT EXISTS users (id int)")'],
    ["    op.execute('CREATE UNIQUE INDEX CONCURRENTLY ix ON t (c)')", "    op.execute('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (c)')"],
    ['    op.execute("CREATE VIEW v AS SELECT 1")', '    op.execute("CREATE OR REPLACE VIEW v AS SELECT 1")'],
    ['    op.execute("DROP MATERIALIZED VIEW mv")', '    op.execute("DROP MATERIALIZED VIEW IF EXISTS mv")'],
    ['    op.execute("ALTER TABLE t ADD nick text")', '    op.execute("ALTER TABLE t ADD IF NOT EXISTS nick text")'],
    ['    op.execute("ALTER TABLE t DROP COLUMN nick")', '    op.execute("ALTER TABLE t DROP COLUMN IF EXISTS nick")'],
    ['    op.execute(f"CREATE TABLE t (id int); SELECT {x}")', '    op.execute(f"CREATE TABLE IF NOT EXISTS t (id int); SELECT {x}")'],
    ['    op.execute("""\n        CREATE SCHEMA billing\n    """)', '    op.execute("""\n        CREATE SCHEMA IF NOT EXISTS billing\n    """)'],
  ])('%s', (line, expected) => {
    expect(fixed(nonIdempotentDdl, [line])).toEqual([expected]);
  });

  it('offers no fix where the insertion point is a seam between concatenated pieces', () => {
    expect(fixed(nonIdempotentDdl, ['    op.execute("CREATE TABLE " "users (id int)")'])).toEqual([undefined]);
  });

  it('wraps CREATE TYPE, which has no IF NOT EXISTS, in a DO block (more in doBlockFix.test.ts)', () => {
    expect(fixed(nonIdempotentDdl, ['    op.execute("CREATE TYPE mood AS ENUM (\'ok\')")'])).toEqual([
      '    op.execute("DO $$ BEGIN CREATE TYPE mood AS ENUM (\'ok\'); EXCEPTION WHEN duplicate_object THEN NULL; END $$")',
    ]);
  });
});

describe('seed-insert-without-conflict fix', () => {
  it('appends ON CONFLICT DO NOTHING', () => {
    expect(fixed(seedInsertWithoutConflict, ['    op.execute("INSERT INTO roles VALUES (1)")'])).toEqual(['    op.execute("INSERT INTO roles VALUES (1) ON CONFLICT DO NOTHING")']);
  });
});

describe('concurrently-in-transaction fix', () => {
  it('wraps the call in an autocommit block, re-indenting every line of it', () => {
    const body = ['    op.create_index(', '        "ix", "t", ["c"],', '        postgresql_concurrently=True,', '    )  # why', '    op.execute("SELECT 1")'];
    expect(fixed(concurrentlyInTransaction, body)).toEqual([
      [
        '    with op.get_context().autocommit_block():',
        '        op.create_index(',
        '            "ix", "t", ["c"],',
        '            postgresql_concurrently=True,',
        '        )  # why',
        '    op.execute("SELECT 1")',
      ].join('\n'),
    ]);
  });

  it('does not re-indent a multi-line triple-quoted string, whose value would change', () => {
    expect(fixed(concurrentlyInTransaction, ['    op.execute("""', '        CREATE INDEX CONCURRENTLY ix ON t (c)', '    """)'])).toEqual([undefined]);
  });
});
