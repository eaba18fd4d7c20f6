import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Random Alembic histories for the parity tests: branches, merges, several bases, branch
 * labels, `depends_on` (by id and by label), the declaration forms real files use, and ids in
 * the styles real projects have.
 */

export interface GenRevision {
  id: string;
  down: string[];
  deps: string[];
  labels: string[];
  /** How `down_revision` is written. */
  form: 'plain' | 'annotated' | 'pipe' | 'list' | 'emptyTuple';
  fileName: string;
}

export interface GenHistory {
  revisions: GenRevision[];
}

const ID_STYLES = ['hex12', 'hex10', 'hex11', 'numeric', 'word', 'gerrit', 'snake'] as const;
const WORDS = ['kilo', 'lima', 'mike', 'oscar', 'papa', 'romeo', 'sierra', 'tango', 'victor', 'zulu'];

function makeId(style: (typeof ID_STYLES)[number], seed: number, index: number): string {
  const hex = (len: number): string => ((seed * 2654435761 + index * 40503) >>> 0).toString(16).padStart(8, '0').repeat(2).slice(0, len);
  switch (style) {
    case 'hex12':
      return hex(12);
    case 'hex10':
      return hex(10);
    case 'hex11':
      return hex(11);
    case 'numeric':
      return String(index + 1).padStart(3, '0');
    case 'word':
      return `${WORDS[index % WORDS.length]}${index >= WORDS.length ? index : ''}`;
    case 'gerrit':
      return `I${hex(10)}`;
    case 'snake':
      return `add_table_${index}`;
  }
}

interface RawRev {
  style: (typeof ID_STYLES)[number];
  parentKind: number; // 0: base, 1..6: one parent, 7..8: merge of two, 9: merge of three
  parents: number[];
  deps: number[];
  depByLabel: boolean;
  label: boolean;
  form: GenRevision['form'];
  nameStyle: number;
}

const rawRev = fc.record({
  style: fc.constantFrom(...ID_STYLES),
  parentKind: fc.integer({ min: 0, max: 9 }),
  parents: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
  deps: fc.array(fc.nat(), { maxLength: 2 }),
  depByLabel: fc.boolean(),
  label: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
  form: fc.constantFrom<GenRevision['form']>('plain', 'annotated', 'pipe', 'list', 'emptyTuple'),
  nameStyle: fc.integer({ min: 0, max: 2 }),
});

export const historyArb: fc.Arbitrary<GenHistory> = fc
  .tuple(fc.array(rawRev, { minLength: 1, maxLength: 14 }), fc.nat())
  .map(([raws, seed]) => build(raws, seed));

function build(raws: RawRev[], seed: number): GenHistory {
  const revisions: GenRevision[] = [];
  const used = new Set<string>();
  let labelCount = 0;
  raws.forEach((raw, i) => {
    let id = makeId(raw.style, seed, i);
    while (used.has(id)) id = `${id}x`;
    used.add(id);
    const earlier = revisions.map((r) => r.id);
    const pick = (n: number): string => earlier[n % earlier.length]!;
    let down: string[] = [];
    if (earlier.length > 0 && raw.parentKind > 0) {
      const count = raw.parentKind <= 6 ? 1 : raw.parentKind <= 8 ? 2 : 3;
      down = [...new Set(raw.parents.slice(0, count).map(pick))];
    }
    const labelled = revisions.filter((r) => r.labels.length > 0);
    const deps = earlier.length === 0 ? [] : [...new Set(raw.deps.map((d) => (raw.depByLabel && labelled.length > 0 ? labelled[d % labelled.length]!.labels[0]! : pick(d))))].filter((d) => !down.includes(d));
    const labels = raw.label ? [`branch${labelCount++}`] : [];
    const fileName = raw.nameStyle === 0 ? `${id}_step_${i}.py` : raw.nameStyle === 1 ? `2024_01_${String(i).padStart(2, '0')}_${id}.py` : `m${i}_no_id_in_name.py`;
    revisions.push({ id, down, deps, labels, form: down.length === 0 && raw.form === 'emptyTuple' ? 'emptyTuple' : raw.form === 'emptyTuple' ? 'plain' : raw.form, fileName });
  });
  return { revisions };
}

function pyStr(s: string): string {
  return JSON.stringify(s);
}

function downValue(r: GenRevision): string {
  if (r.down.length === 0) return r.form === 'emptyTuple' ? '()' : 'None';
  if (r.form === 'list') return `[${r.down.map(pyStr).join(', ')}]`;
  if (r.down.length === 1) return pyStr(r.down[0]!);
  return `(${r.down.map(pyStr).join(', ')})`;
}

export function revisionSource(r: GenRevision): string {
  const annotation = r.form === 'annotated' ? ': Union[str, Sequence[str], None]' : r.form === 'pipe' ? ': str | Sequence[str] | None' : '';
  const lines = [
    `"""step ${r.id}`,
    '',
    `Revision ID: ${r.id}`,
    `Revises: ${r.down.join(', ')}`,
    'Create Date: 2024-01-01 00:00:00.000000',
    '',
    '"""',
    'from typing import Sequence, Union',
    '',
    'from alembic import op',
    '',
    `revision${r.form === 'annotated' || r.form === 'pipe' ? ': str' : ''} = ${pyStr(r.id)}`,
    `down_revision${annotation} = ${downValue(r)}`,
    `branch_labels = ${r.labels.length === 0 ? 'None' : `(${r.labels.map(pyStr).join(', ')},)`}`,
    `depends_on = ${r.deps.length === 0 ? 'None' : r.deps.length === 1 && r.form !== 'list' ? pyStr(r.deps[0]!) : `[${r.deps.map(pyStr).join(', ')}]`}`,
    '',
    '',
    'def upgrade() -> None:',
    `    op.execute("""`,
    `revision = 'not-this-one'`,
    `""")`,
    '',
    '',
    'def downgrade() -> None:',
    '    pass',
    '',
  ];
  return lines.join('\n');
}

/** Writes the history as a script directory (`<dir>/versions/*.py`) and returns the versions folder. */
export function writeHistory(dir: string, h: GenHistory): string {
  const versions = path.join(dir, 'versions');
  mkdirSync(versions, { recursive: true });
  for (const r of h.revisions) writeFileSync(path.join(versions, r.fileName), revisionSource(r));
  return versions;
}
