import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRevisionFile, parseRevisionFileIncremental } from '../../../server/src/core/parse/revisionFile';
import type { RevisionFile } from '../../../server/src/core/parse/types';
import { readFixture } from './helpers';

/** Everything but the positionAt closures, which are compared through their results. */
function snapshot(file: RevisionFile): unknown {
  const sqlPositions = file.functions.flatMap((f) => f.sql.map((s) => [...Array(s.text.length + 1).keys()].map((i) => s.positionAt(i))));
  return { json: JSON.parse(JSON.stringify(file)), sqlPositions };
}

const BASE = readFixture('local-sql-variable.py');

// Edits biased towards what typing produces: short insertions and deletions of code-ish text.
const edit = fc.record({
  at: fc.nat({ max: BASE.length }),
  remove: fc.nat({ max: 6 }),
  insert: fc.constantFrom('', 'x', '\n', '    ', '"', "'", '(', ')', '#', 'op.execute("A")\n', '"""', ':', '\\'),
});

describe('incremental parsing gives the same result as a fresh parse', () => {
  it('after a sequence of random edits, with the edit inferred', () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 8 }), (edits) => {
        let text = BASE;
        let state = parseRevisionFileIncremental('/x.py', text).state;
        for (const e of edits) {
          const at = Math.min(e.at, text.length);
          text = text.slice(0, at) + e.insert + text.slice(Math.min(at + e.remove, text.length));
          const next = parseRevisionFileIncremental('/x.py', text, state);
          expect(snapshot(next.file)).toEqual(snapshot(parseRevisionFile('/x.py', text)));
          state = next.state;
        }
      }),
      { numRuns: 60 },
    );
  });

  it('with the edit given explicitly', () => {
    const first = parseRevisionFileIncremental('/x.py', BASE);
    const at = BASE.indexOf('SELECT 1');
    const text = `${BASE.slice(0, at)}SELECT 2${BASE.slice(at + 8)}`;
    const next = parseRevisionFileIncremental('/x.py', text, first.state, [{ fromA: at, toA: at + 8, fromB: at, toB: at + 8 }]);
    expect(snapshot(next.file)).toEqual(snapshot(parseRevisionFile('/x.py', text)));
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
