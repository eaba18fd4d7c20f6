// `npm run bench`, third part: how fast the database state is read, against Alembic's own
// `alembic current` on the same database, in one run. It starts its own throwaway PostgreSQL
// (the test harness's code), migrates a copy of migrations-sample to its heads with the real
// Alembic 1.20, then times:
//   - a state refresh in-process through pg (the extension's VersionStateReader on its pooled
//     connection, as the view's refresh does), against `python -m alembic current`;
//   - the `alembic-pilot status` CLI (a new process each time), against the same.
// The results go to docs/BENCHMARKS.md (section "state").
//
// Environment:
//   BENCH_STATE_RUNS=N       timed runs of each process (default 10)
//   BENCH_STATE_READS=N      timed in-process refreshes (default 200)
//   BENCH_WRITE_DOCS=0       print the results without touching docs/BENCHMARKS.md
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { envInt, GNU_TIME, stateHelpers, timed } from './commands.mjs';
import { formatMs, median, writeDocs } from './report.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_REFRESH = 20;
const TARGET_STATUS = 4;

const RUNS = envInt('BENCH_STATE_RUNS', 10);
const READS = envInt('BENCH_STATE_READS', 200);

async function main() {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-bench-state-'));
  const h = await stateHelpers(workDir);
  const [python, server] = await Promise.all([h.alembicPython(), h.startPostgres()]);
  const reader = new h.VersionStateReader();
  try {
    const alembicVersion = await h.alembicVersionOf(python);
    const url = await h.createDatabase(server.url, 'bench_state');
    const sample = path.join(workDir, 'sample');
    cpSync(path.join(repo, 'migrations-sample'), sample, { recursive: true });
    const pyEnv = { ...process.env, DATABASE_URL: url };
    const alembic = (args) => timed(python, ['-m', 'alembic', '-c', path.join(sample, 'alembic.ini'), ...args], { cwd: sample, env: pyEnv });
    const up = await alembic(['upgrade', 'heads']);
    if (up.code !== 0) throw new Error(`alembic upgrade heads failed:\n${up.stderr}`);

    // Alembic's answer, once untimed (it also writes the bytecode cache, as on a developer's machine).
    const reference = await alembic(['current']);
    if (reference.code !== 0) throw new Error(`alembic current failed:\n${reference.stderr}`);
    const expected = reference.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter(Boolean).sort();

    const target = h.pgTarget(url, { env: process.env });
    const table = h.versionTableFor(undefined, undefined);
    const coldStart = performance.now();
    const first = await reader.read(target, table);
    const coldMs = performance.now() - coldStart;
    if (JSON.stringify(first.current) !== JSON.stringify(expected)) throw new Error(`pg read ${first.current} but alembic current printed ${expected}`);
    const refresh = [];
    for (let i = 0; i < READS; i++) {
      const t = performance.now();
      await reader.read(target, table);
      refresh.push(performance.now() - t);
    }

    const cli = path.join(repo, 'dist', 'cli.js');
    const statusArgs = [cli, 'status', '--json', '--url', url, sample];
    const warm = await timed(process.execPath, statusArgs, { cwd: sample });
    if (warm.code !== 0) throw new Error(`status exited ${warm.code}:\n${warm.stderr}`);
    if (JSON.stringify(JSON.parse(warm.stdout).current) !== JSON.stringify(expected)) throw new Error(`status printed ${warm.stdout}`);

    // Interleaved, so that a burst of other work on the machine hits both sides alike.
    const current = [];
    const status = [];
    const currentCpu = [];
    const statusCpu = [];
    const cpuDir = existsSync(GNU_TIME) ? workDir : undefined;
    for (let i = 0; i < RUNS; i++) {
      const a = await timed(python, ['-m', 'alembic', '-c', path.join(sample, 'alembic.ini'), 'current'], { cwd: sample, env: pyEnv }, cpuDir);
      const s = await timed(process.execPath, statusArgs, { cwd: sample }, cpuDir);
      if (a.code !== 0 || s.code !== 0) throw new Error(`a timed run failed:\n${a.stderr}\n${s.stderr}`);
      current.push(a.ms);
      status.push(s.ms);
      if (a.cpuMs !== undefined) currentCpu.push(a.cpuMs);
      if (s.cpuMs !== undefined) statusCpu.push(s.cpuMs);
    }

    const currentMs = median(current);
    const refreshMs = median(refresh);
    const statusMs = median(status);
    const refreshX = currentMs / refreshMs;
    const statusX = currentMs / statusMs;
    const cpu = (values) => (values.length === 0 ? 'n/a' : formatMs(median(values)));
    const cpuRatio = currentCpu.length > 0 && statusCpu.length > 0 ? `${(median(currentCpu) / median(statusCpu)).toFixed(1)}×` : 'n/a';
    const verdict = (ok) => (ok ? 'pass' : '**FAIL**');
    const section = `## Database state: pg against \`alembic current\`

Run on ${new Date().toISOString().slice(0, 10)} with \`npm run bench\` (its third part, \`node bench/state.mjs\`), ${os.cpus().length} cores, Node ${process.version}, Alembic ${alembicVersion}, PostgreSQL 15 (a throwaway cluster on 127.0.0.1).
Load average when the run ended: ${os.loadavg()[0].toFixed(2)}.
The database is a copy of migrations-sample upgraded to its two heads; every reader must answer
${expected.join(', ')}. \`alembic current\` runs with its bytecode cache written, as on a developer's machine.

| What | Runs | Median | Min | CPU (median, user + system) |
| --- | ---: | ---: | ---: | ---: |
| State refresh in-process through pg (pooled connection, \`VersionStateReader.read\`) | ${READS} | ${refreshMs.toFixed(2)} ms | ${Math.min(...refresh).toFixed(2)} ms | |
| (its first read, connecting) | 1 | ${coldMs.toFixed(1)} ms | | |
| \`node dist/cli.js status --json --url <url> <dir>\` | ${RUNS} | ${formatMs(statusMs)} | ${formatMs(Math.min(...status))} | ${cpu(statusCpu)} |
| \`python -m alembic -c <dir>/alembic.ini current\` | ${RUNS} | ${formatMs(currentMs)} | ${formatMs(Math.min(...current))} | ${cpu(currentCpu)} |

| Target | Measured (medians of wall time) | Result |
| --- | --- | --- |
| State refresh at least ${TARGET_REFRESH}× faster than \`alembic current\` | ${refreshX.toFixed(0)}× | ${verdict(refreshX >= TARGET_REFRESH)} |
| \`status\` CLI at least ${TARGET_STATUS}× faster than \`alembic current\` | ${statusX.toFixed(1)}× (CPU time: ${cpuRatio}) | ${verdict(statusX >= TARGET_STATUS)} |
`;
    console.log(section);
    if (process.env.BENCH_WRITE_DOCS !== '0') writeDocs('state', section);
    if (refreshX < TARGET_REFRESH || statusX < TARGET_STATUS) process.exitCode = 1;
  } finally {
    await reader.close();
    await server.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
