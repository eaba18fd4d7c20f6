import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChangedRange } from '@lezer/common';
import { type IncrementalParse, parseRevisionFile, parseRevisionFileIncremental, type ParseState } from '../../../server/src/core/parse/revisionFile';
import { MAX_GENERATIONS, StatementCache } from '../../../server/src/core/parse/statementCache';
import { parsePython } from '../../../server/src/core/parse/syntax';
import type { RevisionFile } from '../../../server/src/core/parse/types';
import { FIXTURES, readFixture } from './helpers';

/** Everything but the positionAt closures, which are compared through their results. */
function snapshot(file: RevisionFile): unknown {
  const sqlPositions = file.functions.flatMap((f) => f.sql.map((s) => [...Array(s.text.length + 1).keys()].map((i) => s.positionAt(i))));
  return { json: JSON.parse(JSON.stringify(file)), sqlPositions };
}

/**
 * Parses `text` after `state` and checks the result against two references: everything
 * extracted again from the same tree (what reusing statements must not change), and a parse
 * from scratch. Lezer may recover from a syntax error differently when it reuses nodes, so a
 * file with a syntax error is parsed from scratch; either way the result is a fresh parse's.
 */
function parseAndCheck(text: string, state: ParseState, changes?: ChangedRange[]): IncrementalParse {
  const next = parseRevisionFileIncremental('/x.py', text, state, changes);
  const again = parseRevisionFileIncremental('/x.py', text, { ...state, statements: new StatementCache() }, changes);
  expect(snapshot(next.file)).toEqual(snapshot(again.file));
  expect(snapshot(next.file)).toEqual(snapshot(parseRevisionFile('/x.py', text)));
  return next;
}

const BASE = readFixture('local-sql-variable.py');

/** Every revision file the tests have: the parser's fixtures and the rules' good and bad files. */
const RULE_FIXTURES = join(__dirname, '../../fixtures/rules');
const CORPUS: { name: string; text: string }[] = [
  ...readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.py'))
    .map((f) => ({ name: f, text: readFixture(f) })),
  ...readdirSync(RULE_FIXTURES).flatMap((rule) =>
    readdirSync(join(RULE_FIXTURES, rule))
      .filter((f) => f.endsWith('.py'))
      .map((f) => ({ name: `${rule}/${f}`, text: readFileSync(join(RULE_FIXTURES, rule, f), 'utf8') })),
  ),
];

// What typing produces: short insertions and deletions of code-ish text, line breaks included
// (they move every later statement by a line).
const insertion = fc.constantFrom('', 'x', '\n', '\n\n', '    ', '"', "'", '(', ')', '#', ',', 'op.execute("A")\n', '"""', ':', '\\', 'sql = "B"\n    ', 'with op.batch_alter_table("t") as b:\n        ');
const edit = fc.record({ at: fc.nat(), remove: fc.nat({ max: 6 }), insert: insertion });

/** `text` with `e` applied; `e.at` is taken modulo the text's length so that any number works. */
function apply(text: string, e: { at: number; remove: number; insert: string }): string {
  const at = e.at % (text.length + 1);
  return text.slice(0, at) + e.insert + text.slice(Math.min(at + e.remove, text.length));
}

/** A migration with `n` statements of the usual kinds in upgrade() and their reverse in downgrade(). */
function migration(n: number): string {
  const up: string[] = [];
  const down: string[] = [];
  for (let i = 0; i < n; i++) {
    up.push(`    op.add_column("t${i % 3}", sa.Column("c${i}", sa.Text(), nullable=True))`);
    up.push(`    op.execute("UPDATE t${i % 3} SET c${i} = 'x'")`);
    down.push(`    op.drop_column("t${i % 3}", "c${i}")`);
  }
  return ['"""m"""', 'from alembic import op', 'import sqlalchemy as sa', '', 'revision = "a1"', 'down_revision = None', '', '', 'def upgrade():', ...up, '', '', 'def downgrade():', ...down, ''].join('\n');
}

