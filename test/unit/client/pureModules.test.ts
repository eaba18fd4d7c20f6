import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The client's pure modules (what the Revisions view shows, the confirmation and SQL texts)
 * never reach `vscode`, directly or through an import, so they run in Node for the unit tests
 * and bench/tree-view.mjs. Checked on the real import graph, as esbuild bundles them.
 */

const repo = path.resolve(__dirname, '../../..');
const PURE = ['client/src/tree/model.ts', 'client/src/tree/pages.ts', 'client/src/run/confirmText.ts', 'client/src/run/sqlText.ts'];

describe('pure client modules', () => {
  it.each(PURE)('%s bundles without vscode', async (entry) => {
    const result = await esbuild.build({ entryPoints: [path.join(repo, entry)], bundle: true, platform: 'node', write: false, metafile: true, logLevel: 'silent', absWorkingDir: repo });
    const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(imports.filter((p) => /^vscode($|-languageclient)/.test(p))).toEqual([]);
  });

  it('the extension bundle is the only one that imports vscode, and it reaches db/ and runner/', async () => {
    const result = await esbuild.build({ entryPoints: [path.join(repo, 'client/src/extension.ts')], bundle: true, platform: 'node', write: false, metafile: true, logLevel: 'silent', absWorkingDir: repo, external: ['vscode'], define: { 'import.meta.url': '""' } });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((f) => f.startsWith('server/src/db/'))).toBe(true);
    expect(inputs.some((f) => f.startsWith('server/src/runner/'))).toBe(true);
    // The client never bundles the server's model: it asks the server.
    expect(inputs.filter((f) => /^server\/src\/(core\/(graph|parse|scan|rules)|lsp)\//.test(f))).toEqual([]);
    expect(readFileSync(path.join(repo, 'client/src/extension.ts'), 'utf8')).toContain("from 'vscode'");
  });
});
