// `npm run bench`: times `alembic-pilot graph --json` and `alembic-pilot lint` (every rule over
// every file, no cache) on a large generated history against the real `alembic heads` and
// against plain `cat` of the same files, in one run; checks that both tools agree on the heads,
// measures peak memory, and records the results in docs/BENCHMARKS.md.
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
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { ensureHistory } from './history.mjs';
import { summarizeProfile, formatSummary } from './profileSummary.mjs';
import { formatMs, formatRss, median, writeDocs } from './report.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const builtCli = path.join(repo, 'dist', 'cli.js');

const TARGET_SPEEDUP_VS_ALEMBIC = 20;
const TARGET_RATIO_VS_CAT = 3;
const TARGET_RSS_MIB = 200;
const TARGET_LINT_MS = 4000;

/**
 * Reads a positive integer from the environment; anything else is an error rather than a
 * silent fallback, so a typo never produces a benchmark of the wrong size.
 * @param {string} name
 * @param {number | undefined} fallback
 */
function envInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not '${raw}'.`);
  return value;
}

/**
 * @typedef {object} Command
 * @property {string} key
 * @property {string} label   how the command is shown in the table
 * @property {string} file
 * @property {string[]} args
 * @property {NodeJS.ProcessEnv} [env]  the environment, when it differs from this process's
 * @property {number[]} [okCodes]  exit codes besides 0 that are not a failure (lint exits 1 on findings)
 */

/**
 * @typedef {object} RunOutcome
 * @property {number} ms
 * @property {string} stdout  empty unless captured
 * @property {number | undefined} rssKiB  peak resident set size, when measured
 */

/**
 * Runs a command once with an argument array (no shell). Standard output goes to /dev/null
 * for timed runs, so that neither a pipe nor this process's reading is part of the time; it is
 * captured only for the correctness and memory runs. With `measureRss`, the command runs under
 * GNU time, which writes the peak RSS (in KiB) to a file of its own.
 * @param {Command} command
 * @param {{ capture?: boolean, measureRss?: boolean }} [options]
 * @returns {Promise<RunOutcome>}
 */
function runOnce(command, options = {}) {
  const rssFile = options.measureRss ? path.join(workDir, `rss-${command.key}-${Date.now()}`) : undefined;
  const [file, args] = rssFile
    ? [GNU_TIME, ['-f', '%M', '-o', rssFile, command.file, ...command.args]]
    : [command.file, command.args];
  const devNull = options.capture ? undefined : openSync('/dev/null', 'w');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, { stdio: ['ignore', devNull ?? 'pipe', 'pipe'], env: command.env ?? process.env });
    /** @type {Buffer[]} */
    const out = [];
    /** @type {Buffer[]} */
    const err = [];
    child.stdout?.on('data', (chunk) => out.push(chunk));
    child.stderr?.on('data', (chunk) => err.push(chunk));
    child.on('error', (error) => {
      if (devNull !== undefined) closeSync(devNull);
      reject(error);
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - started;
      if (devNull !== undefined) closeSync(devNull);
      if (code !== 0 && !(command.okCodes ?? []).includes(code ?? -1)) {
        reject(new Error(`${command.label} exited with ${code ?? signal}:\n${Buffer.concat(err).toString('utf8').slice(-4000)}`));
        return;
      }
      let rssKiB;
      if (rssFile) {
        // GNU time may print a "Command exited with non-zero status" line first; the number is last.
        const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
        rssKiB = Number(lines[lines.length - 1]);
        rmSync(rssFile, { force: true });
      }
      resolve({ ms, stdout: Buffer.concat(out).toString('utf8'), rssKiB });
    });
  });
}

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
 * The Python interpreter of the test harness venv (Alembic 1.20), reusing the harness's own
 * code so that the benchmark and the tests always run the same Alembic. The helper is
 * TypeScript, so it is bundled to a temporary CommonJS file with esbuild and required.
 */
async function harnessPython() {
  const bundle = path.join(workDir, 'python-helper.cjs');
  await esbuild.build({
    entryPoints: [path.join(repo, 'test', 'helpers', 'python.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
  const helper = createRequire(import.meta.url)(bundle);
  const python = await helper.alembicPython();
  const version = await helper.alembicVersionOf(python);
  return { python, version: String(version) };
}

/** The first "model name" of /proc/cpuinfo, or what Node reports when that file is missing. */
function cpuModel() {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // Not Linux; fall through to Node's view.
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

/**
 * Parses `alembic heads` output ("<rev> (label) (head)" per line) into sorted revision ids.
 * @param {string} text
 */
function alembicHeads(text) {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((id) => id && id.length > 0)
    .sort();
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

const GNU_TIME = '/usr/bin/time';
const workDir = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-bench-run-'));

/**
 * Other people may rebuild dist/ while the benchmark runs, which would mix two versions of the
 * CLI in one table; every run uses this private copy of the bundle made at the start instead.
 */
const cli = path.join(workDir, 'dist', 'cli.js');

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

  /** @type {Command} */
  const cliCommand = {
    key: 'cli',
    label: '`node dist/cli.js graph --json <dir>`',
    file: process.execPath,
    args: [cli, 'graph', '--json', history.dir],
  };
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
  // on a developer's machine), capture the output for the correctness checks, and measure RSS.
  console.log('Warm-up and correctness runs...');
  const cliWarm = await runOnce(cliCommand, { capture: true, measureRss: gnuTime });
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
    { ok: plannedMatch, text: `CLI heads equal the generator's planned heads (${history.heads.join(', ')})` },
    { ok: graph.revisions.length === history.revisions, text: `CLI lists ${graph.revisions.length} of ${history.revisions} revisions` },
    { ok: graph.problems.length === 0, text: `CLI reports ${graph.problems.length} problems` },
    { ok: catBytes === history.bytes, text: `cat read ${catBytes} of ${history.bytes} bytes` },
  ];
  for (const check of checks) console.log(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.text}`);
  const correct = checks.every((check) => check.ok);

  // Alembic takes seconds per run on large histories; the count depends only on the size, not
  // on a measured time, so that two runs of the same size are made of the same repetitions.
  const alembicRuns = alembicRunsOverride ?? (revisions >= 2000 ? Math.min(3, runs) : runs);
  /** @type {Record<string, number[]>} */
  const times = { cli: [], alembic: [], alembicCold: [], cat: [] };
  // The commands take turns, so that a slow phase of the machine is spread over all of them
  // instead of landing on one.
  for (let i = 0; i < Math.max(runs, alembicRuns); i++) {
    if (i < runs) times.cli.push((await runOnce(cliCommand)).ms);
    if (i < runs) times.cat.push((await runOnce(catCommand)).ms);
    if (i < alembicRuns) times.alembic.push((await runOnce(alembicCommand)).ms);
    console.log(
      `  run ${i + 1}: cli ${formatMs(times.cli[i] ?? NaN)}, cat ${formatMs(times.cat[i] ?? NaN)}` +
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

  // The whole-history lint: every rule over every file, no cache, on all cores (the CLI's
  // default). It exits 1 because the generated history has findings.
  /** @type {Command} */
  const lintCommand = {
    key: 'lint',
    label: '`node dist/cli.js lint --format json <dir>`',
    file: process.execPath,
    args: [cli, 'lint', '--format', 'json', history.dir],
    okCodes: [1],
  };
  const lintWarm = await runOnce(lintCommand, { capture: true, measureRss: gnuTime });
  const lintFindings = JSON.parse(lintWarm.stdout).length;
  console.log(`  lint warm-up: ${formatMs(lintWarm.ms)}, ${lintFindings} findings`);
  const lintTimes = [];
  /** @type {(number | undefined)[]} */
  const lintRss = [lintWarm.rssKiB];
  for (let i = 0; i < lintRuns; i++) {
    // Every run is timed under GNU time too; its fork and exec cost a millisecond of many seconds.
    const outcome = await runOnce(lintCommand, { measureRss: gnuTime });
    lintTimes.push(outcome.ms);
    lintRss.push(outcome.rssKiB);
    console.log(`  lint run ${i + 1}: ${formatMs(outcome.ms)}`);
  }
  const lintPeakKiB = gnuTime ? Math.max(...lintRss.map(Number)) : undefined;

  // Peak RSS of the CLI: the warm-up run plus two more, reporting the largest.
  const cliRss = [];
  for (let i = 0; i < 3; i++) {
    cliRss.push(gnuTime ? (i === 0 ? cliWarm.rssKiB : (await runOnce(cliCommand, { measureRss: true })).rssKiB) : cliRssInProcess(history.dir));
  }
  const cliPeakKiB = Math.max(...cliRss.map(Number));

  const stats = {
    cli: { median: median(times.cli), min: Math.min(...times.cli) },
    alembic: { median: median(times.alembic), min: Math.min(...times.alembic) },
    alembicCold: { median: median(times.alembicCold), min: Math.min(...times.alembicCold) },
    cat: { median: median(times.cat), min: Math.min(...times.cat) },
    lint: { median: median(lintTimes), min: Math.min(...lintTimes) },
  };
  // The issue sets this target for a 10,000-revision history; smaller runs only report the time.
  const lintOk = revisions < 10_000 || stats.lint.median < TARGET_LINT_MS;
  const speedup = stats.alembic.median / stats.cli.median;
  const speedupMin = stats.alembic.min / stats.cli.min;
  const speedupCold = stats.alembicCold.median / stats.cli.median;
  const catRatio = stats.cli.median / stats.cat.median;
  const catRatioMin = stats.cli.min / stats.cat.min;
  const rssMiB = cliPeakKiB / 1024;
  const verdict = (/** @type {boolean} */ ok) => (ok ? 'pass' : '**FAIL**');
  const speedOk = speedup >= TARGET_SPEEDUP_VS_ALEMBIC;
  const catOk = catRatio <= TARGET_RATIO_VS_CAT;
  const rssOk = rssMiB < TARGET_RSS_MIB;

  const rows = [
    [cliCommand, times.cli.length, stats.cli, cliPeakKiB],
    [alembicCommand, times.alembic.length, stats.alembic, alembicWarm.rssKiB],
    [alembicColdCommand, times.alembicCold.length, stats.alembicCold, alembicColdRss],
    [catCommand, times.cat.length, stats.cat, catWarm.rssKiB],
    [lintCommand, lintTimes.length, stats.lint, lintPeakKiB],
  ];
  const table = [
    '| Command | Runs | Median | Min | Peak RSS |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(([command, n, s, rss]) => `| ${command.label} | ${n} | ${formatMs(s.median)} | ${formatMs(s.min)} | ${formatRss(rss)} |`),
  ].join('\n');
  const targets = [
    '| Target | Measured (median; min) | Result |',
    '| --- | --- | --- |',
    `| \`graph\` at least ${TARGET_SPEEDUP_VS_ALEMBIC}× faster than \`alembic heads\` (bytecode cached) | ${speedup.toFixed(1)}×; ${speedupMin.toFixed(1)}× | ${verdict(speedOk)} |`,
    `| (for comparison: vs \`alembic heads\` without bytecode cache) | ${speedupCold.toFixed(1)}× | |`,
    `| \`graph\` within ${TARGET_RATIO_VS_CAT}× of \`cat\` | ${catRatio.toFixed(1)}×; ${catRatioMin.toFixed(1)}× | ${verdict(catOk)} |`,
    `| \`graph\` peak RSS under ${TARGET_RSS_MIB} MiB | ${rssMiB.toFixed(0)} MiB (largest of 3 runs) | ${verdict(rssOk)} |`,
    `| \`graph\` heads equal \`alembic heads\` | ${headsMatch ? 'equal' : 'different'} | ${verdict(correct)} |`,
    `| \`lint\` of the whole history, cold, no cache, under ${formatMs(TARGET_LINT_MS)} on ${os.availableParallelism()} cores | ${formatMs(stats.lint.median)}; ${formatMs(stats.lint.min)} (${lintFindings} findings) | ${revisions === 10_000 ? verdict(lintOk) : 'target is for 10,000 revisions'} |`,
    `| (for comparison: \`lint\` against \`alembic heads\`, bytecode cached, which only imports the files) | ${(stats.lint.median / stats.alembic.median).toFixed(1)}× its time | |`,
  ].join('\n');

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
Load average when the run started: ${loadAverage.toFixed(2)} (other work on the machine makes times noisier).
Peak RSS is GNU time's maximum resident set size${gnuTime ? '' : ' (for the CLI: measured in-process, GNU time was not installed)'}.
The target compares with \`alembic heads\` with its bytecode cache written, as on a developer's machine.

${table}

${targets}
`;

  console.log(`\n${section}`);
  if (!speedOk || !catOk || !rssOk || process.env.BENCH_PROFILE === '1') {
    console.log('CPU profile of one CLI run (self time):');
    console.log(profileCli(history.dir));
  }
  if (writeToDocs) {
    writeDocs(revisions, section);
    console.log('Wrote docs/BENCHMARKS.md.');
  }
  if (!correct) {
    console.error('The CLI and Alembic disagree; the timings above measure a wrong answer.');
    process.exitCode = 1;
  }
}

try {
  await main();
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