describe('incremental parsing gives the same result as a fresh parse', () => {
  it('after a sequence of random edits, with the edit inferred', () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 8 }), (edits) => {
        let text = BASE;
        let state = parseRevisionFileIncremental('/x.py', text).state;
        for (const e of edits) {
          text = apply(text, e);
          state = parseAndCheck(text, state).state;
        }
      }),
      { numRuns: 60 },
    );
  });

  it('after one random edit to any fixture', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CORPUS), edit, ({ text }, e) => {
        const first = parseRevisionFileIncremental('/x.py', text);
        parseAndCheck(apply(text, e), first.state);
      }),
      { numRuns: 600 },
    );
  });

  it('after edits whose results nobody read in between', () => {
    // Arguments are computed when first read; reused and shifted calls that were never read
    // must still compute them in the right place.
    fc.assert(
      fc.property(fc.constantFrom(...CORPUS), fc.array(edit, { minLength: 2, maxLength: 6 }), ({ text }, edits) => {
        let current = text;
        let typing = parseRevisionFileIncremental('/x.py', current).state;
        let again = typing;
        let file: RevisionFile | undefined;
        let reference: RevisionFile | undefined;
        for (const e of edits) {
          current = apply(current, e);
          ({ file, state: typing } = parseRevisionFileIncremental('/x.py', current, typing));
          ({ file: reference, state: again } = parseRevisionFileIncremental('/x.py', current, { ...again, statements: new StatementCache() }));
        }
        expect(snapshot(file!)).toEqual(snapshot(reference!));
        expect(snapshot(file!)).toEqual(snapshot(parseRevisionFile('/x.py', current)));
      }),
      { numRuns: 200 },
    );
  });

  it('after editing more statements than the cache keeps parses of', () => {
    let text = migration(3 * MAX_GENERATIONS);
    let state: ParseState = parseRevisionFileIncremental('/x.py', text).state;
    // Each edit lands in another statement and adds a line above the later ones.
    for (let i = 0; i < 2 * MAX_GENERATIONS; i++) {
      text = text.replace(`"c${i}", sa.Text()`, `"c${i}x",\n        sa.Text()`);
      state = parseAndCheck(text, state).state;
    }
    expect(state.statements.counts.size).toBeLessThanOrEqual(MAX_GENERATIONS + 1);
  });

  it('parses a file with a syntax error from scratch, where lezer would recover differently', () => {
    // After these two edits lezer's incremental tree differs from a fresh one (it reuses nodes
    // and recovers from the missing colon elsewhere); the editor must still say what CI says.
    const text = readFileSync(join(RULE_FIXTURES, 'non-idempotent-ddl', 'bad-idempotency-everywhere.py'), 'utf8');
    const first = apply(text, { at: 772, remove: 3, insert: 'op.add_column("t", sa.Column("c"))\n    ' });
    const second = apply(first, { at: 232, remove: 1, insert: '' });
    let state = parseRevisionFileIncremental('/x.py', text).state;
    state = parseAndCheck(first, state).state;
    const last = parseAndCheck(second, state);
    expect(last.file.problems.map((p) => p.code)).toContain('python-syntax');
    expect(last.state.tree.toString()).toBe(parsePython(second).toString());
  });

  it('with the edit given explicitly', () => {
    const first = parseRevisionFileIncremental('/x.py', BASE);
    const at = BASE.indexOf('SELECT 1');
    const text = `${BASE.slice(0, at)}SELECT 2${BASE.slice(at + 8)}`;
    parseAndCheck(text, first.state, [{ fromA: at, toA: at + 8, fromB: at, toB: at + 8 }]);
  });

  it('reuses the tree when nothing changed', () => {
    const first = parseRevisionFileIncremental('/x.py', BASE);
    expect(parseRevisionFileIncremental('/x.py', BASE, first.state).state.tree).toBe(first.state.tree);
  });

  it('keeps positions right when a BOM comes and goes', () => {
    const first = parseRevisionFileIncremental('/x.py', BASE);
    const next = parseRevisionFileIncremental('/x.py', `\uFEFF${BASE}`, first.state);
    expect(snapshot(next.file)).toEqual(snapshot(parseRevisionFile('/x.py', BASE)));
  });
});

