// `node bench/lsp-startup.mjs` (after `npm run build`): the language server on large
// histories, driven over stdio like an editor. For each history size it measures, from the
// `initialized` notification of a fresh server:
//   - the answer to a hover on the `down_revision` id of a file opened right after it;
//   - the first diagnostics of that file;
// and then, once the server has linted the whole history in the background, the time from a
// one-character edit of that `down_revision` id (which flips an unknown-down-revision finding
// on or off, so every edit is answered by a publishDiagnostics) to the new diagnostics.
//
// Environment:
//   BENCH_LSP_SIZES=2000,10000  history sizes (default both)
//   BENCH_LSP_RUNS=N            fresh servers per size for the start-up figures (default 3)
//   BENCH_LSP_EDITS=N           measured keystrokes per size (default 100, after 10 warm-up edits)
//   BENCH_LSP_SERVER=file       the server bundle to run instead of dist/server.js
//   BENCH_SERVER_PROFILE=dir    write CPU profiles of the servers there (see bench/profileSummary.mjs)
//   BENCH_WRITE_DOCS=0          print the results without touching docs/BENCHMARKS.md
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SERVER_EXEC_ARGV } from './commands.mjs';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { ensureHistory } from './history.mjs';
import { formatMs, median, writeDocs } from './report.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIZES = (process.env.BENCH_LSP_SIZES ?? '2000,10000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_LSP_RUNS ?? 3);
const EDITS = Number(process.env.BENCH_LSP_EDITS ?? 100);
const SERVER = path.resolve(process.env.BENCH_LSP_SERVER ?? path.join(repo, 'dist', 'server.js'));
const TARGETS = { hoverMs: 1000, diagnosticsMs: 2000, keystrokeP95Ms: 100, keystrokeStretchMs: 20 };

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * The file to open: one in the middle of the history (in file order) with a single-parent
 * `down_revision` and a finding of its own, so its first diagnostics are a publication.
 * @param {string} versions
 */
