// `node bench/lint-latency.mjs` (after `npm run build`): how long the language server takes,
// after a one-character edit to a 2,000-line migration, until that file's new diagnostics
// arrive. It drives the real server (dist/server.js over stdio) like an editor does: a
// generated history (bench/history.mjs) plus one large head revision, opened and then edited
// with incremental didChange notifications, once the server has linted the whole history in
// the background. Every edit flips one finding on or off, so each one is answered by a
// publishDiagnostics, and the time until it arrives is recorded.
//
// Environment:
//   BENCH_LINT_REVISIONS=N  revisions in the history below the large file (default 500)
//   BENCH_LINT_EDITS=N      edits per series (default 200)
//   BENCH_LINT_OFF=a,b      rules the bench's client switches off through alembicPilot.rules,
//                           to see what the other rules cost
//   BENCH_LINT_SERVER=file  the server bundle to run instead of dist/server.js, to compare two
//                           builds on the same machine at the same time
//   BENCH_SERVER_PROFILE=dir  write a CPU profile of the server there (see bench/profileSummary.mjs)
//   BENCH_WRITE_DOCS=0      print the results without touching docs/BENCHMARKS.md (a run with
//                           any of the settings above changed never writes there)
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SERVER_EXEC_ARGV } from './commands.mjs';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { ensureHistory } from './history.mjs';
import { writeDocs } from './report.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REVISIONS = Number(process.env.BENCH_LINT_REVISIONS ?? 500);
const EDITS = Number(process.env.BENCH_LINT_EDITS ?? 200);
const LINES = 2000;
const TARGET_P95_MS = 20;
const OFF = (process.env.BENCH_LINT_OFF ?? '').split(',').filter(Boolean);
const SERVER = path.resolve(process.env.BENCH_LINT_SERVER ?? path.join(repo, 'dist', 'server.js'));

/**
 * A 2,000-line migration of the usual kind: columns, indexes and data fixes in upgrade(), the
 * reverse in downgrade(). One `SELECT 1` in the middle is where the body edits happen.
 * @param {string} id
 * @param {string} parent
 */
