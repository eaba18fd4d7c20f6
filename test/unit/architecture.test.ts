import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The invariants of docs/ARCHITECTURE.md that are about imports, checked on the real import
 * graph: esbuild resolves every import of the language server's entry point (as the bundle is
 * built), and the source of the pure and Node-only folders is checked for editor imports.
 */

const repo = path.resolve(__dirname, '../..');

async function inputsOf(entry: string): Promise<string[]> {
  const result = await esbuild.build({
    entryPoints: [path.join(repo, entry)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: repo,
    external: ['vscode'],
    outfile: path.join(repo, 'dist', 'architecture-check.js'),
    define: { 'import.meta.url': '""' },
  });
  return Object.keys(result.metafile.inputs);
}

function sourceFiles(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(repo, folder), { withFileTypes: true })) {
    const rel = path.join(folder, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(rel));
    else if (entry.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(path.join(repo, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

describe('architecture invariants', () => {
  it('the language server never imports db/, runner/ or pg', async () => {
    const inputs = await inputsOf('server/src/server.ts');
    expect(inputs.some((f) => f.startsWith('server/src/lsp/'))).toBe(true);
    expect(inputs.filter((f) => /^server\/src\/(db|runner)\//.test(f) || /node_modules\/(pg|pg-[^/]+|dotenv)\//.test(f))).toEqual([]);
  });

  it('the CLI reaches db/ and runner/ (for status) and the bundle check can see them', async () => {
    const inputs = await inputsOf('server/src/cli.ts');
    expect(inputs.some((f) => f.startsWith('server/src/db/'))).toBe(true);
    expect(inputs.some((f) => f.startsWith('server/src/runner/'))).toBe(true);
  });

  it.each(['server/src/core', 'server/src/db', 'server/src/runner'])('%s never imports vscode or the LSP libraries', (folder) => {
    const files = sourceFiles(folder);
    expect(files.length).toBeGreaterThan(0);
    const offending = files.flatMap((f) => importsOf(f).filter((i) => /^vscode($|-languageserver|-languageclient|-jsonrpc)/.test(i)).map((i) => `${f}: ${i}`));
    expect(offending).toEqual([]);
  });

  it('every custom LSP message of protocol.ts is documented in docs/ARCHITECTURE.md', () => {
    const protocol = readFileSync(path.join(repo, 'server/src/protocol.ts'), 'utf8');
    const methods = [...protocol.matchAll(/export const method = '([^']+)'/g)].map((m) => m[1]!);
    expect(methods.length).toBeGreaterThanOrEqual(7);
    const doc = readFileSync(path.join(repo, 'docs/ARCHITECTURE.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Custom LSP messages'));
    expect(methods.filter((m) => !table.includes(`\`${m}\``))).toEqual([]);
  });

  it('core never imports db/ or runner/', () => {
    const offending = sourceFiles('server/src/core').flatMap((f) => importsOf(f).filter((i) => /(^|\/)(db|runner)(\/|$)/.test(i)).map((i) => `${f}: ${i}`));
    expect(offending).toEqual([]);
  });
});
