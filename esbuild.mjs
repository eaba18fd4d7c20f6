// Bundles the extension client, the language server and the CLI (with its lint worker) into dist/.
// Types are checked separately (`npm run typecheck`); esbuild only strips them.
import * as esbuild from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const require = createRequire(import.meta.url);

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  external: ['vscode'],
  // libpg-query is an ES module that finds its .wasm through import.meta.url; in a CommonJS
  // bundle that has to be rebuilt from __filename, and the .wasm copied beside the bundle.
  banner: { js: "const __importMetaUrl=require('url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__importMetaUrl' },
};

const entries = [
  // The client records when its bundle starts to load, so activation can log what loading cost.
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', banner: { js: 'var __alembicPilotLoadStart=performance.now();' + common.banner.js } },
  { entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['server/src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node\n' + common.banner.js } },
  // `lint`'s worker threads; dist/cli.js starts it from beside itself.
  { entryPoints: ['server/src/cli/lintWorker.ts'], outfile: 'dist/lintWorker.js' },
];

async function copyWasm() {
  await mkdir('dist', { recursive: true });
  const wasm = path.join(path.dirname(require.resolve('libpg-query')), 'libpg-query.wasm');
  await copyFile(wasm, 'dist/libpg-query.wasm');
}

await copyWasm();
if (watch) {
  for (const e of entries) {
    const ctx = await esbuild.context({ ...common, ...e });
    await ctx.watch();
  }
} else {
  await Promise.all(entries.map((e) => esbuild.build({ ...common, ...e })));
}