function bigMigration(id, parent) {
  const head = [
    '"""widen everything',
    '',
    `Revision ID: ${id}`,
    `Revises: ${parent}`,
    'Create Date: 2026-01-05 10:00:00.000000',
    '',
    '"""',
    'from alembic import op',
    'import sqlalchemy as sa',
    '',
    '',
    `revision = "${id}"`,
    `down_revision = "${parent}"`,
    'branch_labels = None',
    'depends_on = None',
    '',
    '',
    'def upgrade() -> None:',
  ];
  const up = [];
  const down = [];
  for (let i = 0; up.length + down.length + head.length < LINES - 8; i++) {
    up.push(`    op.add_column("table_${i % 40}", sa.Column("col_${i}", sa.Text(), nullable=True))`);
    up.push(`    op.execute("UPDATE table_${i % 40} SET col_${i} = 'x' WHERE col_${i} IS NULL")`);
    down.push(`    op.drop_column("table_${i % 40}", "col_${i}")`);
  }
  up.splice(up.length >> 1, 0, '    op.execute("SELECT 1")');
  return [...head, ...up, '', '', 'def downgrade() -> None:', ...down, ''].join('\n');
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const history = ensureHistory(REVISIONS);
  const work = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-lint-latency-'));
  try {
    cpSync(history.dir, work, { recursive: true });
    const id = 'f00dfeedbeef';
    const parent = history.heads[0];
    const file = path.join(work, 'migrations', 'versions', `zzzz_${id}_widen_everything.py`);
    const text = bigMigration(id, parent);
    writeFileSync(file, text);
    const uri = pathToFileURL(file).toString();

    const server = spawn(process.execPath, [...SERVER_EXEC_ARGV, ...(process.env.BENCH_SERVER_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_PROFILE}`] : []), SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const conn = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
    /** @type {((diagnostics: { code?: string | number }[]) => void) | undefined} */
    let onDiagnostics;
    let sqlLoadMs;
    let sqlLoaded;
    const sqlReady = new Promise((resolve) => (sqlLoaded = resolve));
    let historyLinted;
    const historyReady = new Promise((resolve) => (historyLinted = resolve));
    conn.onNotification('textDocument/publishDiagnostics', (p) => {
      if (p.uri === uri) onDiagnostics?.(p.diagnostics);
    });
    conn.onNotification('window/logMessage', (p) => {
      if (process.env.BENCH_DEBUG) console.error(p.message);
      const m = /SQL parser in (\d+) ms/.exec(p.message);
      if (m) {
        sqlLoadMs = Number(m[1]);
        sqlLoaded();
      }
      if (/brought the findings of every revision file up to date/.test(p.message)) historyLinted();
    });
    conn.onRequest('workspace/configuration', (p) => p.items.map(() => ({ rules: Object.fromEntries(OFF.map((r) => [r, 'off'])) })));
    conn.listen();
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(work).toString(),
      workspaceFolders: [{ uri: pathToFileURL(work).toString(), name: 'bench' }],
      capabilities: { workspace: { configuration: true } },
    });
    await conn.sendNotification('initialized', {});
    await sqlReady;
    // The server lints the rest of the history in the background, in slices between which it
    // handles keystrokes; the series measure a keystroke once that is done (during it, a
    // keystroke also waits for the slice under way; bench/lsp-startup.mjs covers start-up).
    await historyReady;

    let version = 1;
    const until = (/** @type {(d: { code?: string | number }[]) => boolean} */ accept) =>
      new Promise((resolve) => {
        onDiagnostics = (d) => {
          if (accept(d)) {
            onDiagnostics = undefined;
            resolve(d);
          }
        };
      });
    const has = (code) => (d) => d.some((x) => x.code === code);
    const hasNot = (code) => (d) => !d.some((x) => x.code === code);
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version, text } });
    // The buffer equals the file on disk, so opening it publishes nothing new; a request
    // answered after the didOpen is the barrier instead.
    await conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri } });

    const lines = text.split('\n');
    const series = [
      { name: 'docstring header (Revises: line 4)', line: 3, column: lines[3].length - 1, from: parent.at(-1), to: parent.at(-1) === '0' ? '1' : '0', code: 'revision-header-mismatch' },
      { name: `body (line ${lines.indexOf('    op.execute("SELECT 1")') + 1} of ${lines.length})`, line: lines.indexOf('    op.execute("SELECT 1")'), column: '    op.execute("SELECT 1'.length, from: '', to: ',', code: 'sql-syntax' },
    ];
    const results = [];
    for (const s of series) {
      const times = [];
      for (let i = 0; i < EDITS + 10; i++) {
        const broken = i % 2 === 0;
        const [oldText, newText] = broken ? [s.from, s.to] : [s.to, s.from];
        const range = { start: { line: s.line, character: s.column }, end: { line: s.line, character: s.column + oldText.length } };
        const arrived = until(broken ? has(s.code) : hasNot(s.code));
        const started = performance.now();
        await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ range, text: newText }] });
        await arrived;
        // The first edits warm up the JIT and the parse tree cache; they are not counted.
        if (i >= 10) times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      results.push({ name: s.name, p50: percentile(times, 50), p95: percentile(times, 95), max: times.at(-1), n: times.length });
    }
    const exited = new Promise((resolve) => server.once('exit', resolve));
    await conn.sendRequest('shutdown');
    await conn.sendNotification('exit');
    await exited;
    conn.dispose();

    console.log(`Server: ${path.relative(repo, SERVER) || SERVER}`);
    console.log(`History: ${REVISIONS} revisions + one ${lines.length}-line head revision; ${EDITS} edits per series.`);
    console.log(`SQL parser load (server log): ${sqlLoadMs} ms`);
    console.log(`Rules switched off: ${OFF.join(', ') || 'none'}`);
    for (const r of results) {
      console.log(`${r.name}: p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, max ${r.max.toFixed(1)} ms (n=${r.n}) ${r.p95 < TARGET_P95_MS ? 'pass' : 'FAIL'}`);
    }
    const standard = !process.env.BENCH_LINT_REVISIONS && !process.env.BENCH_LINT_EDITS && OFF.length === 0 && !process.env.BENCH_LINT_SERVER && !process.env.BENCH_SERVER_PROFILE;
    if (standard && process.env.BENCH_WRITE_DOCS !== '0') {
      writeDocs('relint', latencySection(results, lines.length, sqlLoadMs));
      console.log('Wrote docs/BENCHMARKS.md.');
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The docs/BENCHMARKS.md section of a standard run.
 * @param {{ name: string, p50: number, p95: number, max: number, n: number }[]} results
 * @param {number} lineCount
 * @param {number | undefined} sqlLoadMs
 */
function latencySection(results, lineCount, sqlLoadMs) {
  const date = new Date().toISOString().slice(0, 10);
  const rows = results.map((r) => `| ${r.name} | ${r.n} | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${r.max.toFixed(1)} ms | ${r.p95 < TARGET_P95_MS ? 'pass' : '**FAIL**'} |`);
  return `## Language server: re-lint latency after a keystroke

Run on ${date} with \`npm run bench\` (its second part, \`node bench/lint-latency.mjs\`), ${os.availableParallelism()} cores, Node ${process.version}.
Load average when the run ended: ${os.loadavg()[0].toFixed(2)}.
The real \`dist/server.js\` over stdio, started with the Node options of \`server/src/launch.json\`, a ${REVISIONS}-revision history plus one ${lineCount}-line head revision
(columns and data fixes with \`op.execute\` SQL in \`upgrade()\`, the reverse in \`downgrade()\`), opened and then
edited with one-character incremental \`didChange\` notifications (${EDITS} measured per series after 10 warm-up edits),
once the server has linted the whole history in the background.
Each edit flips one finding on or off; the time is from sending the edit until the file's new
\`publishDiagnostics\` arrives, with every rule at its default. Target: p95 under ${TARGET_P95_MS} ms.

| Edit | Edits | p50 | p95 | Max | Result |
| --- | ---: | ---: | ---: | ---: | --- |
${rows.join('\n')}

Start-up: PostgreSQL's parser (libpg-query WASM) loaded in ${sqlLoadMs} ms, after \`initialized\`, off
the activation path (the server logs "loaded PostgreSQL's SQL parser in N ms").
`;
}

await main();
