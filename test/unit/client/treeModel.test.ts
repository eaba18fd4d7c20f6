import { describe, expect, it } from 'vitest';
import { environmentItem, revisionItem, revisionStates, shapeMarks, type DatabaseView, type RevisionData } from '../../../client/src/tree/model';

/**
 * The Revisions view's labels and states, on the shape of migrations-sample: two bases, a
 * branch point, a merge, a labelled independent branch and a dependency across branches.
 */

function rev(id: string, down: string[], extra: Partial<RevisionData> = {}): RevisionData {
  return { id, file: `/p/versions/${id}.py`, downRevisions: down, dependsOn: [], branchLabels: [], message: `msg ${id}`, isHead: false, isBranchPoint: false, isMergePoint: false, ...extra };
}

// History order (heads first), as `alembic history` prints the sample.
const sample: RevisionData[] = [
  rev('e6a3f8c1b920', ['9b2c41e7d05f'], { isHead: true, branchLabels: ['analytics'] }),
  rev('ab93e5d7c162', ['41f7c2d9e8b3'], { isHead: true }),
  rev('41f7c2d9e8b3', ['7d40e9b1f3a6'], { dependsOn: ['9b2c41e7d05f'] }),
  rev('7d40e9b1f3a6', ['5e1d9a0c7b24', 'c83f2b6e4a17'], { isMergePoint: true }),
  rev('5e1d9a0c7b24', ['002']),
  rev('c83f2b6e4a17', ['002']),
  rev('002', ['001'], { isBranchPoint: true }),
  rev('001', []),
  rev('9b2c41e7d05f', [], { branchLabels: ['analytics'] }),
];

const ok = (current: string[]): DatabaseView => ({ kind: 'ok', current, name: 'dev' });

function states(current: string[] | undefined, revisions = sample): Record<string, string> {
  return Object.fromEntries(revisionStates(revisions, current === undefined ? { kind: 'none' } : ok(current)));
}

describe('revisionStates', () => {
  const cases: { name: string; current: string[] | undefined; expected: Record<string, string> }[] = [
    { name: 'no database: every state unknown', current: undefined, expected: Object.fromEntries(sample.map((r) => [r.id, 'unknown'])) },
    { name: 'nothing applied: every revision pending', current: [], expected: Object.fromEntries(sample.map((r) => [r.id, 'pending'])) },
    {
      name: 'at both heads: heads current, the rest applied',
      current: ['ab93e5d7c162', 'e6a3f8c1b920'],
      expected: { e6a3f8c1b920: 'current', ab93e5d7c162: 'current', '41f7c2d9e8b3': 'applied', '7d40e9b1f3a6': 'applied', '5e1d9a0c7b24': 'applied', c83f2b6e4a17: 'applied', '002': 'applied', '001': 'applied', '9b2c41e7d05f': 'applied' },
    },
    {
      name: 'a dependency counts as applied (depends_on is upgraded first)',
      current: ['41f7c2d9e8b3'],
      expected: { e6a3f8c1b920: 'pending', ab93e5d7c162: 'pending', '41f7c2d9e8b3': 'current', '7d40e9b1f3a6': 'applied', '5e1d9a0c7b24': 'applied', c83f2b6e4a17: 'applied', '002': 'applied', '001': 'applied', '9b2c41e7d05f': 'applied' },
    },
    {
      name: 'one side of the branch point',
      current: ['5e1d9a0c7b24'],
      expected: { e6a3f8c1b920: 'pending', ab93e5d7c162: 'pending', '41f7c2d9e8b3': 'pending', '7d40e9b1f3a6': 'pending', '5e1d9a0c7b24': 'current', c83f2b6e4a17: 'pending', '002': 'applied', '001': 'applied', '9b2c41e7d05f': 'pending' },
    },
  ];
  for (const c of cases) it(c.name, () => expect(states(c.current)).toEqual(c.expected));

  it('works on a prefix of the history (the pages loaded so far)', () => {
    expect(states(['ab93e5d7c162'], sample.slice(0, 4))).toEqual({ e6a3f8c1b920: 'pending', ab93e5d7c162: 'current', '41f7c2d9e8b3': 'applied', '7d40e9b1f3a6': 'applied' });
  });
});

describe('revisionItem', () => {
  it('shows message, short id, state and shape in label and description', () => {
    const item = revisionItem(sample[3]!, 'applied', 'alembic/versions/x.py');
    expect(item.label).toBe('msg 7d40e9b1f3a6');
    expect(item.description).toBe('7d40e9b1f3a6 · applied · merge');
    expect(item.icon.id).toBe('git-merge');
    expect(item.contextValue).toBe('revision applied known');
  });

  it('marks heads, branch points and labels', () => {
    expect(shapeMarks(sample[0]!)).toEqual(['head', '@analytics']);
    expect(shapeMarks(sample[6]!)).toEqual(['branch point']);
    expect(revisionItem(sample[0]!, 'pending', 'f.py').contextValue).toBe('revision pending known head');
  });

  it('leaves the state out of the description when it is unknown', () => {
    const item = revisionItem(sample[7]!, 'unknown', 'f.py');
    expect(item.description).toBe('001');
    expect(item.contextValue).toBe('revision unknown');
  });

  it('puts the full id, parents, date and file into the tooltip', () => {
    const item = revisionItem({ ...sample[2]!, createDate: '2025-03-25 08:40:00.000000' }, 'pending', 'alembic/versions/41f7.py');
    expect(item.tooltip).toContain('Revision: `41f7c2d9e8b3`');
    expect(item.tooltip).toContain('Parents: `7d40e9b1f3a6`');
    expect(item.tooltip).toContain('Depends on: `9b2c41e7d05f`');
    expect(item.tooltip).toContain('Date: 2025\\-03\\-25 08:40:00\\.000000');
    expect(item.tooltip).toContain('File: alembic/versions/41f7\\.py');
  });
});

describe('environmentItem', () => {
  const env = { configFile: '/p/alembic.ini', section: 'alembic', label: 'alembic.ini', heads: ['ab93e5d7c162', 'e6a3f8c1b920'], mergeHeads: [], revisionCount: 9 };
  const cases: { db: DatabaseView; description: string; context: string }[] = [
    { db: { kind: 'none' }, description: 'no database', context: 'environment' },
    { db: { kind: 'restricted' }, description: 'Restricted Mode', context: 'environment' },
    { db: { kind: 'unreachable', name: 'dev', reason: 'refused' }, description: 'dev · unreachable', context: 'environment database' },
    { db: { kind: 'ok', name: 'dev', current: [], pending: 9 }, description: 'dev · empty · 9 pending', context: 'environment database' },
    { db: { kind: 'ok', name: 'dev', current: ['ab93e5d7c162', 'e6a3f8c1b920'], pending: 0 }, description: 'dev · ab93e5d7c162, e6a3f8c1b920 · up to date', context: 'environment applied database' },
  ];
  for (const c of cases) {
    it(`${c.db.kind}: ${c.description}`, () => {
      const item = environmentItem(env, c.db);
      expect(item.description).toBe(c.description);
      expect(item.contextValue).toBe(c.context);
    });
  }

  it('offers Merge Heads only when multiple-heads reports heads', () => {
    expect(environmentItem({ ...env, mergeHeads: [['a', 'b']] }, { kind: 'none' }).contextValue).toBe('environment multipleHeads');
  });
});
