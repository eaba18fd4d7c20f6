// `node bench/tree-view.mjs` (after `npm run build`): how long the Revisions view takes to list
// an environment of a 10,000-revision history. It runs the view's own data logic
// (client/src/tree/pages.ts, which has no `vscode` import, bundled here with esbuild) against
// the real language server (dist/server.js over stdio), exactly as the tree provider's
// getChildren does: one paged `alembicPilot/graph` request for the newest 200 revisions, then
// the states, labels, descriptions and tooltips of those 200 items.
//
// Environment:
//   BENCH_TREE_REVISIONS=N  history size (default 10000)
//   BENCH_TREE_RUNS=N       measured runs per series (default 30)
//   BENCH_WRITE_DOCS=0      print the results without touching docs/BENCHMARKS.md
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { ensureHistory } from './history.mjs';
import { formatMs, median, writeDocs } from './report.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REVISIONS = Number(process.env.BENCH_TREE_REVISIONS ?? 10_000);
const RUNS = Number(process.env.BENCH_TREE_RUNS ?? 30);
const TARGET_MS = 200;

/** The view's data module, bundled as it is bundled into dist/client.js. */
async function loadPages() {
  const out = path.join(repo, 'bench', '.work', 'treePages.mjs');
  mkdirSync(path.dirname(out), { recursive: true });
  await esbuild.build({ entryPoints: [path.join(repo, 'client/src/tree/pages.ts')], outfile: out, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
  return import(pathToFileURL(out).href);
}

/** @param {number[]} values @param {number} q */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/**
 * Starts the real server on the history. With `idle`, resolves once its start-up work is done:
 * the SQL parser has loaded, the server has said that it linted every file again with it, and
 * the server has then had nothing to do for longer than its idle wait (1 s), after which it
 * orders the history for the view, as it does whenever the user pauses.
 */
async function startServer(history, idle) {
  const server = spawn(process.execPath, [path.join(repo, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  let sqlLoaded;
  const sqlParser = new Promise((resolve) => (sqlLoaded = resolve));
  let linted;
  const lintedWithSql = new Promise((resolve) => (linted = resolve));
  let sawSql = false;
  conn.onNotification('window/logMessage', (p) => {
    if (/loaded PostgreSQL's SQL parser/.test(p.message)) {
      sawSql = true;
      sqlLoaded();
    }
    if (sawSql && /brought the findings of every revision file up to date/.test(p.message)) linted();
  });
  conn.onNotification(() => undefined);
  conn.onRequest(() => null);
  conn.listen();
  const root = pathToFileURL(history.dir).toString();
  const startedAt = performance.now();
  await conn.sendRequest('initialize', { processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: 'bench' }], capabilities: {} });
  await conn.sendNotification('initialized', {});
  let { environments } = await conn.sendRequest('alembicPilot/environments', {});
  if (idle) {
    await sqlParser;
    await lintedWithSql;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    ({ environments } = await conn.sendRequest('alembicPilot/environments', {}));
  }
  const env = environments[0];
  if (!env || env.revisionCount !== REVISIONS) throw new Error(`The server found ${environments.length} environment(s) with ${env?.revisionCount} revisions, not ${REVISIONS}.`);
  const source = async (ref, offset, limit) => (await conn.sendRequest('alembicPilot/graph', { configFile: ref.configFile, section: ref.section, offset, limit })).environments[0];
  const stop = () => {
    conn.dispose();
    server.kill();
  };
  return { conn, env, source, stop, readyMs: performance.now() - startedAt };
}

async function main() {
  const { HistoryPages, PAGE_SIZE } = await loadPages();
  const history = ensureHistory(REVISIONS);

  // The view opened together with the window: the first expansion waits for the server's
  // start-up (discovery, then the lint of every file, which it runs before answering).
  const early = await startServer(history, false);
  let t = performance.now();
  const earlyPage = await new HistoryPages(early.source).children(early.env, { kind: 'none' }, history.dir);
  const earlyMs = performance.now() - t + early.readyMs;
  early.stop();
  if (earlyPage.filter((n) => n.kind === 'revision').length !== PAGE_SIZE) throw new Error('The first page is not 200 revisions.');

  const { conn, env, source, stop, readyMs } = await startServer(history, true);
  try {
    const db = { kind: 'ok', name: 'dev', current: [env.heads[0]], pending: 0 };

    // The first expansion on an idle server: the server ordered the history (alembic history
    // order) while it was idle, so this request only slices it.
    t = performance.now();
    const first = await new HistoryPages(source).children(env, db, history.dir);
    const firstMs = performance.now() - t;
    if (first.filter((n) => n.kind === 'revision').length !== PAGE_SIZE || first.at(-1)?.kind !== 'loadMore') throw new Error('The first page is not 200 revisions and "Load more…".');
    /** @type {Record<string, number[]>} */
    const series = { expand: [], redraw: [], loadMore: [] };
    for (let i = 0; i < RUNS; i++) {
      const pages = new HistoryPages(source);
      t = performance.now();
      await pages.children(env, db, history.dir);
      series.expand.push(performance.now() - t);
      t = performance.now();
      await pages.children(env, { ...db, current: [env.heads[1] ?? env.heads[0]] }, history.dir);
      series.redraw.push(performance.now() - t);
      t = performance.now();
      await pages.loadMore(env);
      await pages.children(env, db, history.dir);
      series.loadMore.push(performance.now() - t);
    }
    t = performance.now();
    const whole = await conn.sendRequest('alembicPilot/graph', { configFile: env.configFile, section: env.section });
    const wholeMs = performance.now() - t;
    const wholeBytes = Buffer.byteLength(JSON.stringify(whole));
    const pageBytes = Buffer.byteLength(JSON.stringify(await conn.sendRequest('alembicPilot/graph', { configFile: env.configFile, section: env.section, offset: 0, limit: PAGE_SIZE })));

    const worst = Math.max(firstMs, quantile(series.expand, 0.95));
    const rows = [
      ['first expansion (server idle, history ordered while idle)', [firstMs]],
      ['expand (fresh view, server warm)', series.expand],
      ['redraw after a state change (pages cached)', series.redraw],
      ['Load more… (next 200) and redraw', series.loadMore],
    ];
    const table = rows
      .map(([name, v]) => `| ${name} | ${v.length} | ${formatMs(median(v))} | ${formatMs(quantile(v, 0.95))} | ${formatMs(Math.max(...v))} |`)
      .join('\n');
    const section = `## Revisions view: getChildren on ${REVISIONS.toLocaleString('en')} revisions

Run on ${new Date().toISOString().slice(0, 10)} with \`npm run build && node bench/tree-view.mjs\` (also the last part of \`npm run bench\`),
${os.cpus().length} cores, Node ${process.version}, load average ${os.loadavg()[0].toFixed(2)} when it ended.
The view's data logic (\`client/src/tree/pages.ts\`) against the real \`dist/server.js\` over stdio, on the
generated history of \`bench/history.mjs\`: one paged \`alembicPilot/graph\` request (200 revisions) plus the
states, labels and tooltips of the 200 items, as the tree provider's \`getChildren\` for an environment.
The server is idle when these are measured: it had discovered, parsed and linted the history (twice:
again once the SQL parser loaded), and ordered it for the view after a second of idleness, in
${formatMs(readyMs)}. A view expanded at the same moment the window opens
waits for that start-up: its first page arrived ${formatMs(earlyMs)} after the server started (not counted below).

| getChildren | Runs | Median | p95 | Max |
| --- | ---: | ---: | ---: | ---: |
${table}

| Target | Measured | Result |
| --- | --- | --- |
| getChildren for an environment under ${TARGET_MS} ms | ${formatMs(worst)} (worst of the first expansion and the p95) | ${worst < TARGET_MS ? 'pass' : '**FAIL**'} |

For comparison, the unpaged \`alembicPilot/graph\` (all ${REVISIONS.toLocaleString('en')} revisions) takes ${formatMs(wholeMs)} and
${(wholeBytes / 1024 / 1024).toFixed(1)} MB of JSON; one page is ${(pageBytes / 1024).toFixed(0)} KB.`;
    console.log(section);
    if (process.env.BENCH_WRITE_DOCS !== '0' && REVISIONS === 10_000 && RUNS === 30) writeDocs('tree', section);
  } finally {
    stop();
  }
}

await main();
