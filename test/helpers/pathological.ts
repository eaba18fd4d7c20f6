import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Alembic projects that are hard on any tool: each is written to a fresh temporary folder, with
 * an alembic.ini whose script_location is `alembic` and its revision files in alembic/versions.
 */

export interface PathologicalProject {
  name: string;
  root: string;
  /** A revision file worth opening in the editor, relative to root. */
  file?: string;
}

function project(name: string, iniExtra = ''): { root: string; versions: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), `alembic-pilot-${name}-`));
  const versions = path.join(root, 'alembic/versions');
  mkdirSync(versions, { recursive: true });
  writeFileSync(path.join(root, 'alembic.ini'), `[alembic]\nscript_location = alembic\npath_separator = os\n${iniExtra}`);
  return { root, versions };
}

function header(rev: string, down: string | undefined): string {
  const downValue = down === undefined ? 'None' : `"${down}"`;
  return `"""${rev}\n\nRevision ID: ${rev}\nRevises: ${down ?? ''}\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = "${rev}"\ndown_revision = ${downValue}\nbranch_labels = None\ndepends_on = None\n\n\n`;
}

const EMPTY_BODIES = 'def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n';

/**
 * One migration of exactly 50,000 lines: an upgrade of add_column calls and a downgrade that
 * does nothing. `downgradeLine` is the 0-based line of `def downgrade():`.
 */
export function hugeMigration(): PathologicalProject & { downgradeLine: number } {
  const { root, versions } = project('huge-migration');
  const head = `${header('a1', undefined)}def upgrade():\n`;
  const tail = '\n\ndef downgrade():\n    pass\n';
  const count = 50_000 - (head.split('\n').length - 1) - (tail.split('\n').length - 1);
  const calls = Array.from({ length: count }, (_, i) => `    op.add_column("t${i % 100}", sa.Column("c${i}", sa.Integer()))\n`).join('');
  writeFileSync(path.join(versions, 'a1_huge.py'), head + calls + tail);
  return { name: 'a 50,000-line migration', root, file: 'alembic/versions/a1_huge.py', downgradeLine: 50_000 - 2 };
}

/**
 * A 5 MB SQL string on one line: an INSERT of 300,000-odd rows whose last value list is never
 * closed, so PostgreSQL's parser reports a syntax error at the end of input, five megabytes
 * into the line; `errorColumn` is the 0-based column of the string's last character.
 */
export function hugeSqlString(): PathologicalProject & { errorColumn: number; line: number } {
  const { root, versions } = project('huge-sql');
  const rows: string[] = [];
  let length = 0;
  for (let i = 0; length < 5_000_000; i++) {
    const row = `(${i}, 'row ${i}')`;
    rows.push(row);
    length += row.length + 2;
  }
  const sql = `INSERT INTO t (id, name) VALUES ${rows.join(', ')}, (0, 'unclosed'`;
  const head = `${header('a1', undefined)}def upgrade():\n`;
  const prefix = '    op.execute("';
  writeFileSync(path.join(versions, 'a1_sql.py'), `${head}${prefix}${sql}")\n\n\ndef downgrade():\n    op.execute("DELETE FROM t")\n`);
  return { name: 'a 5 MB single-line SQL string', root, file: 'alembic/versions/a1_sql.py', line: head.split('\n').length - 1, errorColumn: prefix.length + sql.length - 1 };
}

/** 10,000 revisions in one chain whose base points at the head: the whole history is a cycle. */
export function cyclicChain(length = 10_000): PathologicalProject {
  const { root, versions } = project('cycle');
  const id = (i: number): string => `r${String(i).padStart(5, '0')}`;
  for (let i = 0; i < length; i++) {
    writeFileSync(path.join(versions, `${id(i)}_step.py`), `${header(id(i), id((i + length - 1) % length))}${EMPTY_BODIES}`);
  }
  return { name: `a ${length.toLocaleString('en-US')}-long chain with a cycle`, root, file: `alembic/versions/${id(0)}_step.py` };
}

