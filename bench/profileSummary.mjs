// Summarizes a V8 .cpuprofile (from `node --cpu-prof`) as the functions with the most self time
// and the most inclusive time, mapped back to the TypeScript sources through the bundle's
// source map when there is one, so that a slow phase can be found without opening DevTools.
//
//   node bench/profileSummary.mjs <file.cpuprofile> [top=20]
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * @typedef {object} ProfileNode
 * @property {number} id
 * @property {{ functionName: string, url: string, lineNumber: number, columnNumber: number }} callFrame
 * @property {number[]} [children]
 */

/**
 * @typedef {object} Row
 * @property {string} name
 * @property {string} where
 * @property {number} selfMs
 * @property {number} totalMs
 */

/** Source maps by bundle URL; null when the bundle has none. */
/** @type {Map<string, SourceMap | null>} */
const maps = new Map();

/**
 * Where a frame's code comes from: the original file and line when the bundle's source map
 * knows it, otherwise the script and line as V8 reports them (both 1-based here).
 * @param {ProfileNode['callFrame']} frame
 */
function location(frame) {
  if (!frame.url) return '';
  let map = maps.get(frame.url);
  if (map === undefined) {
    map = null;
    if (frame.url.startsWith('file://')) {
      const mapFile = `${fileURLToPath(frame.url)}.map`;
      if (existsSync(mapFile)) map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
    }
    maps.set(frame.url, map);
  }
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry && 'originalSource' in entry && entry.originalSource) {
    // esbuild writes sources relative to the bundle's folder ("../server/src/..."); the bench
    // may run a copy of the bundle elsewhere, so the leading "../" parts are dropped rather than
    // resolved against wherever the copy lives.
    const source = entry.originalSource.startsWith('file://')
      ? path.relative(repo, fileURLToPath(entry.originalSource))
      : entry.originalSource.replace(/^(\.\.\/)+/, '');
    return `${source}:${entry.originalLine + 1}`;
  }
  let file = frame.url;
  if (file.startsWith('file://')) {
    const absolute = fileURLToPath(file);
    const relative = path.relative(repo, absolute);
    // A copy of the bundle outside the repository is shown as "dist/cli.js", not as "../../tmp/...".
    file = relative.startsWith('..') ? path.join(path.basename(path.dirname(absolute)), path.basename(absolute)) : relative;
  }
  return `${file}:${frame.lineNumber + 1}`;
}

/**
 * Self and inclusive time per function (name plus location). Inclusive time counts a function
 * once per sample even when it is on the stack several times, so recursion does not inflate it.
 * @param {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }} profile
 */
export function summarizeProfile(profile) {
  /** @type {Map<number, ProfileNode>} */
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  /** @type {Map<number, number>} */
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  /** @type {Map<number, string>} */
  const keyOf = new Map();
  /** @type {Map<string, Row>} */
  const rows = new Map();
  for (const node of profile.nodes) {
    const name = node.callFrame.functionName || '(anonymous)';
    const where = location(node.callFrame);
    const key = `${name}\u0000${where}`;
    keyOf.set(node.id, key);
    if (!rows.has(key)) rows.set(key, { name, where, selfMs: 0, totalMs: 0 });
  }
  // timeDeltas[i] is the time between sample i-1 and sample i; the time up to the next sample
  // is what sample i stands for, which is how Chrome's DevTools attributes it too.
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const ms = (timeDeltas[i + 1] ?? 0) / 1000;
    const leaf = samples[i];
    const leafRow = rows.get(keyOf.get(leaf) ?? '');
    if (leafRow) leafRow.selfMs += ms;
    const seen = new Set();
    for (let id = leaf; id !== undefined && byId.has(id); id = parent.get(id)) {
      const key = keyOf.get(id) ?? '';
      if (seen.has(key)) continue;
      seen.add(key);
      const row = rows.get(key);
      if (row) row.totalMs += ms;
    }
  }
  return { totalMs: (profile.endTime - profile.startTime) / 1000, rows: [...rows.values()] };
}

/**
 * @param {{ totalMs: number, rows: Row[] }} summary
 * @param {number} top
 */
export function formatSummary(summary, top) {
  const pct = (/** @type {number} */ ms) => `${((100 * ms) / summary.totalMs).toFixed(1).padStart(5)}%`;
  const line = (/** @type {Row} */ row, /** @type {number} */ ms) =>
    `  ${ms.toFixed(0).padStart(7)} ms ${pct(ms)}  ${row.name}  ${row.where}`;
  const bySelf = [...summary.rows].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  const byTotal = [...summary.rows]
    // Node's own frames (the module loader that runs the whole CLI, for one) would fill the top
    // of this list without saying anything about the CLI's phases.
    .filter((row) => !row.name.startsWith('(') && row.where !== '' && !row.where.startsWith('node:'))
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, top);
  return [
    `Profile: ${summary.totalMs.toFixed(0)} ms`,
    'Top self time:',
    ...bySelf.map((row) => line(row, row.selfMs)),
    'Top inclusive time:',
    ...byTotal.map((row) => line(row, row.totalMs)),
  ].join('\n');
}

/**
 * Self time of a lint profile grouped into the phases of a lint, largest first: what each
 * function's source file says it does. Node's own frames (reading files, loading modules) and
 * anything unmapped fall into the last groups.
 * @param {{ totalMs: number, rows: Row[] }} summary
 * @returns {{ phase: string, ms: number }[]}
 */
export function lintPhases(summary) {
  /** @type {[RegExp, string][]} */
  const phases = [
    [/^\(garbage collector\)/, 'garbage collection'],
    [/@lezer\//, 'lezer: parsing Python'],
    [/libpg-query|^wasm/, "libpg-query: parsing SQL (PostgreSQL's parser, WASM)"],
    [/server\/src\/core\/parse\//, 'reading the syntax tree (functions, op calls, SQL strings, header)'],
    [/server\/src\/core\/sql\//, 'SQL analysis around the parser'],
    [/server\/src\/core\/rules\/(ops\/|incomplete-downgrade)/, 'rule incomplete-downgrade (with ops/)'],
    [/server\/src\/core\/rules\/(runner|phases|suppressions|graphProblems)/, 'rule runner, suppressions'],
    [/server\/src\/core\/rules\//, 'the other rules'],
    [/server\/src\/core\/(scan|graph|project|config)\//, 'reading and hashing files, header scan, graph'],
    [/server\/src\/cli\//, 'CLI: threads, cache, output'],
  ];
  /** @type {Map<string, number>} */
  const byPhase = new Map();
  for (const row of summary.rows) {
    const match = phases.find(([re]) => re.test(row.where) || re.test(row.name));
    const phase = match ? match[1] : row.where === '' || row.where.startsWith('node:') ? 'Node: file system, module loading, idle' : 'other';
    byPhase.set(phase, (byPhase.get(phase) ?? 0) + row.selfMs);
  }
  return [...byPhase].map(([phase, ms]) => ({ phase, ms })).sort((a, b) => b.ms - a.ms);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/profileSummary.mjs <file.cpuprofile> [top=20]');
    process.exit(2);
  }
  const top = topArg === undefined ? 20 : Number(topArg);
  console.log(formatSummary(summarizeProfile(JSON.parse(readFileSync(file, 'utf8'))), top));
}
