import { describe, expect, it } from 'vitest';
import { Revision } from '../../../server/src/core/graph/revision';
import { CommandError, ScriptDirectory } from '../../../server/src/core/graph/scriptDirectory';

/**
 * The revision graph on small, hand-made histories. Each history is written as
 * `id: parent1 parent2 | dep1 dep2 | label1`, one file `<id>.py` each; the expected values are
 * what Alembic 1.20 answered on the same files (the parity test does that for random ones).
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
    // Alembic loads files sorted by name, and that order decides ties in its orderings.
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return new ScriptDirectory(revs);
}

const ids = (revs: readonly (Revision | 'base')[]): string[] => revs.map((r) => (r === 'base' ? r : r.revision));

const LINEAR = `
a:
b: a
c: b
d: c`;

const BRANCHED = `
base1:
b1: base1
fork1: b1
fork2: b1
merge: fork1 fork2
other: | | analytics
other2: other
dep: merge | other`;

describe('heads and bases', () => {
  it.each([
    ['linear', LINEAR, ['d'], ['d'], ['a'], ['a']],
    ['branched with a dependency', BRANCHED, ['dep', 'other2'], ['dep', 'other2'], ['base1', 'other'], ['base1', 'other']],
    ['a dependency hides a head from real heads', 'x:\ny: | x', ['x', 'y'], ['y'], ['x', 'y'], ['x']],
    ['two forks are two heads', 'r:\ns1: r\ns2: r', ['s1', 's2'], ['s1', 's2'], ['r'], ['r']],
  ])('%s', (_name, spec, heads, realHeads, bases, realBases) => {
    const s = history(spec);
    expect([...s.getHeads()].sort()).toEqual(heads);
    expect([...s.getHeads(true)].sort()).toEqual(realHeads);
    expect([...s.getBases()].sort()).toEqual(bases);
    expect([...s.map.realBases].sort()).toEqual(realBases);
  });

  it('marks branch points and merge points', () => {
    const s = history(BRANCHED);
    expect(s.map.revisions.get('b1')!.isBranchPoint).toBe(true);
    expect(s.map.revisions.get('merge')!.isMergePoint).toBe(true);
    expect(s.map.revisions.get('fork1')!.isBranchPoint).toBe(false);
  });
});

describe('branch labels', () => {
  it('propagate to descendants and down to the first branch point', () => {
    const s = history('a:\nb: a | | lbl\nc: b');
    expect([...s.map.revisions.get('a')!.branchLabels]).toEqual(['lbl']);
    expect([...s.map.revisions.get('c')!.branchLabels]).toEqual(['lbl']);
  });

  it('stop below at a branch point', () => {
    const s = history('a:\nb: a | | lbl\nc: a');
    expect(s.map.revisions.get('a')!.branchLabels.size).toBe(0);
    expect([...s.map.revisions.get('b')!.branchLabels]).toEqual(['lbl']);
  });
});

describe('history order', () => {
  it.each([
    ['linear', LINEAR, ['d', 'c', 'b', 'a']],
    ['branched', BRANCHED, ['dep', 'merge', 'fork1', 'fork2', 'other2', 'b1', 'base1', 'other']],
  ])('%s', (_name, spec, expected) => {
    expect(ids(history(spec).walkRevisions())).toEqual(expected);
  });
});

describe('specifiers', () => {
  const s = history(`
ae1027a6acf:
27c6a30d7c24: ae1027a6acf
1975ea83b712: 27c6a30d7c24 | | feature
a000:
aeb3: a000`);

  it.each([
    ['heads', ['1975ea83b712', 'aeb3']],
    ['base', []],
    ['27c6', ['27c6a30d7c24']],
    ['feature@head', ['1975ea83b712']],
    ['feature@base', []],
    ['feature@-1', ['27c6a30d7c24']],
  ])('%s', (spec, expected) => {
    expect(ids(s.getRevisions(spec))).toEqual(expected);
  });

  it.each([
    // A relative step from a named revision is an upgrade/downgrade target, not a lookup.
    ['27c6a30d7c24+1', "Can't locate revision identified by '27c6a30d7c24+1'"],
    ['ae', "Can't locate revision identified by 'ae'"],
    ['ae10', ['ae1027a6acf']],
    ['nope', "Can't locate revision identified by 'nope'"],
    ['head', "Multiple head revisions are present for given argument 'head'; please specify a specific target revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads"],
  ])('%s', (spec, expected) => {
    if (typeof expected === 'string') expect(() => s.getRevisions(spec)).toThrow(new CommandError(expected));
    else expect(ids(s.getRevisions(spec))).toEqual(expected);
  });

  it('refuses an ambiguous partial id, naming the candidates', () => {
    const t = history('abcd1:\nabcd2: abcd1');
    expect(() => t.getRevisions('abcd')).toThrow(new CommandError("Can't locate revision identified by 'abcd'"));
  });
});

describe('upgrade and downgrade plans', () => {
  const s = history(BRANCHED);

  it.each([
    ['heads from nothing', 'heads', [], ['other', 'base1', 'b1', 'other2', 'fork2', 'fork1', 'merge', 'dep']],
    ['one step', '+1', ['base1'], ['b1']],
    ['the dependency comes along', 'dep', ['merge'], ['other', 'dep']],
  ])('upgrade: %s', (_name, dest, current, expected) => {
    expect(ids(s.upgradePlan(dest, current))).toEqual(expected);
  });

  it.each([
    ['to base', 'base', ['dep', 'other2'], ['dep', 'merge', 'fork1', 'fork2', 'other2', 'b1', 'base1', 'other']],
    ['dependents go first', 'other@base', ['dep', 'other2'], ['dep', 'other2', 'other']],
  ])('downgrade: %s', (_name, dest, current, expected) => {
    expect(ids(s.downgradePlan(dest, current))).toEqual(expected);
  });

  it('refuses a relative downgrade through a merge point', () => {
    expect(() => s.downgradePlan('-1', ['merge'])).toThrow(new CommandError('Ambiguous walk'));
  });

  it('runs nothing when the target is already below the current state', () => {
    expect(ids(s.upgradePlan('fork1', ['fork2']))).toEqual(['fork1']);
    expect(ids(history(LINEAR).upgradePlan('b', ['d']))).toEqual([]);
  });
});

describe('broken histories become problems, never exceptions', () => {
  it.each([
    ['duplicate id', 'a:\na:', 'duplicate-revision'],
    ['unknown parent', 'a:\nb: zz', 'unknown-down-revision'],
    ['unknown dependency', 'a:\nb: a | zz', 'unknown-dependency'],
    ['cycle', 'a: c\nb: a\nc: b', 'revision-cycle'],
    ['self loop', 'a: a', 'revision-cycle'],
    ['label reused', 'a: | | x\nb: | | x', 'branch-label-conflict'],
    ['label equals an id', 'a:\nb: | | a', 'branch-label-conflict'],
    ['illegal character', 'a@b:', 'invalid-revision-id'],
  ])('%s', (_name, spec, kind) => {
    const s = history(spec);
    expect(s.map.problems.map((p) => p.kind)).toContain(kind);
    expect(() => s.historyOrder()).not.toThrow();
  });

  it.each([
    ['unknown parent', 'a:\nb: zz\nc: b', ['unknown-down-revision']],
    ['unknown dependency', 'a:\nb: a | zz\nc: b', ['unknown-dependency']],
  ])('reports only the %s, not a cycle above it', (_name, spec, kinds) => {
    expect(history(spec).map.problems.map((p) => p.kind)).toEqual(kinds);
  });

  it('names twenty members of a long cycle and counts the rest, in one message shared by all', () => {
    // A cycle through a whole history once put every id into every member's message: ten
    // thousand revisions made ten thousand messages of ten thousand ids each.
    const n = 1000;
    const id = (i: number): string => `r${String(i).padStart(4, '0')}`;
    const spec = Array.from({ length: n }, (_, i) => `${id(i)}: ${id((i + n - 1) % n)}`).join('\n');
    const problems = history(spec).map.problems.filter((p) => p.kind === 'revision-cycle');
    expect(problems).toHaveLength(n);
    const names = Array.from({ length: 20 }, (_, i) => id(i)).join(', ');
    expect(new Set(problems.map((p) => p.message))).toEqual(
      new Set([`Cycle is detected in revisions (${names} and 980 more); Alembic refuses to load this history.`]),
    );
  });

  it('reports a duplicate on both files', () => {
    const s = new ScriptDirectory([new Revision('a', [], [], [], '/v/one.py'), new Revision('a', [], [], [], '/v/two.py')]);
    expect(s.map.problems.map((p) => p.path).sort()).toEqual(['/v/one.py', '/v/two.py']);
  });
});