/**
 * Symbolic link loops under a version location walked recursively: a folder linked to its
 * parent, a link to itself, and a revision file that is a link to itself (Alembic fails on it).
 */
export function symlinkLoop(): PathologicalProject {
  const { root, versions } = project('symlink-loop', 'recursive_version_locations = true\n');
  writeFileSync(path.join(versions, 'a1_first.py'), `${header('a1', undefined)}${EMPTY_BODIES}`);
  mkdirSync(path.join(versions, 'sub'));
  writeFileSync(path.join(versions, 'sub/b2_second.py'), `${header('b2', 'a1')}${EMPTY_BODIES}`);
  symlinkSync('..', path.join(versions, 'sub/up'));
  symlinkSync('self', path.join(versions, 'self'));
  symlinkSync('c3_loop.py', path.join(versions, 'c3_loop.py'));
  return { name: 'a symlink loop under a version location', root, file: 'alembic/versions/a1_first.py' };
}

/** A version location that does not exist, beside one that does. */
export function missingVersionLocation(): PathologicalProject {
  const { root, versions } = project('missing-location', `version_locations = %(here)s/alembic/versions${path.delimiter}%(here)s/nowhere\n`);
  writeFileSync(path.join(versions, 'a1_first.py'), `${header('a1', undefined)}${EMPTY_BODIES}`);
  return { name: 'a version location that does not exist', root, file: 'alembic/versions/a1_first.py' };
}

/**
 * A 160,000-character line that does not parse, shaped like what the long fuzz run found (a
 * migration whose list comprehension lost its opening line, then an INSERT built on one line with
 * Python 2 `ur""` strings in it): lezer's error recovery takes time quadratic in the line's
 * length on it, 12 s of CPU here without a budget.
 */
export function brokenLongLine(): PathologicalProject {
  const { root, versions } = project('broken-long-line');
  const n = 12_000;
  const body = [
    'def upgrade():',
    '    connection = op.get_bind()',
    '            "id": row.id,',
    '            "name": row.name,',
    '        }',
    '        for row in rows',
    '    ]',
    '',
    '    if rows:',
    '        connection.execute(',
    '            sa.text(',
    `                "INSERT INTO(${'"a", "b")('.repeat(n)}"a"${'ur"x"'.repeat(4)}, "b")(${'"a", "b")('.repeat(n / 3)} t (id, name) "`,
    '                "VALUES (:id, :name)"',
    '            ),',
    '            rows,',
    '        )',
    '',
    '',
    'def downgrade():',
    '    pass',
    '',
  ].join('\r\n');
  writeFileSync(path.join(versions, 'a1_broken.py'), `${header('a1', undefined).replace(/\n/g, '\r\n')}${body}`);
  return { name: 'a 160,000-character line that does not parse', root, file: 'alembic/versions/a1_broken.py' };
}

/**
 * `revision = revision = ... = "a1" "" "" ...`: a chained assignment of 10,000 names to an
 * implicit concatenation of 6,000 pieces, on one 137,000-character line. Python accepts it. The
 * fuzz run found the shape (a docstring's `Revises:` line turned into code by a broken quote):
 * each name read the value again, 15 s of CPU for this file.
 */
export function chainedAssignment(): PathologicalProject & { downgradeLine: number } {
  const { root, versions } = project('chained-assignment');
  const text = `${header('a1', undefined).replace('revision = "a1"', `${'revision = '.repeat(10_000)}"a1"${' ""'.repeat(6_000)}`)}def upgrade():\n    op.add_column("t", sa.Column("c", sa.Integer()))\n\n\ndef downgrade():\n    pass\n`;
  writeFileSync(path.join(versions, 'a1_chained.py'), text);
  return { name: 'a chained assignment of 10,000 names', root, file: 'alembic/versions/a1_chained.py', downgradeLine: text.split('\n').length - 3 };
}