describe('what an edit re-extracts', () => {
  const text = migration(10);
  const first = parseRevisionFileIncremental('/x.py', text);
  const [up, down] = first.file.functions;

  it('keeps the results of the statements an edit on the same lines did not touch', () => {
    const edited = text.replace('SET c4 =', 'SET c44 =');
    const next = parseRevisionFileIncremental('/x.py', edited, first.state).file;
    const [up2, down2] = next.functions;
    expect(up2.opCalls.map((c, i) => c === up.opCalls[i])).toEqual(up.opCalls.map((_, i) => i !== 9));
    expect(up2.sql[4].text).toBe("UPDATE t1 SET c44 = 'x'");
    expect(up2.sql.filter((s, i) => s === up.sql[i])).toHaveLength(9);
    expect(down2.opCalls.every((c, i) => c === down.opCalls[i])).toBe(true);
  });

  it('moves the results of later statements when lines are added above them', () => {
    const edited = text.replace('    op.execute("UPDATE t1 SET c4', '    pass\n    op.execute("UPDATE t1 SET c4');
    const next = parseRevisionFileIncremental('/x.py', edited, first.state).file;
    expect(next.functions[0].opCalls[0]).toBe(up.opCalls[0]);
    expect(next.functions[1].opCalls[0]).not.toBe(down.opCalls[0]);
    expect(next.functions[1].opCalls[0].range.start.line).toBe(down.opCalls[0].range.start.line + 1);
  });

  it('still reports a syntax fault in a statement the edit did not touch', () => {
    const base = ['from alembic import op', 'def upgrade():', '    op.execute("a" <> "b")', '    op.execute("SELECT 1")', ''].join('\n');
    let state = parseRevisionFileIncremental('/x.py', base).state;
    for (const text of [base.replace('SELECT 1', 'SELECT 2'), base.replace('SELECT 1', 'SELECT 3')]) {
      const next = parseRevisionFileIncremental('/x.py', text, state);
      expect(next.file.problems.map((p) => p.message)).toEqual(["Python cannot parse line 3, column 20: '<>' is Python 2 syntax, use '!='"]);
      state = next.state;
    }
  });

  it('extracts again a statement that reads a name another edit binds', () => {
    const base = ['from alembic import op', 'def upgrade():', '    sql = "SELECT 1"', '    op.execute(sql)', ''].join('\n');
    const state = parseRevisionFileIncremental('/x.py', base).state;
    const next = parseRevisionFileIncremental('/x.py', base.replace('SELECT 1', 'SELECT 2'), state).file;
    expect(next.functions[0].sql.map((s) => s.text)).toEqual(['SELECT 2']);
  });

  it('extracts again a statement that moved along its line', () => {
    const base = ['from alembic import op', 'def upgrade(): op.drop_table("a")', ''].join('\n');
    const state = parseRevisionFileIncremental('/x.py', base).state;
    const edited = base.replace('def upgrade()', 'def upgrade( )');
    const next = parseRevisionFileIncremental('/x.py', edited, state).file;
    expect(next.functions[0].opCalls[0].range).toEqual(parseRevisionFile('/x.py', edited).functions[0].opCalls[0].range);
  });

  it('extracts everything again when the op alias changes', () => {
    const base = ['from alembic import op as o', 'def upgrade():', '    o.drop_table("a")', '    op.drop_table("b")', ''].join('\n');
    const state = parseRevisionFileIncremental('/x.py', base).state;
    const next = parseRevisionFileIncremental('/x.py', base.replace('import op as o', 'import op'), state).file;
    expect(next.functions[0].opCalls.map((c) => c.args[0].value)).toEqual(['b']);
  });
});
