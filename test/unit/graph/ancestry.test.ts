import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ancestry } from '../../../server/src/core/graph/ancestry';
import { Revision } from '../../../server/src/core/graph/revision';

/** Chain labels must answer exactly what a walk of the parents answers, and so must the fallback. */

const dag = fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: 1, maxLength: 40 }).map((raw) =>
  // Parents always come earlier, so the graph has no cycle.
  raw.map((ps, i) => (i === 0 ? [] : [...new Set(ps.map((p) => p % i))])),
);

function bruteForce(parents: number[][], a: number, b: number): boolean {
  const stack = [b];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (i === a) return true;
    if (seen.has(i)) continue;
    seen.add(i);
    stack.push(...parents[i]!);
  }
  return false;
}

describe('ancestry', () => {
  it.each([
    ['chain labels', Infinity],
    ['the walking fallback', 0],
  ])('answers like a walk with %s', (_name, budget) => {
    fc.assert(
      fc.property(dag, (parents) => {
        const revs = parents.map((_, i) => Object.assign(new Revision(`r${i}`, [], [], [], `/r${i}.py`), { index: i }));
        const ancestry = new Ancestry(revs, parents, budget);
        for (let a = 0; a < parents.length; a++) {
          for (let b = 0; b < parents.length; b++) {
            expect(ancestry.isAncestorOrSelf(revs[a]!, revs[b]!), `${a} in ancestors of ${b}`).toBe(bruteForce(parents, a, b));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
