import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecked } from '../helpers/run';

/**
 * What the packaged .vsix holds (`npm run test:e2e` packages it first): only what the extension
 * loads, no test fixtures or sample projects, no node_modules (the bundles carry their code),
 * no source maps, and no path of the machine that built it. Read with Python's zipfile, which
 * the test machine has anyway.
 */

const vsix = path.resolve(__dirname, '../../alembic-pilot.vsix');
let dir: string;
let files: string[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-vsix-'));
  await runChecked('python3', ['-m', 'zipfile', '-e', vsix, dir], { timeoutMs: 60_000 });
  files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(path.join(dir, f)).isFile()).sort();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packaged .vsix', () => {
  it('holds the bundles, the grammar, the icon, the rule pages and the manifest, and nothing else', () => {
    const outside = files.filter((f) => !/^extension\/docs\/rules\/[a-z-]+\.md$/.test(f));
    expect(outside).toEqual(
      [
        '[Content_Types].xml',
        'extension.vsixmanifest',
        'extension/LICENSE.txt',
        'extension/dist/client.js',
        'extension/dist/libpg-query.wasm',
        'extension/dist/server.js',
        'extension/docs/CONFIGURATION.md',
        'extension/media/alembic.svg',
        'extension/package.json',
        'extension/readme.md',
        'extension/syntaxes/sql-in-python.injection.tmLanguage.json',
      ].sort(),
    );
    // Every rule page, since diagnostics link to them.
    const pages = readdirSync(path.resolve(__dirname, '../../docs/rules')).filter((f) => f.endsWith('.md')).map((f) => `extension/docs/rules/${f}`).sort();
    expect(files.filter((f) => !outside.includes(f))).toEqual(pages);
  });

  it('has no test fixtures, sample projects, node_modules or source maps', () => {
    expect(files.filter((f) => /(^|\/)(test|tests|fixtures|seed-projects|migrations-sample|node_modules|bench|precision)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => /\.(ts|py|ini|toml)$/.test(f))).toEqual([]);
  });

  it('names no path of the build machine in its bundles, and links no source map', () => {
    const repo = path.resolve(__dirname, '../..');
    for (const file of files.filter((f) => /\.(js|json|md)$/.test(f))) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      expect(text.includes(repo), file).toBe(false);
      expect(text.includes(os.homedir() + path.sep), file).toBe(false);
      expect(/sourceMappingURL=/.test(text), file).toBe(false);
    }
  });

  it('is under 5 MB', () => {
    expect(statSync(vsix).size).toBeLessThan(5 * 1024 * 1024);
  });
});
