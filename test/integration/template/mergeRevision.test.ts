import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../../server/src/core/config';
import { renderMergeRevision } from '../../../server/src/core/template/revisionTemplate';
import { askAlembic, BUNDLED_TEMPLATES, bundledTemplatesDir, type OracleAnswer } from './alembicOracle';

/**
 * The whole merge revision, name and text, against `alembic.command.merge` run at the same
 * instant with the same revision id, in environments made from each bundled template.
 */

const revision = (id: string, down: string | null, message: string): string =>
  `"""${message}\n\nRevision ID: ${id}\nRevises: ${down ?? ''}\n"""\nrevision = "${id}"\ndown_revision = ${down === null ? 'None' : `"${down}"`}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n`;

interface Case {
  name: string;
  template: (typeof BUNDLED_TEMPLATES)[number];
  ini: string;
}

const SETTINGS: Record<string, string> = {
  plain: '',
  'the sample file_template and a timezone': 'file_template = %%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s\ntimezone = Asia/Kolkata\n',
  'a short slug and an epoch': 'file_template = %%(epoch)s_%%(rev)s_%%(slug)s\ntruncate_slug_length = 3\n',
};

const NOW = Date.UTC(2025, 4, 6, 7, 8, 9, 10);
const HEADS = [
  { revision: 'bbbbbbbbbbbb', file: 'b_mine.py' },
  { revision: 'cccccccccccc', file: 'c_theirs.py' },
];

let cases: Case[];
let mine: ReturnType<typeof renderMergeRevision>[];
let answers: OracleAnswer<{ path: string; text: string }>[];
let root: string | undefined;

beforeAll(async () => {
  const bundled = await bundledTemplatesDir();
  const work = mkdtempSync(path.join(os.tmpdir(), 'merge-'));
  root = work;
  cases = BUNDLED_TEMPLATES.flatMap((template) =>
    Object.entries(SETTINGS).map(([setting, extra]) => {
      const dir = path.join(work, `${template}-${Object.keys(SETTINGS).indexOf(setting)}`);
      mkdirSync(path.join(dir, 'migrations', 'versions'), { recursive: true });
      copyFileSync(path.join(bundled, template, 'script.py.mako'), path.join(dir, 'migrations', 'script.py.mako'));
      const ini = path.join(dir, 'alembic.ini');
      writeFileSync(ini, `[alembic]\nscript_location = %(here)s/migrations\ndatabases = engine1, engine2\n${extra}`);
      const versions = path.join(dir, 'migrations', 'versions');
      writeFileSync(path.join(versions, 'a_base.py'), revision('aaaaaaaaaaaa', null, 'base'));
      for (const h of HEADS) writeFileSync(path.join(versions, h.file), revision(h.revision, 'aaaaaaaaaaaa', h.file));
      return { name: `${template}, ${setting}`, template, ini };
    }),
  );
  mine = cases.map((c) => {
    const env = loadEnvironment(c.ini);
    const heads = HEADS.map((h) => ({ revision: h.revision, path: path.join(env.versionLocations[0]!, h.file) }));
    return renderMergeRevision({ env, heads, message: 'merge heads', revId: '0123456789ab', now: new Date(NOW) });
  });
  answers = await askAlembic(cases.map((c) => ({ kind: 'merge', ini: c.ini, heads: HEADS.map((h) => h.revision), message: 'merge heads', rev_id: '0123456789ab', epoch_ms: NOW })));
});

// The environments are read by every test below, so they go once the file is done.
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a merge revision like alembic merge', () => {
  const names = BUNDLED_TEMPLATES.flatMap((t) => Object.keys(SETTINGS).map((s) => `${t}, ${s}`));
  it.each(names)('%s', (name) => {
    const i = cases.findIndex((c) => c.name === name);
    const want = answers[i]!;
    if (!('ok' in want)) throw new Error(`Alembic failed: ${want.error}`);
    expect(mine[i]).toEqual({ file: want.ok.path, text: want.ok.text, revId: '0123456789ab' });
  });
});
