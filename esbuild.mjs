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

/**
 * SQLite's WebAssembly build (about 1.4 MB with its .wasm) is read only when a SQLite database
 * is, so the client and the CLI do not carry it: their import of `@sqlite.org/sqlite-wasm`
 * becomes a require of dist/sqlite3.js, a bundle of its own, at the moment it is needed.
 * Activation never parses it, and the language server never reaches it at all.
 */
const sqliteApart = {
  name: 'sqlite-wasm-apart',
  setup(build) {
    build.onResolve({ filter: /^@sqlite\.org\/sqlite-wasm$/ }, () => ({ path: './sqlite3.js', external: true }));
  },
};
// ...and that import() a plain require(): the extension host loads extensions through
// require, and a CommonJS bundle should not depend on its ES module loader.
const loadApart = { plugins: [sqliteApart], supported: { 'dynamic-import': false } };

const entries = [
  // The client records when its bundle starts to load, so activation can log what loading cost.
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', banner: { js: 'var __alembicPilotLoadStart=performance.now();' + common.banner.js }, ...loadApart },
  { entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['server/src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node\n' + common.banner.js }, ...loadApart },
  // SQLite's ES module for Node (the package's `node` export) as CommonJS; it finds
  // dist/sqlite3.wasm through import.meta.url.
  { entryPoints: [require.resolve('@sqlite.org/sqlite-wasm')], outfile: 'dist/sqlite3.js' },
  // `lint`'s worker threads; dist/cli.js starts it from beside itself.
  { entryPoints: ['server/src/cli/lintWorker.ts'], outfile: 'dist/lintWorker.js' },
];

async function copyWasm() {
  await mkdir('dist', { recursive: true });
  const wasm = path.join(path.dirname(require.resolve('libpg-query')), 'libpg-query.wasm');
  await copyFile(wasm, 'dist/libpg-query.wasm');
  await copyFile(path.join(path.dirname(require.resolve('@sqlite.org/sqlite-wasm')), 'sqlite3.wasm'), 'dist/sqlite3.wasm');
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
