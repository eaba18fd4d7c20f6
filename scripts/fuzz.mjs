// `npm run fuzz`: bundles the fuzzer (test/fuzz/main.ts) with esbuild into out/fuzz/, beside a
// copy of PostgreSQL's parser (WASM), and runs it with the arguments given after `--`.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(repo, 'out/fuzz');
const require = createRequire(import.meta.url);

mkdirSync(out, { recursive: true });
copyFileSync(path.join(path.dirname(require.resolve('libpg-query')), 'libpg-query.wasm'), path.join(out, 'libpg-query.wasm'));
await esbuild.build({
  entryPoints: [path.join(repo, 'test/fuzz/main.ts')],
  outfile: path.join(out, 'fuzz.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  logLevel: 'warning',
  // As in esbuild.mjs: libpg-query finds its .wasm through import.meta.url.
  banner: { js: "const __importMetaUrl=require('url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__importMetaUrl' },
});
const run = spawnSync(process.execPath, ['--enable-source-maps', path.join(out, 'fuzz.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
