import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { afterAll, expect, it } from 'vitest';

/**
 * The parser must load from a CommonJS bundle in dist/, where libpg-query's WASM is found
 * beside the bundle rather than in node_modules. This bundles a tiny script with the options
 * esbuild.mjs uses for dist/ (read from that file, so a change there is tested here), puts
 * the .wasm beside it the way the build does, and runs it in a plain node process.
 */

const ROOT = path.resolve(__dirname, '../..');
let dir: string | undefined;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('loads and parses from an esbuild CommonJS bundle', async () => {
  const config = await readFile(path.join(ROOT, 'esbuild.mjs'), 'utf8');
  const banner = /banner: \{ js: "(.*?)" \}/.exec(config)?.[1];
  const define = /define: \{ 'import\.meta\.url': '(\w+)' \}/.exec(config)?.[1];
  expect(banner, 'the banner that rebuilds import.meta.url in esbuild.mjs').toBeDefined();
  expect(define).toBeDefined();

  dir = await mkdtemp(path.join(os.tmpdir(), 'alembic-pilot-bundle-'));
  const entry = path.join(dir, 'entry.ts');
  await writeFile(
    entry,
    [
      `import { loadSqlParser, sqlParserLoadMs } from ${JSON.stringify(path.join(ROOT, 'server/src/core/sql'))};`,
      'void loadSqlParser().then((p) => {',
      "  const r = p.parse(\"SELECT 'é'; CREATE INDEX CONCURRENTLY ix ON t (c)\");",
      "  console.log(JSON.stringify({ r: 'statements' in r ? r.statements.map((s) => [s.location, s.length]) : r, ms: sqlParserLoadMs() }));",
      '});',
    ].join('\n'),
  );
  const outfile = path.join(dir, 'dist', 'bundle.js');
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'silent',
    banner: { js: banner! },
    define: { 'import.meta.url': define! },
  });
  await copyFile(path.join(ROOT, 'node_modules/libpg-query/wasm/libpg-query.wasm'), path.join(dir, 'dist', 'libpg-query.wasm'));

  // Run from another directory so that nothing resolves through the project's node_modules.
  const { stdout } = await promisify(execFile)(process.execPath, [outfile], { cwd: os.tmpdir(), timeout: 30_000 });
  const out = JSON.parse(stdout) as { r: [number, number][]; ms: number };
  expect(out.r).toEqual([
    [0, 10],
    [12, 37],
  ]);
  expect(out.ms).toBeGreaterThan(0);
});
