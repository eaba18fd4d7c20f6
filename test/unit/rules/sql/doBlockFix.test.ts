import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFixes, applyTextEdits } from '../../../../server/src/cli/lintFix';
import { parseRevisionFile } from '../../../../server/src/core/parse';
import { RevisionProject } from '../../../../server/src/core/project/revisionProject';
import { LOCK_RULES, RULES } from '../../../../server/src/core/rules/registry';
import { DEFAULT_TARGETS, lintFile } from '../../../../server/src/core/rules/runner';
import type { Finding, SqlParser } from '../../../../server/src/core/rules/types';
import { analyzeSql, loadSqlParser } from '../../../../server/src/core/sql';
import { wrapInDoBlock } from '../../../../server/src/core/sql/edits';
import { bareEnvironment } from '../../../helpers/ruleFixtures';

/**
 * non-idempotent-ddl's DO-block fix for statements PostgreSQL has no IF NOT EXISTS for. Each
 * case applies the fix to the Python file and lints it again with every rule: the finding must
 * be gone and nothing new may appear. test/integration/nonIdempotentDdl.postgres.test.ts runs
 * the wrapped SQL twice on PostgreSQL.
 */

let sql: SqlParser;
beforeAll(async () => {
  sql = await loadSqlParser();
});

const dir = mkdtempSync(path.join(os.tmpdir(), 'do-block-fix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = bareEnvironment(dir);

const FILE = path.join(dir, 'a1_x.py');
const HEAD = 'from alembic import op\nimport sqlalchemy as sa\n\nrevision = "a1"\ndown_revision = None\n\n\ndef upgrade():\n';
// The lock rules report on the same statements, at ranges the wrap moves; their own tests lint with them.
const rules = RULES.filter((r) => !LOCK_RULES.includes(r));

function lint(text: string, file = FILE): Finding[] {
  const project = new RevisionProject(parseRevisionFile);
  project.updateFile(file, text);
  return lintFile(parseRevisionFile(file, text), env, project, { settings: {}, targets: { ...DEFAULT_TARGETS, idempotency: 'everywhere' }, sql, rules });
}

const ddl = (findings: Finding[]): Finding[] => findings.filter((f) => f.rule === 'non-idempotent-ddl');
const key = (f: Finding): string => `${f.rule} ${f.range.start.line}:${f.range.start.character} ${f.message}`;
const isWrap = (title: string): boolean => title.startsWith('Wrap in a DO block');

/**
 * Applies the DO-block fix of the finding whose message names `object`, checks that the
 * re-lint lost that finding and gained none, and returns the upgrade() body after the fix.
 */
function wrapped(body: string, object: string, eol = '\n'): string {
  const text = (HEAD + body + '\n').replace(/\n/g, eol);
  const before = lint(text);
  const target = before.find((f) => f.rule === 'non-idempotent-ddl' && f.message.includes(object));
  expect(target, `a finding about ${object}`).toBeDefined();
  const fix = target!.fixes?.find((f) => isWrap(f.title));
  expect(fix, `a DO-block fix for ${object}`).toBeDefined();
  const after = applyTextEdits(text, fix!.edits.flatMap((e) => e.edits));
  const remaining = lint(after).map(key);
  expect(remaining).not.toContain(key(target!));
  expect(remaining.filter((k) => !before.map(key).includes(k))).toEqual([]);
  expect(lint(after).filter((f) => f.rule === 'non-idempotent-ddl' && f.message.includes(object))).toEqual([]);
  return after.slice((HEAD.replace(/\n/g, eol)).length).replace(/(\r?\n)+$/, '');
}

/** The titles of the fixes offered for the finding about `object`, which must exist. */
function fixTitles(body: string, object: string): string[] {
  const target = lint(HEAD + body + '\n').find((f) => f.rule === 'non-idempotent-ddl' && f.message.includes(object));
  expect(target, `a finding about ${object}`).toBeDefined();
  return (target!.fixes ?? []).map((f) => f.title);
}

describe('non-idempotent-ddl: wrap in a DO block', () => {
  it('lays the block out over lines in a multi-line triple-quoted string, at its indentation', () => {
    const body = ['    op.execute("""', '        CREATE TYPE mood AS ENUM (', "            'happy',", "            'sad'", '        );', '        CREATE TABLE IF NOT EXISTS t (m mood);', '    """)'];
    expect(wrapped(body.join('\n'), 'CREATE TYPE mood')).toBe(
      [
        '    op.execute("""',
        '        DO $$ BEGIN',
        '            CREATE TYPE mood AS ENUM (',
        "                'happy',",
        "                'sad'",
        '            );',
        '        EXCEPTION',
        '            WHEN duplicate_object THEN NULL;',
        '        END $$;',
        '        CREATE TABLE IF NOT EXISTS t (m mood);',
        '    """)',
      ].join('\n'),
    );
  });

  it('writes one line in a single-quoted string, where no newline may go', () => {
    expect(wrapped(`    op.execute("CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%')")`, 'CREATE DOMAIN email')).toBe(
      `    op.execute("DO $$ BEGIN CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%'); EXCEPTION WHEN duplicate_object THEN NULL; END $$")`,
    );
  });

  it('writes one line for a statement that does not start a line of a triple-quoted string', () => {
    expect(wrapped(`    op.execute("""CREATE TYPE pair AS (a int, b int)""")`, 'CREATE TYPE pair')).toBe(
      `    op.execute("""DO $$ BEGIN CREATE TYPE pair AS (a int, b int); EXCEPTION WHEN duplicate_object THEN NULL; END $$""")`,
    );
  });

  it('wraps only its own statement of a string holding two, and leaves the other finding', () => {
    const body = `    op.execute("CREATE TABLE t (id int); CREATE TYPE mood AS ENUM ('a');")`;
    expect(wrapped(body, 'CREATE TYPE mood')).toBe(`    op.execute("CREATE TABLE t (id int); DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;")`);
    const after = applyTextEdits(HEAD + body + '\n', lint(HEAD + body + '\n').find((f) => f.message.includes('mood'))!.fixes![0]!.edits[0]!.edits);
    expect(ddl(lint(after)).map((f) => f.message)).toEqual(['`CREATE TABLE t` fails when it already exists, so running this migration again breaks.']);
  });

  it('wraps a statement that lies within one of several concatenated pieces', () => {
    expect(wrapped(`    op.execute(\n        "CREATE TABLE IF NOT EXISTS t (id int);"\n        " CREATE TYPE mood AS ENUM ('a')"\n    )`, 'CREATE TYPE mood')).toBe(
      `    op.execute(\n        "CREATE TABLE IF NOT EXISTS t (id int);"\n        " DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$"\n    )`,
    );
  });

  it('picks another dollar-quote tag when the statement holds $$, and another again when it holds that', () => {
    expect(wrapped('    op.execute("ALTER TABLE t ADD CONSTRAINT t_c CHECK (c <> $$x$$)")', 'ADD CONSTRAINT t_c')).toBe(
      '    op.execute("DO $do$ BEGIN ALTER TABLE t ADD CONSTRAINT t_c CHECK (c <> $$x$$); EXCEPTION WHEN duplicate_object THEN NULL; END $do$")',
    );
    expect(wrapped('    op.execute("ALTER TABLE t ADD CONSTRAINT t_c CHECK (c <> $$x$$ AND c <> $do$y$do$)")', 'ADD CONSTRAINT t_c')).toContain(
      '"DO $do1$ BEGIN ALTER TABLE t ADD CONSTRAINT t_c CHECK (c <> $$x$$ AND c <> $do$y$do$); EXCEPTION WHEN duplicate_object THEN NULL; END $do1$"',
    );
  });

  it('wraps an ADD CONSTRAINT inside op.execute(sa.text(...)), ignoring what each constraint kind raises', () => {
    expect(wrapped('    op.execute(sa.text("ALTER TABLE t ADD CONSTRAINT t_c_key UNIQUE (c)"))', 'ADD CONSTRAINT t_c_key')).toBe(
      '    op.execute(sa.text("DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT t_c_key UNIQUE (c); EXCEPTION WHEN duplicate_table THEN NULL; END $$"))',
    );
    expect(wrapped('    op.execute(sa.text("ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (u) REFERENCES users (id)"))', 'ADD CONSTRAINT t_fk')).toContain(
      'EXCEPTION WHEN duplicate_object THEN NULL; END $$',
    );
    expect(wrapped('    op.execute("ALTER TABLE t ADD PRIMARY KEY (id)")', 'ADD CONSTRAINT PRIMARY KEY')).toContain('EXCEPTION WHEN invalid_table_definition THEN NULL; END $$');
  });

  it('ignores every condition of a statement adding several constraints, in one fix offered on each finding', () => {
    const body = '    op.execute("ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY (id), ADD CONSTRAINT t_c_key UNIQUE (c), ADD CONSTRAINT t_c CHECK (c > 0)")';
    expect(fixTitles(body, 't_c_key')).toEqual(['Wrap in a DO block that ignores duplicate_object, duplicate_table and invalid_table_definition']);
    const findings = ddl(lint(HEAD + body + '\n'));
    expect(findings).toHaveLength(3);
    expect(new Set(findings.map((f) => JSON.stringify(f.fixes)))).toHaveProperty('size', 1);
    expect(wrapped(body, 't_pkey')).toContain('EXCEPTION WHEN duplicate_object OR duplicate_table OR invalid_table_definition THEN NULL; END $$');
  });

  it('keeps the lines of a string literal of the SQL as they are', () => {
    const body = ['    op.execute("""', "        ALTER TABLE t ADD CONSTRAINT t_c CHECK (nick <> 'a", "b')", '    """)'];
    expect(wrapped(body.join('\n'), 'ADD CONSTRAINT t_c')).toBe(
      ['    op.execute("""', '        DO $$ BEGIN', "            ALTER TABLE t ADD CONSTRAINT t_c CHECK (nick <> 'a", "b');", '        EXCEPTION', '            WHEN duplicate_object THEN NULL;', '        END $$', '    """)'].join('\n'),
    );
  });

  it('ends the block before a trailing comment, which would swallow the semicolon', () => {
    const body = ['    op.execute("""', "        CREATE TYPE mood AS ENUM ('a') -- moods", '        ;', '    """)'];
    expect(wrapped(body.join('\n'), 'CREATE TYPE mood')).toBe(
      ['    op.execute("""', '        DO $$ BEGIN', "            CREATE TYPE mood AS ENUM ('a');", '        EXCEPTION', '            WHEN duplicate_object THEN NULL;', '        END $$ -- moods', '        ;', '    """)'].join('\n'),
    );
  });

  it('indents with the tabs the string uses, and adds no trailing whitespace to a blank line', () => {
    const body = ['\top.execute("""', '\t\tCREATE TYPE mood AS ENUM (', '', "\t\t\t'a'", '\t\t);', '\t""")'];
    expect(wrapped(body.join('\n'), 'CREATE TYPE mood')).toBe(
      ['\top.execute("""', '\t\tDO $$ BEGIN', '\t\t\tCREATE TYPE mood AS ENUM (', '', "\t\t\t\t'a'", '\t\t\t);', '\t\tEXCEPTION', '\t\t\tWHEN duplicate_object THEN NULL;', '\t\tEND $$;', '\t""")'].join('\n'),
    );
  });

  it('keeps CRLF line ends', () => {
    const body = ['    op.execute("""', "        CREATE TYPE mood AS ENUM ('a');", '    """)'].join('\n');
    expect(wrapped(body, 'CREATE TYPE mood', '\r\n')).toBe(
      ['    op.execute("""', '        DO $$ BEGIN', "            CREATE TYPE mood AS ENUM ('a');", '        EXCEPTION', '            WHEN duplicate_object THEN NULL;', '        END $$;', '    """)'].join('\r\n'),
    );
  });

  it('wraps a statement of a raw string, copied verbatim', () => {
    expect(wrapped(String.raw`    op.execute(r"CREATE DOMAIN path AS text CHECK (VALUE ~ '^\w+$')")`, 'CREATE DOMAIN path')).toBe(
      String.raw`    op.execute(r"DO $$ BEGIN CREATE DOMAIN path AS text CHECK (VALUE ~ '^\w+$'); EXCEPTION WHEN duplicate_object THEN NULL; END $$")`,
    );
  });

  it.each([
    ['the statement is inside a DO block already', '    op.execute("DO $$ BEGIN CREATE TYPE mood AS ENUM (\'a\'); END $$")', 'CREATE TYPE mood'],
    ['the statement spans concatenated pieces', '    op.execute("CREATE TYPE mood " "AS ENUM (\'a\')")', 'CREATE TYPE mood'],
    ['the statement holds an escape', '    op.execute("CREATE TYPE mood AS\\nENUM (\'a\')")', 'CREATE TYPE mood'],
    ['the statement has a bind parameter', '    op.execute(sa.text("ALTER TABLE t ADD CONSTRAINT t_c CHECK (c > :low)"))', 'ADD CONSTRAINT t_c'],
    ['the constraint adopts an index, whose re-run error a first run gives too', '    op.execute("ALTER TABLE t ADD CONSTRAINT t_c_key UNIQUE USING INDEX t_c_idx")', 'ADD CONSTRAINT t_c_key'],
    ['the statement also adds a column, which raises duplicate_column', '    op.execute("ALTER TABLE t ADD COLUMN nick text, ADD CONSTRAINT t_c CHECK (c > 0)")', 'ADD CONSTRAINT t_c'],
  ])('offers no DO block when %s', (_why, body, object) => {
    expect(fixTitles(body, object).filter(isWrap)).toEqual([]);
  });

  it('has nothing to fix in a statement with a dynamic part, and the edit helper refuses one', () => {
    const body = `    op.execute(f"CREATE TYPE {name} AS ENUM ('a')")`;
    expect(lint(HEAD + body + '\n').filter((f) => f.rule === 'non-idempotent-ddl')).toEqual([]);
    const file = parseRevisionFile(FILE, HEAD + body + '\n');
    const analyzed = analyzeSql(sql, file.functions[0]!.sql[0]!);
    const st = analyzed.statements[0]!;
    expect(st.dynamic).toBe(true);
    expect(wrapInDoBlock(file, analyzed, st.start, st.end, ['duplicate_object'])).toBeUndefined();
  });
});

describe('lint --fix with the DO-block fix', () => {
  it('applies it once for a statement with two findings, lists both, and leaves nothing to fix', () => {
    const file = path.join(dir, 'b2_fix.py');
    const body = [
      '    op.execute("CREATE TYPE mood AS ENUM (\'a\')")',
      '    op.execute("""',
      '        ALTER TABLE t',
      '            ADD CONSTRAINT t_c CHECK (c > 0),',
      '            ADD CONSTRAINT t_d CHECK (d > 0);',
      '    """)',
    ].join('\n');
    const text = `${HEAD}${body}\n`;
    writeFileSync(file, text);
    const outcome = applyFixes(lint(text, file));
    expect(outcome.skipped).toEqual([]);
    expect(outcome.applied.map((a) => `${a.finding.range.start.line} ${a.title}`)).toEqual([
      '8 Wrap in a DO block that ignores duplicate_object',
      '10 Wrap in a DO block that ignores duplicate_object',
      '10 Wrap in a DO block that ignores duplicate_object',
    ]);
    const after = readFileSync(file, 'utf8');
    expect(after.slice(HEAD.length)).toBe(
      [
        '    op.execute("DO $$ BEGIN CREATE TYPE mood AS ENUM (\'a\'); EXCEPTION WHEN duplicate_object THEN NULL; END $$")',
        '    op.execute("""',
        '        DO $$ BEGIN',
        '            ALTER TABLE t',
        '                ADD CONSTRAINT t_c CHECK (c > 0),',
        '                ADD CONSTRAINT t_d CHECK (d > 0);',
        '        EXCEPTION',
        '            WHEN duplicate_object THEN NULL;',
        '        END $$;',
        '    """)',
        '',
      ].join('\n'),
    );
    expect(ddl(lint(after, file))).toEqual([]);
  });
});
