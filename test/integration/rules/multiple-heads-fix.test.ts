import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadEnvironment } from '../../../server/src/core/config';
import type { Finding } from '../../../server/src/core/rules/types';
import { runChecked } from '../../helpers/run';
import { parseMarkers } from '../../helpers/ruleFixtures';
import { tempDir } from '../../helpers/tempDir';
import { bundledTemplatesDir } from '../template/alembicOracle';
import { applyFix, key, lintFromDisk } from '../../unit/rules/fixHelpers';

/**
 * The "Create merge revision" fix on the multiple-heads fixture: applied, it must leave one
 * head that our linter and real Alembic agree on, and no new finding.
 */

const FIXTURE = path.resolve(__dirname, '../../fixtures/rules/multiple-heads/bad-env');

/** A copy of the fixture environment without its markers, with `template` as script.py.mako. */
function environment(template: string | undefined): string {
  const dir = tempDir('multiple-heads-');
  mkdirSync(path.join(dir, 'versions'));
  copyFileSync(path.join(FIXTURE, 'alembic.ini'), path.join(dir, 'alembic.ini'));
  for (const name of readdirSync(path.join(FIXTURE, 'versions'))) {
    writeFileSync(path.join(dir, 'versions', name), parseMarkers(readFileSync(path.join(FIXTURE, 'versions', name), 'utf8')).stripped);
  }
  if (template !== undefined) writeFileSync(path.join(dir, 'script.py.mako'), template);
  return dir;
}

const headsOf = (findings: Finding[]): Finding[] => findings.filter((f) => f.rule === 'multiple-heads');

let generic: string;
beforeAll(async () => {
  generic = readFileSync(path.join(await bundledTemplatesDir(), 'generic', 'script.py.mako'), 'utf8');
});

describe('multiple-heads: Create merge revision', () => {
  it('merges the heads into one that Alembic accepts', async () => {
    const dir = environment(generic);
    const env = loadEnvironment(dir);
    const before = lintFromDisk(env);
    const findings = headsOf(before);
    expect(findings).toHaveLength(2);
    const fixes = findings.map((f) => f.fixes?.[0]);
    expect(fixes[0]?.title).toBe('Create merge revision');
    // Both heads offer the same new file, so whichever the user picks, the result is the same.
    expect(fixes[1]).toEqual(fixes[0]);
    const created = fixes[0]!.creates!;
    expect(created).toHaveLength(1);
    expect(path.dirname(created[0]!.file)).toBe(path.join(dir, 'versions'));
    expect(path.basename(created[0]!.file)).toMatch(/^[0-9a-f]{12}_merge_heads\.py$/);
    // Load order puts b_mine.py before c_theirs.py, as in `alembic merge heads`.
    expect(created[0]!.text).toContain("down_revision: Union[str, Sequence[str], None] = ('e7f8091a2b3c', 'f8091a2b3c4d')");

    applyFix(fixes[0]!);
    const after = lintFromDisk(env);
    expect(headsOf(after)).toEqual([]);
    const old = new Set(before.map(key));
    expect(after.filter((f) => !old.has(key(f)))).toEqual([]);

    const python = inject('alembicPython');
    const heads = await runChecked(python, ['-m', 'alembic', '-c', path.join(dir, 'alembic.ini'), 'heads'], { cwd: dir });
    const id = path.basename(created[0]!.file).slice(0, 12);
    expect(heads.stdout.trim().split('\n')).toEqual([`${id} (head)`]);
  });

  it('offers no fix, and says why, when the template is outside what we render', () => {
    const env = loadEnvironment(environment(`${generic}\n\${len(down_revision)}\n`));
    const findings = headsOf(lintFromDisk(env));
    expect(findings).toHaveLength(2);
    for (const f of findings) {
      expect(f.fixes).toBeUndefined();
      expect(f.help).toContain("this template uses the Python builtin 'len', which Alembic Pilot cannot render; run `alembic merge` instead.");
    }
  });

  it('offers no fix when the environment has no script.py.mako', () => {
    const findings = headsOf(lintFromDisk(loadEnvironment(environment(undefined))));
    expect(findings).toHaveLength(2);
    for (const f of findings) {
      expect(f.fixes).toBeUndefined();
      expect(f.help).toMatch(/script\.py\.mako does not exist/);
    }
  });
});
