// `npm run bench`, seed projects: the migration check that ../shared/seeds/003 asks to answer in
// under a second. test/fixtures/seed-projects/003-orchestrator is copied, its prod database
// (PostgreSQL, a throwaway cluster) and its dev database (SQLite) are migrated with the real
// Alembic 1.20, and then, interleaved, each is timed:
//   - `alembic-pilot status --json --url <url> backend` (pg for prod; `alembic current` through
//     the runner for SQLite, which needs Python);
//   - the team's own check, `python scripts/run_migrations.py check` (Alembic's Python API);
//   - `python -m alembic current`.
// The results go to docs/BENCHMARKS.md (section "seeds").
//
// Environment:
//   BENCH_SEEDS_RUNS=N       timed runs of each command (default 10)
//   BENCH_WRITE_DOCS=0       print the results without touching docs/BENCHMARKS.md
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { formatMs, median, writeDocs } from './report.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_MS = 1000;
const RUNS = Number(process.env.BENCH_SEEDS_RUNS ?? 10);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`BENCH_SEEDS_RUNS must be a positive integer, not '${process.env.BENCH_SEEDS_RUNS}'.`);

const GNU_TIME = '/usr/bin/time';
let cpuFiles = 0;

/**
 * Runs a program with an argument array: wall time, output, exit code, and with `cpuDir` its CPU
 * time (user + system, from GNU time), which other work on a shared machine disturbs much less.
 */
function timed(file, args, options, cpuDir) {
  return new Promise((resolve, reject) => {
    const cpuFile = cpuDir === undefined ? undefined : path.join(cpuDir, `cpu-${cpuFiles++}`);
    const [program, argv] = cpuFile === undefined ? [file, args] : [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, file, ...args]];
    const started = performance.now();
    const child = spawn(program, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const cpuMs = cpuFile === undefined ? undefined : readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).reduce((sum, v) => sum + Number(v) * 1000, 0);
      resolve({ ms, cpuMs, code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

async function helpers(workDir) {
  const bundle = path.join(workDir, 'state-helpers.cjs');
  await esbuild.build({ entryPoints: [path.join(repo, 'bench', 'stateHelpers.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
  return createRequire(import.meta.url)(bundle);
}

async function main() {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-bench-seeds-'));
  const h = await helpers(workDir);
  const [python, server] = await Promise.all([h.alembicPython(), h.startPostgres()]);
  try {
    const alembicVersion = await h.alembicVersionOf(python);
    const prodUrl = await h.createDatabase(server.url, 'bench_seed_prod');
    const project = path.join(workDir, '003-orchestrator');
    cpSync(path.join(repo, 'test', 'fixtures', 'seed-projects', '003-orchestrator'), project, { recursive: true });
    const backend = path.join(project, 'backend');
    const devUrl = 'sqlite:///orchestrator_dev.db';
    // A developer's shell: the venv active, so the CLI finds `alembic` on PATH for SQLite.
    const base = { ...process.env, PATH: `${path.dirname(python)}${path.delimiter}${process.env.PATH ?? ''}` };
    delete base.DATABASE_URL;
    const envFor = (url) => ({ ...base, DATABASE_URL: url });
    for (const url of [prodUrl, devUrl]) {
      const up = await timed(python, ['-m', 'alembic', 'upgrade', 'head'], { cwd: backend, env: envFor(url) });
      if (up.code !== 0) throw new Error(`alembic upgrade head failed on ${url.split(':')[0]}:\n${up.stderr}`);
    }
    const cli = path.join(repo, 'dist', 'cli.js');
    const commands = [];
    for (const [name, url] of [['prod (PostgreSQL)', prodUrl], ['dev (SQLite)', devUrl]]) {
      commands.push({ label: `${name}: \`alembic-pilot status --json --url <url> backend\``, file: process.execPath, args: [cli, 'status', '--json', '--url', url, 'backend'], cwd: project, env: base, ours: true, expect: (r) => r.code === 0 && JSON.parse(r.stdout).upToDate === true });
      commands.push({ label: `${name}: \`python scripts/run_migrations.py check\` (the team's script)`, file: python, args: ['scripts/run_migrations.py', 'check'], cwd: backend, env: envFor(url), expect: (r) => r.code === 0 });
      commands.push({ label: `${name}: \`python -m alembic current\``, file: python, args: ['-m', 'alembic', 'current'], cwd: backend, env: envFor(url), expect: (r) => r.code === 0 && r.stdout.includes('003 (head)') });
    }
    // Once untimed: caches written, as on a developer's machine; and every answer checked.
    for (const c of commands) {
      const r = await timed(c.file, c.args, { cwd: c.cwd, env: c.env });
      if (!c.expect(r)) throw new Error(`${c.label} did not answer as expected (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
    const times = commands.map(() => []);
    const cpu = commands.map(() => []);
    const cpuDir = existsSync(GNU_TIME) ? workDir : undefined;
    // Interleaved, so that a burst of other work on the machine hits every command alike.
    for (let i = 0; i < RUNS; i++) {
      for (const [j, c] of commands.entries()) {
        const r = await timed(c.file, c.args, { cwd: c.cwd, env: c.env }, cpuDir);
        if (!c.expect(r)) throw new Error(`${c.label} failed during the timed runs:\n${r.stderr}`);
        times[j].push(r.ms);
        if (r.cpuMs !== undefined) cpu[j].push(r.cpuMs);
      }
    }
    const cpuText = (j) => (cpu[j].length === 0 ? 'n/a' : formatMs(median(cpu[j])));
    const rows = commands.map((c, j) => `| ${c.label} | ${RUNS} | ${formatMs(median(times[j]))} | ${formatMs(Math.min(...times[j]))} | ${cpuText(j)} |`);
    const verdicts = commands
      .map((c, j) => ({ c, ms: median(times[j]) }))
      .filter(({ c }) => c.ours)
      .map(({ c, ms }) => `| ${c.label.split(':')[0]}: answers in under ${TARGET_MS / 1000} s | ${formatMs(ms)} (CPU ${cpuText(commands.indexOf(c))}) | ${ms < TARGET_MS ? 'pass' : '**FAIL**'} |`);
    const section = `## Seed projects: the pending-migrations check of 003-orchestrator

Run on ${new Date().toISOString().slice(0, 10)} with \`npm run bench\` (its part \`node bench/seeds.mjs\`), ${os.cpus().length} cores, Node ${process.version}, Alembic ${alembicVersion}, PostgreSQL 15 (a throwaway cluster on 127.0.0.1).
Load average when the run ended: ${os.loadavg()[0].toFixed(2)}.
\`test/fixtures/seed-projects/003-orchestrator\` at head on both databases; each command must say
so. Its seed (../shared/seeds/003) wants the migration check to answer in under a second.
SQLite has no reader here but Alembic itself, so \`status\` runs \`alembic current\` there and
cannot be faster than Python starting Alembic; PostgreSQL is read through pg without Python.

| Command | Runs | Median | Min | CPU (median, user + system) |
| --- | ---: | ---: | ---: | ---: |
${rows.join('\n')}

| Target | Measured (median wall time) | Result |
| --- | --- | --- |
${verdicts.join('\n')}
`;
    console.log(section);
    if (process.env.BENCH_WRITE_DOCS !== '0') writeDocs('seeds', section);
  } finally {
    await server.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