function pickFile(versions) {
  const names = readdirSync(versions).filter((f) => f.endsWith('.py')).sort();
  for (let i = Math.floor(names.length / 2); i < names.length; i++) {
    const file = path.join(versions, names[i]);
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const line = lines.findIndex((l) => /^down_revision = '[0-9a-f]{12}'$/.test(l));
    if (line >= 0 && /op\.execute\(/.test(text)) return { file, text, line, column: lines[line].indexOf("'") + 1, id: /'([0-9a-f]{12})'/.exec(lines[line])[1] };
  }
  throw new Error(`no file to open in ${versions}`);
}

/** One language server over stdio, with the notifications the bench waits for. */
function startServer(root) {
  const profile = process.env.BENCH_SERVER_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_PROFILE}`] : [];
  const server = spawn(process.execPath, [...SERVER_EXEC_ARGV, ...profile, SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  const diagnosticsListeners = new Set();
  const logListeners = new Set();
  conn.onNotification('textDocument/publishDiagnostics', (p) => {
    for (const l of [...diagnosticsListeners]) l(p);
  });
  conn.onNotification('window/logMessage', (p) => {
    if (process.env.BENCH_DEBUG) console.error(p.message);
    for (const l of [...logListeners]) l(p.message);
  });
  conn.onRequest('workspace/configuration', (p) => p.items.map(() => ({})));
  conn.listen();
  const once = (set, accept) =>
    new Promise((resolve) => {
      const listener = (v) => {
        if (!accept(v)) return;
        set.delete(listener);
        resolve(v);
      };
      set.add(listener);
    });
  return {
    conn,
    diagnostics: (accept) => once(diagnosticsListeners, accept),
    log: (accept) => once(logListeners, accept),
    async initialize() {
      await conn.sendRequest('initialize', {
        processId: process.pid,
        rootUri: pathToFileURL(root).toString(),
        workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: 'bench' }],
        capabilities: { workspace: { configuration: true } },
      });
    },
    async stop() {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      await conn.sendRequest('shutdown');
      await conn.sendNotification('exit');
      await exited;
      conn.dispose();
    },
  };
}

/** A fresh server: initialized, then at once a file opened and a hover asked on its parent id. */
async function startUp(root, target) {
  const s = startServer(root);
  await s.initialize();
  const uri = pathToFileURL(target.file).toString();
  const firstDiagnostics = s.diagnostics((p) => p.uri === uri && p.diagnostics.length > 0);
  const started = performance.now();
  await s.conn.sendNotification('initialized', {});
  await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: target.text } });
  const hover = await s.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: target.line, character: target.column + 2 } });
  const hoverMs = performance.now() - started;
  if (!hover || !String(hover.contents.value).includes(target.id)) throw new Error(`the hover does not describe ${target.id}: ${JSON.stringify(hover)}`);
  await firstDiagnostics;
  const diagnosticsMs = performance.now() - started;
  return { s, uri, hoverMs, diagnosticsMs, started };
}

async function keystrokes(s, uri, target) {
  let version = 1;
  const last = target.column + 11;
  const from = target.id.at(-1);
  const to = from === '0' ? '1' : '0';
  const times = [];
  for (let i = 0; i < EDITS + 10; i++) {
    const broken = i % 2 === 0;
    const arrived = s.diagnostics((p) => p.uri === uri && p.diagnostics.some((d) => d.code === 'unknown-down-revision') === broken);
    const started = performance.now();
    await s.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: ++version },
      contentChanges: [{ range: { start: { line: target.line, character: last }, end: { line: target.line, character: last + 1 } }, text: broken ? to : from }],
    });
    await arrived;
    if (i >= 10) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), max: times.at(-1), n: times.length };
}

async function measure(size) {
  const history = ensureHistory(size);
  const target = pickFile(path.join(history.dir, 'migrations', 'versions'));
  const hover = [];
  const diagnostics = [];
  for (let run = 0; run < RUNS; run++) {
    const { s, hoverMs, diagnosticsMs } = await startUp(history.dir, target);
    hover.push(hoverMs);
    diagnostics.push(diagnosticsMs);
    console.log(`  ${size} revisions, start-up ${run + 1}: hover ${formatMs(hoverMs)}, first diagnostics ${formatMs(diagnosticsMs)}`);
    await s.stop();
  }
  // One more server, left to lint the whole history before the keystrokes are timed.
  const { s, uri, started } = await startUp(history.dir, target);
  const done = await s.log((m) => /brought the findings of every revision file up to date/.test(m));
  const backgroundMs = performance.now() - started;
  console.log(`  ${size} revisions: ${done}`);
  const typed = await keystrokes(s, uri, target);
  console.log(`  ${size} revisions, down_revision keystrokes: p50 ${typed.p50.toFixed(1)} ms, p95 ${typed.p95.toFixed(1)} ms, max ${typed.max.toFixed(1)} ms (n=${typed.n})`);
  await s.stop();
  return { size, file: path.basename(target.file), hover, diagnostics, backgroundMs, typed };
}

function section(results, loadAverage) {
  const date = new Date().toISOString().slice(0, 10);
  const verdict = (ok) => (ok ? 'pass' : '**FAIL**');
  const rows = results.flatMap((r) => [
    `| ${r.size.toLocaleString('en-US')} | first hover after \`initialized\` | ${formatMs(median(r.hover))} (${r.hover.map(formatMs).join(', ')}) | under ${formatMs(TARGETS.hoverMs)} | ${verdict(median(r.hover) < TARGETS.hoverMs)} |`,
    `| ${r.size.toLocaleString('en-US')} | first diagnostics of the opened file | ${formatMs(median(r.diagnostics))} (${r.diagnostics.map(formatMs).join(', ')}) | under ${formatMs(TARGETS.diagnosticsMs)} | ${verdict(median(r.diagnostics) < TARGETS.diagnosticsMs)} |`,
    `| ${r.size.toLocaleString('en-US')} | \`down_revision\` keystroke, p95 (p50; max; n=${r.typed.n}) | ${r.typed.p95.toFixed(1)} ms (${r.typed.p50.toFixed(1)} ms; ${r.typed.max.toFixed(1)} ms) | ${r.size === 2000 ? `under ${TARGETS.keystrokeP95Ms} ms (stretch ${TARGETS.keystrokeStretchMs} ms)` : 'none set'} | ${r.size === 2000 ? (r.typed.p95 < TARGETS.keystrokeStretchMs ? 'pass (stretch too)' : verdict(r.typed.p95 < TARGETS.keystrokeP95Ms)) : ''} |`,
    `| ${r.size.toLocaleString('en-US')} | whole history linted in the background | ${formatMs(r.backgroundMs)} | | |`,
  ]);
  return `## Language server: start-up and header edits on large histories

Run on ${date} with \`npm run bench\` (its fourth part, \`node bench/lsp-startup.mjs\`), ${os.availableParallelism()} cores, Node ${process.version}.
Load average when the run started: ${loadAverage.toFixed(2)}.
The real \`dist/server.js\` over stdio, started with the Node options of \`server/src/launch.json\`, on the generated histories of \`bench/history.mjs\`. Times are from the
\`initialized\` notification of a fresh server, which is followed at once by \`didOpen\` of a revision file in the
middle of the history and a hover on its \`down_revision\` id; medians of ${RUNS} fresh servers, each run in brackets.
The keystrokes are one-character edits of that id, each flipping an \`unknown-down-revision\` finding on or off,
timed from \`didChange\` to the file's new \`publishDiagnostics\`, once the server has linted the whole history.

| Revisions | Measure | Measured | Target | Result |
| ---: | --- | --- | --- | --- |
${rows.join('\n')}
`;
}

async function main() {
  const loadAverage = os.loadavg()[0];
  const results = [];
  for (const size of SIZES) results.push(await measure(size));
  const text = section(results, loadAverage);
  console.log(`\n${text}`);
  const standard = !process.env.BENCH_LSP_SIZES && !process.env.BENCH_LSP_RUNS && !process.env.BENCH_LSP_EDITS && !process.env.BENCH_LSP_SERVER && !process.env.BENCH_SERVER_PROFILE;
  if (standard && process.env.BENCH_WRITE_DOCS !== '0') {
    writeDocs('lsp-startup', text);
    console.log('Wrote docs/BENCHMARKS.md.');
  }
}

await main();
