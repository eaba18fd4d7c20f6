import { describe, expect, it } from 'vitest';
import { unmergedForks } from '../../../server/src/core/graph/forks';
import { planMigration } from '../../../server/src/core/graph/migrationPlan';
import { Revision } from '../../../server/src/core/graph/revision';
import { ScriptDirectory } from '../../../server/src/core/graph/scriptDirectory';

/**
 * The plan behind the client's confirmations and the runner's check, and the forks Merge Heads
 * offers, on small hand-made histories written `id: parents | dependencies | labels`. The plans'
 * steps and rows are also held to real Alembic runs in test/integration/runner/runner.test.ts.
 */

function history(spec: string): ScriptDirectory {
  const revs = spec
    .trim()
    .split('\n')
    .map((line) => {
      const [id, rest = ''] = line.split(':').map((s) => s.trim()) as [string, string?];
      const [down = '', deps = '', labels = ''] = rest.split('|').map((s) => s.trim());
      const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);
      return new Revision(id, words(down), words(deps), words(labels), `/v/${id}.py`);
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return new ScriptDirectory(revs);
}

const SAMPLE_LIKE = history(`
a1:
a2: a1
f1: a2
f2: a2
m: f1 f2
x1: | | analytics
x2: x1
d: m | x1
`);

describe('planMigration', () => {
  it('plans an upgrade and the rows after it, across merge and branch points', () => {
    const plan = planMigration(SAMPLE_LIKE, 'upgrade', 'heads', []);
    if ('error' in plan) throw new Error(plan.error);
    expect(plan.steps.map((r) => r.revision)).toHaveLength(8);
    expect(plan.crossesMergePoint).toBe(true);
    expect(plan.crossesBranchPoint).toBe(true);
    expect(plan.expectedCurrent).toEqual(['d', 'x2']);
  });

  it('keeps the rows of branches the plan does not touch', () => {
    const plan = planMigration(SAMPLE_LIKE, 'upgrade', 'f1', ['x2']);
    if ('error' in plan) throw new Error(plan.error);
    expect(plan.steps.map((r) => r.revision)).toEqual(['a1', 'a2', 'f1']);
    expect(plan.crossesBranchPoint).toBe(true);
    expect(plan.crossesMergePoint).toBe(false);
    expect(plan.expectedCurrent).toEqual(['f1', 'x2']);
  });

  it('unmerges on a downgrade below a merge point, keeping the other parent', () => {
    const plan = planMigration(SAMPLE_LIKE, 'downgrade', 'f1', ['m']);
    if ('error' in plan) throw new Error(plan.error);
    expect(plan.steps.map((r) => r.revision)).toEqual(['m']);
    expect(plan.expectedCurrent).toEqual(['f1', 'f2']);
  });

  it('empties the table on a downgrade to base', () => {
    const plan = planMigration(SAMPLE_LIKE, 'downgrade', 'base', ['d', 'x2']);
    if ('error' in plan) throw new Error(plan.error);
    expect(plan.steps).toHaveLength(8);
    expect(plan.expectedCurrent).toEqual([]);
  });

  it('keeps a dependency implied by a remaining row out of the table', () => {
    const plan = planMigration(SAMPLE_LIKE, 'downgrade', 'm', ['d', 'x2']);
    if ('error' in plan) throw new Error(plan.error);
    expect(plan.steps.map((r) => r.revision)).toEqual(['d']);
    expect(plan.expectedCurrent).toEqual(['m', 'x2']);
  });

  it('answers with Alembic’s messages', () => {
    expect(planMigration(SAMPLE_LIKE, 'upgrade', 'nope', [])).toEqual({ error: "Can't locate revision identified by 'nope'" });
    expect(planMigration(SAMPLE_LIKE, 'upgrade', 'heads', ['gone'])).toEqual({ error: "Can't locate revision identified by 'gone'" });
    expect(planMigration(SAMPLE_LIKE, 'downgrade', 'x2', ['a2'])).toMatchObject({ error: expect.stringMatching(/not a valid downgrade target/) });
  });
});

describe('unmergedForks', () => {
  it('groups heads that fork from one lineage, never labelled or unrelated branches', () => {
    expect(unmergedForks(SAMPLE_LIKE.map)).toEqual([]);
    const forked = history(`
a:
b: a
c: a
d: a
x: | | other
y: x
z:
`);
    expect(unmergedForks(forked.map)).toEqual([['b', 'c', 'd']]);
  });

  it('keeps forks of two labelled branches apart', () => {
    const twoForks = history(`
a: | | one
b: a
c: a
p: | | two
q: p
r: p
`);
    expect(unmergedForks(twoForks.map)).toEqual([
      ['b', 'c'],
      ['q', 'r'],
    ]);
  });
});
