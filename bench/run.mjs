// `npm run bench`: times `alembic-pilot graph --json` and `heads` (with and without --cache) and
// `alembic-pilot lint` (every rule over every file: on all cores, on one thread, and the second
// run of a --cache lint) on a large generated history against the real `alembic heads` and
// against plain `cat` of the same files, in one run; checks that both tools agree on the heads
// and that the cache changes no output, measures peak memory, breaks a cold lint's time down
// by phase, and records the results in docs/BENCHMARKS.md.
//
// Environment:
//   BENCH_REVISIONS=N     history size (default 10000; at least 50)
//   BENCH_RUNS=N          timed runs of the CLI and of cat (default 5)
//   BENCH_ALEMBIC_RUNS=N  timed runs of each alembic variant (default: BENCH_RUNS, but 3 from
//                         2,000 revisions up, where one run takes several seconds)
//   BENCH_LINT_RUNS=N     timed runs of the whole-history lint (default: 3 from 2,000 revisions
//                         up, where one run takes many seconds, else BENCH_RUNS)
//   BENCH_WRITE_DOCS=0    print the results without touching docs/BENCHMARKS.md
//   BENCH_PROFILE=1       always write and summarize a CPU profile of the CLI (by default only
//                         when it misses a target)
//   BENCH_LINT_BREAKDOWN=0  skip the profiled lint run that breaks a cold lint down by phase
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ensureHistory } from './history.mjs';
import { formatSummary, lintPhases, summarizeProfile } from './profileSummary.mjs';
import { formatMs, formatRss, median, writeDocs } from './report.mjs';
import { alembicHeads, cpuModel, envInt, GNU_TIME, harnessPython as harnessPythonIn, runCommand } from './commands.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const builtCli = path.join(repo, 'dist', 'cli.js');

// Issue 8's targets: `graph` 10× faster than `alembic heads` with its bytecode cached, 20× with
// --cache; a cold lint faster than the 23.8 s measured before the issue (stretch: 12 s on two
// cores); the default thread count within 10% of --jobs 1; a second --cache lint under 1 s.
const TARGET_SPEEDUP_VS_ALEMBIC = 10;
const TARGET_CACHED_SPEEDUP = 20;
const TARGET_RATIO_VS_CAT = 3;
const TARGET_RSS_MIB = 200;
const BASELINE_LINT_MS = 23_800;
const STRETCH_LINT_MS = 12_000;
const TARGET_THREADS_RATIO = 1.1;
const TARGET_CACHED_LINT_MS = 1000;

/**
 * The CLI's peak RSS without GNU time: the CLI's `main` runs inside a small Node process that
 * then reports `process.resourceUsage().maxRSS` (KiB on Linux). That includes the wrapper's
 * own few lines, which is negligible next to the CLI.
 * @param {string} dir
 */
