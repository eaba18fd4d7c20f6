// `npm run bench`, seed projects: the migration check that ../shared/seeds/003 asks to answer in
// under a second. test/fixtures/seed-projects/003-orchestrator is copied, its prod database
// (PostgreSQL, a throwaway cluster) and its dev database (SQLite) are migrated with the real
// Alembic 1.20, and then, interleaved, each is timed:
//   - `alembic-pilot status --json --url <url> backend` (pg for prod; for SQLite the in-process
//     reader, SQLite's WASM build: neither starts Python, and each run must leave stderr empty,
//     which it would not if it fell back to `alembic current`);
//   - the team's own check, `python scripts/run_migrations.py check` (Alembic's Python API);
//   - `python -m alembic current`.
// The results go to docs/BENCHMARKS.md (section "seeds").
//
// Environment:
//   BENCH_SEEDS_RUNS=N       timed runs of each command (default 10)
//   BENCH_WRITE_DOCS=0       print the results without touching docs/BENCHMARKS.md
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { envInt, GNU_TIME, stateHelpers, timed } from './commands.mjs';
import { formatMs, median, writeDocs } from './report.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_MS = 1000;
const RUNS = envInt('BENCH_SEEDS_RUNS', 10);


async function main() {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-bench-seeds-'));
  const h = await stateHelpers(workDir);
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
      commands.push({ label: `${name}: \`alembic-pilot status --json --url <url> backend\``, file: process.execPath, args: [cli, 'status', '--json', '--url', url, 'backend'], cwd: project, env: base, ours: true, expect: (r) => r.code === 0 && r.stderr === '' && JSON.parse(r.stdout).upToDate === true });
      commands.push({ label: `${name}: \`python scripts/run_migrations.py check\` (the team's script)`, file: python, args: ['scripts/run_migrations.py', 'check'], cwd: backend, env: envFor(url), expect: (r) => r.code === 0 });
      commands.push({ label: `${name}: \`python -m alembic current\``, file: python, args: ['-m', 'alembic', 'current'], cwd: backend, env: envFor(url), expect: (r) => r.code === 0 && r.stdout.includes('003 (head)') });
    }
    // Once untimed: caches written, as on a developer's machine; and every answer checked.
    for (const c of commands) {
      const r = await timed(c.file, c.args, { cwd: c.cwd, env: c.env });
      if (!c.expect(r)) throw new Error(`${c.label} did not answer as expected (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
    const loadAtStart = os.loadavg()[0];
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
    // Each command against `alembic current` on the same database, in this run (wall and CPU medians).
    const currentOf = (j) => commands.findIndex((c) => c.label.startsWith(commands[j].label.split(':')[0]) && c.label.endsWith('`python -m alembic current`'));
    const ratio = (j) => {
      const k = currentOf(j);
      if (k === j) return '1×';
      const wall = median(times[k]) / median(times[j]);
      return cpu[j].length === 0 ? `${wall.toFixed(1)}×` : `${wall.toFixed(1)}× (CPU ${(median(cpu[k]) / median(cpu[j])).toFixed(1)}×)`;
    };
    const rows = commands.map((c, j) => `| ${c.label} | ${RUNS} | ${formatMs(median(times[j]))} | ${formatMs(Math.min(...times[j]))} | ${cpuText(j)} | ${ratio(j)} |`);
    const verdicts = commands
      .map((c, j) => ({ c, ms: median(times[j]) }))
      .filter(({ c }) => c.ours)
      .map(({ c, ms }) => `| ${c.label.split(':')[0]}: answers in under ${TARGET_MS / 1000} s | ${formatMs(ms)} (CPU ${cpuText(commands.indexOf(c))}) | ${ms < TARGET_MS ? 'pass' : '**FAIL**'} |`);
    const section = `## Seed projects: the pending-migrations check of 003-orchestrator

Run on ${new Date().toISOString().slice(0, 10)} with \`npm run bench\` (its part \`node bench/seeds.mjs\`), ${os.cpus().length} cores, Node ${process.version}, Alembic ${alembicVersion}, PostgreSQL 15 (a throwaway cluster on 127.0.0.1).
Load average (1 min) when the timed runs began: ${loadAtStart.toFixed(2)}; when they ended: ${os.loadavg()[0].toFixed(2)}.
\`test/fixtures/seed-projects/003-orchestrator\` at head on both databases; each command must say
so. Its seed (../shared/seeds/003) wants the migration check to answer in under a second.
Neither \`status\` starts Python: PostgreSQL is read through pg, SQLite by SQLite's own WASM
build (dist/sqlite3.js, loaded by the CLI on its first SQLite read) from a consistent copy of the
file, its \`-wal\` and \`-journal\`; each of its runs must leave stderr empty, which a fallback to
\`alembic current\` would not. The last column compares with \`alembic current\` on the same
database in this run. Wall times move with the load of the shared machine; the CPU times much less.

| Command | Runs | Median | Min | CPU (median, user + system) | vs \`alembic current\` |
| --- | ---: | ---: | ---: | ---: | ---: |
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
