import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { loadEnvironment } from '../../../server/src/core/config';
import type { Finding } from '../../../server/src/core/rules/types';
import { runChecked } from '../../helpers/run';
import { tempDir } from '../../helpers/tempDir';
import { applyFix, key, lintFromDisk } from '../../unit/rules/fixHelpers';

/**
 * The "Point down_revision at the current head(s)" fix: applied, the finding goes away with no
 * new one (the docstring's Revises: line follows the code), and Alembic loads the history.
 */

function revision(id: string, down: string, revises: string): string {
  return `"""change ${id}\n\nRevision ID: ${id}\nRevises: ${revises}\nCreate Date: 2025-01-01 00:00:00\n\n"""\nrevision = "${id}"\ndown_revision = ${down}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n`;
}

/** An environment with the given revision files (name → text). */
function environment(files: Record<string, string>): string {
  const dir = tempDir('unknown-down-');
  mkdirSync(path.join(dir, 'versions'));
  writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, 'versions', name), text);
  return dir;
}

const unknownOf = (findings: Finding[]): Finding[] => findings.filter((f) => f.rule === 'unknown-down-revision');

async function alembicHeads(dir: string): Promise<string[]> {
  const result = await runChecked(inject('alembicPython'), ['-m', 'alembic', '-c', path.join(dir, 'alembic.ini'), 'heads'], { cwd: dir });
  return result.stdout.trim().split('\n').sort();
}

describe('unknown-down-revision: Point down_revision at the current head(s)', () => {
  it('points a lost revision at the head, keeping the quotes and the header in step', async () => {
    const dir = environment({
      'a.py': revision('aaaaaaaaaaaa', 'None', ''),
      'b.py': revision('bbbbbbbbbbbb', '"aaaaaaaaaaaa"', 'aaaaaaaaaaaa'),
      'o.py': revision('oooooooooooo', "'0f0f0f0f0f0f'", '0f0f0f0f0f0f'),
    });
    const env = loadEnvironment(dir);
    const before = lintFromDisk(env);
    const [finding] = unknownOf(before);
    expect(finding?.fixes).toHaveLength(1);
    const fix = finding!.fixes![0]!;
    expect(fix).toMatchObject({ title: 'Point down_revision at the current head bbbbbbbbbbbb', isPreferred: true });

    applyFix(fix);
    const text = readFileSync(path.join(dir, 'versions', 'o.py'), 'utf8');
    expect(text).toContain("down_revision = 'bbbbbbbbbbbb'\n");
    expect(text).toContain('Revises: bbbbbbbbbbbb\n');
    const after = lintFromDisk(env);
    expect(unknownOf(after)).toEqual([]);
    const old = new Set(before.map(key));
    expect(after.filter((f) => !old.has(key(f)))).toEqual([]);
    expect(await alembicHeads(dir)).toEqual(['oooooooooooo (head)']);
  });

  it('merges the unmerged heads of a lineage', () => {
    const dir = environment({
      'a.py': revision('aaaaaaaaaaaa', 'None', ''),
      'b.py': revision('bbbbbbbbbbbb', '"aaaaaaaaaaaa"', 'aaaaaaaaaaaa'),
      'c.py': revision('cccccccccccc', '"aaaaaaaaaaaa"', 'aaaaaaaaaaaa'),
      'o.py': revision('oooooooooooo', '"0f0f0f0f0f0f"', '0f0f0f0f0f0f'),
    });
    const env = loadEnvironment(dir);
    const [finding] = unknownOf(lintFromDisk(env));
    expect(finding?.fixes?.map((f) => f.title)).toEqual(['Point down_revision at the current heads bbbbbbbbbbbb, cccccccccccc']);
    applyFix(finding!.fixes![0]!);
    expect(readFileSync(path.join(dir, 'versions', 'o.py'), 'utf8')).toContain('down_revision = ("bbbbbbbbbbbb", "cccccccccccc")\n');
    const after = lintFromDisk(env);
    expect(after.filter((f) => f.rule === 'unknown-down-revision' || f.rule === 'multiple-heads' || f.rule === 'revision-header-mismatch')).toEqual([]);
  });

  it('offers each separate lineage, and replaces only the missing parent of a merge', async () => {
    const dir = environment({
      'a1.py': revision('a1a1a1a1a1a1', 'None', ''),
      'a2.py': revision('a2a2a2a2a2a2', '"a1a1a1a1a1a1"', 'a1a1a1a1a1a1'),
      'c1.py': revision('c1c1c1c1c1c1', 'None', ''),
      'd1.py': revision('d1d1d1d1d1d1', 'None', ''),
      'o.py': revision('oooooooooooo', '("a1a1a1a1a1a1", "0f0f0f0f0f0f")', 'a1a1a1a1a1a1, 0f0f0f0f0f0f'),
    });
    const env = loadEnvironment(dir);
    const [finding] = unknownOf(lintFromDisk(env));
    // a2 sits above the parent that is kept, so only the other lineages are offered.
    expect(finding?.fixes?.map((f) => [f.title, f.isPreferred])).toEqual([
      ['Point down_revision at the current head c1c1c1c1c1c1', false],
      ['Point down_revision at the current head d1d1d1d1d1d1', false],
    ]);
    applyFix(finding!.fixes![0]!);
    const text = readFileSync(path.join(dir, 'versions', 'o.py'), 'utf8');
    expect(text).toContain('down_revision = ("a1a1a1a1a1a1", "c1c1c1c1c1c1")\n');
    expect(text).toContain('Revises: a1a1a1a1a1a1, c1c1c1c1c1c1\n');
    expect(unknownOf(lintFromDisk(env))).toEqual([]);
    expect(await alembicHeads(dir)).toEqual(['a2a2a2a2a2a2 (head)', 'd1d1d1d1d1d1 (head)', 'oooooooooooo (head)']);
  });
});