function cliRssInProcess(dir) {
  const result = spawnSync(process.execPath, [path.join(repo, 'bench', 'cliRss.cjs'), cli, dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bench/cliRss.cjs failed:\n${result.stderr}`);
  return Number(result.stdout.trim());
}

/**
 * Profiles one CLI run with --cpu-prof and returns the summary text.
 * @param {string} dir
 */
function profileCli(dir) {
  const profDir = path.join(workDir, 'profile');
  const result = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, cli, 'graph', '--json', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`The profiled CLI run failed:\n${result.stderr}`);
  const file = readdirSync(profDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('node --cpu-prof wrote no profile.');
  const summary = summarizeProfile(JSON.parse(readFileSync(path.join(profDir, file), 'utf8')));
  return formatSummary(summary, 15);
}

const workDir = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-bench-run-'));

/**
 * Other people may rebuild dist/ while the benchmark runs, which would mix two versions of the
 * CLI in one table; every run uses this private copy of the bundle made at the start instead.
 */
const cli = path.join(workDir, 'dist', 'cli.js');

/** Runs a command once (see runCommand), its temporary files in this run's folder. */
const runOnce = (command, options) => runCommand(command, options, workDir);
const harnessPython = () => harnessPythonIn(workDir);

function snapshotCli() {
  if (!existsSync(builtCli)) throw new Error(`${builtCli} is missing; run \`npm run build\` first (npm run bench does).`);
  mkdirSync(path.dirname(cli), { recursive: true });
  for (const name of ['cli.js', 'cli.js.map', 'lintWorker.js', 'lintWorker.js.map', 'libpg-query.wasm']) {
    const from = path.join(repo, 'dist', name);
    if (existsSync(from)) copyFileSync(from, path.join(path.dirname(cli), name));
  }
}

async function main() {
  const revisions = envInt('BENCH_REVISIONS', 10_000);
  const runs = envInt('BENCH_RUNS', 5);
  const alembicRunsOverride = envInt('BENCH_ALEMBIC_RUNS', undefined);
  const lintRuns = envInt('BENCH_LINT_RUNS', revisions >= 2000 ? 3 : runs);
  const writeToDocs = process.env.BENCH_WRITE_DOCS !== '0';
  snapshotCli();
  const loadAverage = os.loadavg()[0];

  const generateStart = performance.now();
  const history = ensureHistory(revisions);
  console.log(
    `History: ${history.revisions} revisions, ${(history.bytes / 1e6).toFixed(1)} MB ` +
      `(${(history.bytes / history.revisions / 1024).toFixed(1)} KiB each on average), ${history.merges} merges, ` +
      `${history.heads.length} heads, in ${history.dir} ` +
      `(${history.generated ? `generated in ${formatMs(performance.now() - generateStart)}` : 'reused from the cache'}).`,
  );

  const { python, version: alembicVersion } = await harnessPython();
  console.log(`Alembic ${alembicVersion}: ${python}`);

  // GNU time gives every process's peak RSS the same way; the `-f` check rules out a BSD time.
  const gnuTime = spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;
  if (!gnuTime) console.log(`${GNU_TIME} (GNU time, Debian package "time") is not available; the CLI's peak RSS is measured in-process instead.`);

  // The caches of the `--cache` runs live in the bench's own folder; each starts empty.
  const graphCache = path.join(workDir, 'graph-cache');
  const lintCache = path.join(workDir, 'lint-cache');
  /** @type {(key: string, label: string, args: string[], okCodes?: number[]) => Command} */
  const node = (key, label, args, okCodes) => ({ key, label, file: process.execPath, args: [cli, ...args], ...(okCodes ? { okCodes } : {}) });
  const cliCommand = node('cli', '`node dist/cli.js graph --json <dir>`', ['graph', '--json', history.dir]);
  const cliCacheCommand = node('cli-cache', '`node dist/cli.js graph --json --cache <dir>` (cache written)', ['graph', '--json', '--cache', '--cache-location', graphCache, history.dir]);
  const headsCommand = node('heads', '`node dist/cli.js heads <dir>`', ['heads', history.dir]);
  const headsCacheCommand = node('heads-cache', '`node dist/cli.js heads --cache <dir>` (cache written)', ['heads', '--cache', '--cache-location', graphCache, history.dir]);
  // The same cache, read and hashing every file instead of trusting unchanged stamps: what the
  // stamps save, in the same run.
  const cliContentCommand = node('cli-cache-content', '`node dist/cli.js graph --json --cache --cache-strategy content <dir>` (cache written)', ['graph', '--json', '--cache', '--cache-strategy', 'content', '--cache-location', graphCache, history.dir]);
  // Alembic imports every revision file as a module. On a developer's machine Python keeps
  // their compiled bytecode in __pycache__, so the main comparison lets it do that (the
  // warm-up run writes the cache, even where PYTHONDONTWRITEBYTECODE is set for the tests).
  // A second row shows a run without any bytecode cache, as after a fresh checkout or in CI.
  const pythonEnv = { ...process.env };
  delete pythonEnv.PYTHONDONTWRITEBYTECODE;
  delete pythonEnv.PYTHONPYCACHEPREFIX;
  /** @type {Command} */
  const alembicCommand = {
    key: 'alembic',
    label: '`python -m alembic -c <dir>/alembic.ini heads` (bytecode cached)',
    file: python,
    args: ['-m', 'alembic', '-c', history.ini, 'heads'],
    env: pythonEnv,
  };
  // These runs come after the others, once the revision files' __pycache__ has been deleted;
  // not writing bytecode keeps it deleted, so every run compiles all revision files again,
  // while Alembic and SQLAlchemy themselves still load from the venv's bytecode as usual.
  /** @type {Command} */
  const alembicColdCommand = {
    key: 'alembic-cold',
    label: '`python -m alembic -c <dir>/alembic.ini heads` (no bytecode cache)',
    file: python,
    args: ['-m', 'alembic', '-c', history.ini, 'heads'],
    env: { ...pythonEnv, PYTHONDONTWRITEBYTECODE: '1' },
  };
  /** @type {Command} */
  const catCommand = {
    key: 'cat',
    label: "`find <versions> -maxdepth 1 -name '*.py' -exec cat {} +`",
    file: 'find',
    args: [history.versions, '-maxdepth', '1', '-name', '*.py', '-exec', 'cat', '{}', '+'],
  };

  // Warm-up runs: they fill the page cache (and let Python write its bytecode cache, as it would
  // on a developer's machine, and the CLI its --cache), capture the output for the correctness
  // checks, and measure RSS.
  console.log('Warm-up and correctness runs...');
  const cliWarm = await runOnce(cliCommand, { capture: true, measureRss: gnuTime });
  const cliCacheCold = await runOnce(cliCacheCommand, { capture: true });
  const cliCacheWarm = await runOnce(cliCacheCommand, { capture: true });
  const headsWarm = await runOnce(headsCommand, { capture: true });
  const headsCacheWarm = await runOnce(headsCacheCommand, { capture: true });
  const alembicWarm = await runOnce(alembicCommand, { capture: true, measureRss: gnuTime });
  const catWarm = await runOnce(catCommand, { capture: true, measureRss: gnuTime });

  const graph = JSON.parse(cliWarm.stdout);
  const cliHeads = [...graph.heads].sort();
  const pythonHeads = alembicHeads(alembicWarm.stdout);
  const headsMatch = JSON.stringify(cliHeads) === JSON.stringify(pythonHeads);
  const plannedMatch = JSON.stringify(cliHeads) === JSON.stringify(history.heads);
  const catBytes = Buffer.byteLength(catWarm.stdout);
  const checks = [
    { ok: headsMatch, text: `CLI heads equal \`alembic heads\`: ${cliHeads.join(', ')} vs ${pythonHeads.join(', ')}` },
    { ok: headsWarm.stdout === alembicWarm.stdout, text: '`alembic-pilot heads` prints exactly what `alembic heads` prints' },
    { ok: headsCacheWarm.stdout === alembicWarm.stdout, text: '`alembic-pilot heads --cache` prints exactly what `alembic heads` prints' },
    { ok: cliCacheCold.stdout === cliWarm.stdout && cliCacheWarm.stdout === cliWarm.stdout, text: '`graph --cache` prints what `graph` prints, cold and warm' },
    { ok: plannedMatch, text: `CLI heads equal the generator's planned heads (${history.heads.join(', ')})` },
    { ok: graph.revisions.length === history.revisions, text: `CLI lists ${graph.revisions.length} of ${history.revisions} revisions` },
    { ok: graph.problems.length === 0, text: `CLI reports ${graph.problems.length} problems` },
    { ok: catBytes === history.bytes, text: `cat read ${catBytes} of ${history.bytes} bytes` },
  ];

  // Alembic takes seconds per run on large histories; the count depends only on the size, not
  // on a measured time, so that two runs of the same size are made of the same repetitions.
  const alembicRuns = alembicRunsOverride ?? (revisions >= 2000 ? Math.min(3, runs) : runs);
  /** @type {Record<string, number[]>} */
  const times = { cli: [], cliCache: [], cliContent: [], heads: [], headsCache: [], alembic: [], alembicCold: [], cat: [] };
  // The commands take turns, so that a slow phase of the machine is spread over all of them
  // instead of landing on one.
  for (let i = 0; i < Math.max(runs, alembicRuns); i++) {
    if (i < runs) {
      times.cli.push((await runOnce(cliCommand)).ms);
      times.cliCache.push((await runOnce(cliCacheCommand)).ms);
      times.cliContent.push((await runOnce(cliContentCommand)).ms);
      times.heads.push((await runOnce(headsCommand)).ms);
      times.headsCache.push((await runOnce(headsCacheCommand)).ms);
      times.cat.push((await runOnce(catCommand)).ms);
    }
    if (i < alembicRuns) times.alembic.push((await runOnce(alembicCommand)).ms);
    console.log(
      `  run ${i + 1}: graph ${formatMs(times.cli[i] ?? NaN)}, graph --cache ${formatMs(times.cliCache[i] ?? NaN)} (content: ${formatMs(times.cliContent[i] ?? NaN)}), ` +
        `heads ${formatMs(times.heads[i] ?? NaN)}, heads --cache ${formatMs(times.headsCache[i] ?? NaN)}, cat ${formatMs(times.cat[i] ?? NaN)}` +
        (i < alembicRuns ? `, alembic ${formatMs(times.alembic[i])}` : ''),
    );
  }

  rmSync(path.join(history.versions, '__pycache__'), { recursive: true, force: true });
  /** @type {number | undefined} */
  let alembicColdRss;
  for (let i = 0; i < alembicRuns; i++) {
    // The first run also measures RSS under GNU time, whose own cost (one more fork and exec)
    // is a millisecond against the many seconds of this command.
    const outcome = await runOnce(alembicColdCommand, { capture: true, measureRss: gnuTime && i === 0 });
    if (i === 0) alembicColdRss = outcome.rssKiB;
    const heads = alembicHeads(outcome.stdout);
    if (JSON.stringify(heads) !== JSON.stringify(pythonHeads)) {
      throw new Error(`alembic heads without bytecode cache printed ${heads.join(', ')}, not ${pythonHeads.join(', ')}.`);
    }
    times.alembicCold.push(outcome.ms);
    console.log(`  alembic without bytecode cache, run ${i + 1}: ${formatMs(outcome.ms)}`);
  }

  // The whole-history lint: every rule over every file, on all cores (the CLI's default) and on
  // one thread, without a cache; then the second run of a cached lint. It exits 1 because the
  // generated history has findings.
  const lintCommand = node('lint', '`node dist/cli.js lint --format json <dir>`', ['lint', '--format', 'json', history.dir], [1]);
  const lintOneCommand = node('lint-1', '`node dist/cli.js lint --format json --jobs 1 <dir>`', ['lint', '--format', 'json', '--jobs', '1', history.dir], [1]);
  const lintCacheCommand = node('lint-cache', '`node dist/cli.js lint --format json --cache <dir>` (cache written)', ['lint', '--format', 'json', '--cache', '--cache-location', lintCache, history.dir], [1]);
  const lintContentCommand = node('lint-cache-content', '`node dist/cli.js lint --format json --cache --cache-strategy content <dir>` (cache written)', ['lint', '--format', 'json', '--cache', '--cache-strategy', 'content', '--cache-location', lintCache, history.dir], [1]);
  // The same cached lint on a copy of the history in which one file changes before each run:
  // the whole output is then not reusable, and the run goes through the per-file entries.
  const editedDir = path.join(workDir, 'edited-history');
  cpSync(history.dir, editedDir, { recursive: true });
  const editedFile = path.join(editedDir, path.relative(history.dir, history.versions), readdirSync(history.versions).filter((f) => f.endsWith('.py')).sort()[0]);
  const lintEditedCommand = node('lint-cache-edited', '`node dist/cli.js lint --format json --cache <dir>` (cache written; one file edited before each run)', ['lint', '--format', 'json', '--cache', '--cache-location', path.join(workDir, 'lint-cache-edited'), editedDir], [1]);
  const lintWarm = await runOnce(lintCommand, { capture: true, measureRss: gnuTime });
  const lintFindings = JSON.parse(lintWarm.stdout).length;
  console.log(`  lint warm-up: ${formatMs(lintWarm.ms)}, ${lintFindings} findings`);
  /** @type {Record<string, number[]>} */
  const lintTimes = { lint: [], lintOne: [], lintCache: [], lintContent: [], lintEdited: [] };
  /** @type {(number | undefined)[]} */
  const lintRss = [lintWarm.rssKiB];
  for (let i = 0; i < lintRuns; i++) {
    // Every run is timed under GNU time too; its fork and exec cost a millisecond of many seconds.
    const outcome = await runOnce(lintCommand, { measureRss: gnuTime });
    lintTimes.lint.push(outcome.ms);
    lintRss.push(outcome.rssKiB);
    lintTimes.lintOne.push((await runOnce(lintOneCommand)).ms);
    console.log(`  lint run ${i + 1}: ${formatMs(outcome.ms)}; with --jobs 1: ${formatMs(lintTimes.lintOne[i])}`);
  }
  const lintPeakKiB = gnuTime ? Math.max(...lintRss.map(Number)) : undefined;
  const lintCacheCold = await runOnce(lintCacheCommand, { capture: true });
  console.log(`  lint --cache, first run (writes the cache): ${formatMs(lintCacheCold.ms)}`);
  /** @type {RunOutcome | undefined} */
  let lintCacheOutcome;
  for (let i = 0; i < runs; i++) {
    lintCacheOutcome = await runOnce(lintCacheCommand, { capture: i === 0 });
    if (i === 0) checks.push({ ok: lintCacheOutcome.stdout === lintWarm.stdout && lintCacheCold.stdout === lintWarm.stdout, text: '`lint --cache` prints what `lint` prints, cold and warm' });
    lintTimes.lintCache.push(lintCacheOutcome.ms);
    lintTimes.lintContent.push((await runOnce(lintContentCommand)).ms);
    console.log(`  lint --cache, run ${i + 2}: ${formatMs(lintCacheOutcome.ms)} (content: ${formatMs(lintTimes.lintContent[i] ?? NaN)})`);
  }
  await runOnce(lintEditedCommand);
  for (let i = 0; i < runs; i++) {
    appendFileSync(editedFile, `\n# edited before run ${i + 1}\n`);
    lintTimes.lintEdited.push((await runOnce(lintEditedCommand)).ms);
    console.log(`  lint --cache after one file was edited, run ${i + 1}: ${formatMs(lintTimes.lintEdited[i] ?? NaN)}`);
  }
  for (const check of checks) console.log(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.text}`);
  const correct = checks.every((check) => check.ok);

  // Peak RSS of the CLI: the warm-up run plus two more, reporting the largest.
  const cliRss = [];
  for (let i = 0; i < 3; i++) {
    cliRss.push(gnuTime ? (i === 0 ? cliWarm.rssKiB : (await runOnce(cliCommand, { measureRss: true })).rssKiB) : cliRssInProcess(history.dir));
  }
  const cliPeakKiB = Math.max(...cliRss.map(Number));

  const stat = (/** @type {number[]} */ list) => ({ median: median(list), min: Math.min(...list) });
  const stats = {
    cli: stat(times.cli),
    cliCache: stat(times.cliCache),
    cliContent: stat(times.cliContent),
    heads: stat(times.heads),
    headsCache: stat(times.headsCache),
    alembic: stat(times.alembic),
    alembicCold: stat(times.alembicCold),
    cat: stat(times.cat),
    lint: stat(lintTimes.lint),
    lintOne: stat(lintTimes.lintOne),
    lintCache: stat(lintTimes.lintCache),
    lintContent: stat(lintTimes.lintContent),
    lintEdited: stat(lintTimes.lintEdited),
  };
  const verdict = (/** @type {boolean} */ ok) => (ok ? 'pass' : '**FAIL**');
  const speedup = (/** @type {{ median: number, min: number }} */ s) => ({ median: stats.alembic.median / s.median, min: stats.alembic.min / s.min });
  const graphSpeedup = speedup(stats.cli);
  const graphCacheSpeedup = speedup(stats.cliCache);
  const headsSpeedup = speedup(stats.heads);
  const headsCacheSpeedup = speedup(stats.headsCache);
  const catRatio = stats.cli.median / stats.cat.median;
  const catRatioMin = stats.cli.min / stats.cat.min;
  const rssMiB = cliPeakKiB / 1024;
  const threadsRatio = stats.lint.median / stats.lintOne.median;
  const is10k = revisions === 10_000;
  const forSize = (/** @type {boolean} */ ok) => (is10k ? verdict(ok) : 'target is for 10,000 revisions');

  const rows = [
    [cliCommand, times.cli.length, stats.cli, cliPeakKiB],
    [cliCacheCommand, times.cliCache.length, stats.cliCache, undefined],
    [cliContentCommand, times.cliContent.length, stats.cliContent, undefined],
    [headsCommand, times.heads.length, stats.heads, undefined],
    [headsCacheCommand, times.headsCache.length, stats.headsCache, undefined],
    [alembicCommand, times.alembic.length, stats.alembic, alembicWarm.rssKiB],
    [alembicColdCommand, times.alembicCold.length, stats.alembicCold, alembicColdRss],
    [catCommand, times.cat.length, stats.cat, catWarm.rssKiB],
    [lintCommand, lintTimes.lint.length, stats.lint, lintPeakKiB],
    [lintOneCommand, lintTimes.lintOne.length, stats.lintOne, undefined],
    [lintCacheCommand, lintTimes.lintCache.length, stats.lintCache, undefined],
    [lintContentCommand, lintTimes.lintContent.length, stats.lintContent, undefined],
    [lintEditedCommand, lintTimes.lintEdited.length, stats.lintEdited, undefined],
  ];
  const table = [
    '| Command | Runs | Median | Min | Peak RSS |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(([command, n, s, rss]) => `| ${command.label} | ${n} | ${formatMs(s.median)} | ${formatMs(s.min)} | ${formatRss(rss)} |`),
  ].join('\n');
  const x = (/** @type {{ median: number, min: number }} */ r) => `${r.median.toFixed(1)}×; ${r.min.toFixed(1)}×`;
  const targets = [
    '| Target | Measured (median; min) | Result |',
    '| --- | --- | --- |',
    `| \`graph\` at least ${TARGET_SPEEDUP_VS_ALEMBIC}× faster than \`alembic heads\` (bytecode cached) | ${x(graphSpeedup)} | ${verdict(graphSpeedup.median >= TARGET_SPEEDUP_VS_ALEMBIC)} |`,
    `| \`graph --cache\` at least ${TARGET_CACHED_SPEEDUP}× faster than \`alembic heads\` (bytecode cached) | ${x(graphCacheSpeedup)} | ${verdict(graphCacheSpeedup.median >= TARGET_CACHED_SPEEDUP)} |`,
    `| (with \`--cache-strategy content\`, every file read and hashed: \`graph --cache\` against \`alembic heads\`; a second \`lint --cache\`) | ${x(speedup(stats.cliContent))}; ${formatMs(stats.lintContent.median)} | |`,
    `| (\`heads\`, which needs no history order, against \`alembic heads\`: without and with \`--cache\`) | ${x(headsSpeedup)}; ${x(headsCacheSpeedup)} | |`,
    `| (for comparison: \`graph\` vs \`alembic heads\` without bytecode cache) | ${(stats.alembicCold.median / stats.cli.median).toFixed(1)}× | |`,
    `| \`graph\` within ${TARGET_RATIO_VS_CAT}× of \`cat\` | ${catRatio.toFixed(1)}×; ${catRatioMin.toFixed(1)}× | ${verdict(catRatio <= TARGET_RATIO_VS_CAT)} |`,
    `| \`graph\` peak RSS under ${TARGET_RSS_MIB} MiB | ${rssMiB.toFixed(0)} MiB (largest of 3 runs) | ${verdict(rssMiB < TARGET_RSS_MIB)} |`,
    `| \`graph\` and \`heads\` agree with \`alembic heads\`; \`--cache\` changes no output | ${correct ? 'equal' : 'different'} | ${verdict(correct)} |`,
    `| \`lint\` of the whole history, cold, no cache, faster than ${formatMs(BASELINE_LINT_MS)} (stretch: ${formatMs(STRETCH_LINT_MS)}) on ${os.availableParallelism()} cores | ${formatMs(stats.lint.median)}; ${formatMs(stats.lint.min)} (${lintFindings} findings) | ${is10k ? (stats.lint.median < STRETCH_LINT_MS ? 'pass (stretch too)' : verdict(stats.lint.median < BASELINE_LINT_MS)) : 'target is for 10,000 revisions'} |`,
    `| \`lint\` on the default threads within ${Math.round((TARGET_THREADS_RATIO - 1) * 100)}% of \`--jobs 1\`, or faster | ${(threadsRatio * 100).toFixed(0)}% of its time | ${verdict(threadsRatio <= TARGET_THREADS_RATIO)} |`,
    `| second \`lint --cache\` under ${formatMs(TARGET_CACHED_LINT_MS)} | ${formatMs(stats.lintCache.median)}; ${formatMs(stats.lintCache.min)} | ${forSize(stats.lintCache.median < TARGET_CACHED_LINT_MS)} |`,
    `| (a \`lint --cache\` after one file was edited: the whole output cannot be reused, the per-file entries are read) | ${formatMs(stats.lintEdited.median)}; ${formatMs(stats.lintEdited.min)} | |`,
  ].join('\n');

  const breakdown = process.env.BENCH_LINT_BREAKDOWN === '0' ? undefined : lintBreakdown(history.dir);

  const date = new Date().toISOString().slice(0, 10);
  const machine =
    `${os.availableParallelism()} × ${cpuModel()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ` +
    `Linux ${os.release()}, Node ${process.version}, Alembic ${alembicVersion}`;
  const section = `## ${revisions.toLocaleString('en-US')} revisions

Run on ${date} with \`${revisions === 10_000 ? 'npm run bench' : `BENCH_REVISIONS=${revisions} npm run bench`}\`.
Machine: ${machine}.
History: ${history.revisions} revision files, ${(history.bytes / 1e6).toFixed(1)} MB in total
(${(history.bytes / history.revisions / 1024).toFixed(1)} KiB on average), ${history.merges} merges, ${history.heads.length} heads
(main line, an unmerged feature branch, the labelled \`analytics\` branch).
Load average when the run started: ${loadAverage.toFixed(2)}, when it ended: ${os.loadavg()[0].toFixed(2)} (other work on the machine makes times noisier).
Peak RSS is GNU time's maximum resident set size${gnuTime ? '' : ' (for the CLI: measured in-process, GNU time was not installed)'}.
The targets compare with \`alembic heads\` with its bytecode cache written, as on a developer's machine.
A \`--cache\` row times runs after the first, which wrote the cache (that first \`lint --cache\` took ${formatMs(lintCacheCold.ms)}).

${table}

${targets}
${breakdown ? `\n${breakdown}\n` : ''}`;

  console.log(`\n${section}`);
  if (graphSpeedup.median < TARGET_SPEEDUP_VS_ALEMBIC || process.env.BENCH_PROFILE === '1') {
    console.log('CPU profile of one `graph --json` run (self time):');
    console.log(profileCli(history.dir));
  }
  if (writeToDocs) {
    writeDocs(revisions, section);
    console.log('Wrote docs/BENCHMARKS.md.');
  }
  if (!correct) {
    console.error('The CLI and Alembic disagree, or the cache changed an output; the timings above measure a wrong answer.');
    process.exitCode = 1;
  }
}

/**
 * Where a cold lint's time goes: one `lint --jobs 1` run under the CPU profiler (so every
 * phase runs on the profiled thread), its self time grouped by phase.
 * @param {string} dir
 */
function lintBreakdown(dir) {
  const profDir = path.join(workDir, 'lint-profile');
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, cli, 'lint', '--format', 'json', '--jobs', '1', dir], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const wall = performance.now() - started;
  if (result.status !== 0 && result.status !== 1) throw new Error(`The profiled lint failed:\n${result.stderr}`);
  const file = readdirSync(profDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('node --cpu-prof wrote no profile.');
  const groups = lintPhases(summarizeProfile(JSON.parse(readFileSync(path.join(profDir, file), 'utf8'))));
  const total = groups.reduce((n, g) => n + g.ms, 0);
  return [
    `Where a cold lint's time goes: self time of one \`lint --jobs 1\` run under \`node --cpu-prof\`, by phase (${formatMs(wall)} with the profiler on).`,
    '',
    '| Phase | Time | Share |',
    '| --- | ---: | ---: |',
    ...groups.map((g) => `| ${g.phase} | ${formatMs(g.ms)} | ${((100 * g.ms) / total).toFixed(1)}% |`),
  ].join('\n');
}

try {
  await main();
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
