// `node bench/parser-throughput.mjs`: how fast Python source can be parsed on this machine,
// which bounds how fast any whole-history lint can be. It parses the first 2,000 revision files
// of the 10,000-revision bench history (bench/history.mjs) with @lezer/python, the parser the
// linter uses, and with CPython's own C parser (`ast.parse`, through python3), three rounds
// each, and prints MB/s per round. Nothing is written to docs/BENCHMARKS.md.
//
// Environment:
//   BENCH_PYTHON=path   the Python interpreter to time (default: python3)
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parser } from '@lezer/python';
import { ensureHistory } from './history.mjs';

const FILES = 2000;
const ROUNDS = 3;

const history = ensureHistory(10_000);
const names = readdirSync(history.versions)
  .filter((f) => f.endsWith('.py'))
  .sort()
  .slice(0, FILES)
  .map((f) => path.join(history.versions, f));
const texts = names.map((f) => readFileSync(f, 'utf8'));
const bytes = names.reduce((sum, f) => sum + readFileSync(f).length, 0);
console.log(`${names.length} files, ${(bytes / 1e6).toFixed(1)} MB, from ${history.versions}`);

for (let round = 1; round <= ROUNDS; round++) {
  const started = performance.now();
  for (const text of texts) parser.parse(text);
  const s = (performance.now() - started) / 1000;
  console.log(`@lezer/python  round ${round}: ${(s * 1000).toFixed(0)} ms, ${(bytes / 1e6 / s).toFixed(2)} MB/s`);
}

// The file list goes to Python on stdin, so no path is ever part of a command line.
const script = `
import ast, sys, time
files = sys.stdin.read().split("\\n")
texts = [open(f, encoding="utf-8").read() for f in files]
size = sum(len(open(f, "rb").read()) for f in files)
for r in range(${ROUNDS}):
    t = time.perf_counter()
    for x in texts:
        ast.parse(x)
    s = time.perf_counter() - t
    print(f"CPython ast.parse round {r + 1}: {s * 1000:.0f} ms, {size / 1e6 / s:.2f} MB/s")
`;
const python = process.env.BENCH_PYTHON ?? 'python3';
const result = spawnSync(python, ['-c', script], { input: names.join('\n'), encoding: 'utf8' });
if (result.status !== 0) {
  console.error(`${python} failed: ${result.error?.message ?? result.stderr}`);
  process.exitCode = 1;
} else {
  process.stdout.write(result.stdout);
}
