// Number formatting and the docs/BENCHMARKS.md writer of `npm run bench` (bench/run.mjs).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const docsFile = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'BENCHMARKS.md');

/** @param {number[]} values */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** @param {number} ms */
export function formatMs(ms) {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

/** @param {number | undefined} kib */
export function formatRss(kib) {
  return kib === undefined ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`;
}

/**
 * Replaces one section of docs/BENCHMARKS.md (between its markers) or appends it, so that
 * reruns update the numbers and other sections keep theirs. `revisions` names the section: a
 * history size for bench/run.mjs, `relint` for bench/lint-latency.mjs.
 * @param {number | string} revisions
 * @param {string} section
 */
export function writeDocs(revisions, section) {
  const start = `<!-- bench:${revisions}:start -->`;
  const end = `<!-- bench:${revisions}:end -->`;
  const block = `${start}\n${section.trim()}\n${end}`;
  let text = existsSync(docsFile)
    ? readFileSync(docsFile, 'utf8')
    : `# Benchmarks

\`npm run bench\` builds the CLI, generates a large deterministic Alembic history (see
\`bench/history.mjs\`) in the system's temporary folder, and compares
\`alembic-pilot graph --json\` with the real \`alembic heads\` (Alembic 1.20, from the test
harness's virtualenv) and with \`cat\` of the same revision files. All times are wall-clock
times of separate processes with a warm page cache (every command runs once untimed first;
the Alembic runs without bytecode cache come last and find the files already cached).
Each section below is rewritten by the next run of the same size; \`BENCH_REVISIONS=N\` runs a
smaller history, and \`BENCH_WRITE_DOCS=0\` leaves this file alone.
`;
  const startAt = text.indexOf(start);
  const endAt = text.indexOf(end);
  if (startAt >= 0 && endAt > startAt) {
    text = text.slice(0, startAt) + block + text.slice(endAt + end.length);
  } else {
    text = `${text.trimEnd()}\n\n${block}\n`;
  }
  writeFileSync(docsFile, text);
}
