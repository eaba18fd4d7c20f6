import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../server/src/cli/io';
import { chunksOf, lintInParallel, MIN_FILES_FOR_WORKERS, threadCount } from '../../../server/src/cli/lintPool';
import { sqlParserUnavailable, type Chunk, type LintJobSpec, type LocalFileLint } from '../../../server/src/cli/lintShare';

/**
 * `lint` on several threads: how many, how the files are cut into chunks, and how results and
 * failures come back. The workers here are small scripts that speak the protocol of
 * server/src/cli/lintWorker.ts and the main thread's share is a stand-in, so that each test
 * controls what every thread does; the real worker is tested through the bundled CLI in
 * test/integration/lint-cli.test.ts.
 */

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-pool-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a CommonJS worker script: `parentPort` and `workerData` in scope, then `source`. */
function fakeWorker(name: string, source: string): string {
  const file = path.join(dir, `${name}.js`);
  writeFileSync(file, `const { parentPort, workerData } = require('node:worker_threads');\n${source}\n`);
  return file;
}

/**
 * Takes chunks from the shared counter as lintWorker.ts does, and runs `onChunk` (a function
 * body over `i`, the chunk's index, and `chunk`) on each; then says it is done. Once it has
 * taken a chunk it leaves the file `takenMarker(name)`, for which {@link echo} can wait.
 */
function chunkWorker(name: string, onChunk: string): string {
  return fakeWorker(
    name,
    `const counter = new Int32Array(workerData.next);
for (let i = Atomics.add(counter, 0, 1); i < workerData.chunks.length; i = Atomics.add(counter, 0, 1)) {
  const chunk = workerData.chunks[i];
  require('node:fs').writeFileSync(${JSON.stringify(takenMarker(name))}, '');
  ${onChunk}
}
parentPort.postMessage({ type: 'done' });`,
  );
}

function takenMarker(name: string): string {
  return path.join(dir, `${name}.taken`);
}

/** One result per file of the chunk, naming the thread that made it and the job's section. */
const ECHO = `
const at = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
const files = chunk.files.map((file) => ({
  file, hash: 'h', dependent: [], problems: [], hasDirectives: false,
  findings: [{ rule: 'missing-downgrade', severity: 'warning', message: 'worker of ' + workerData.jobs[chunk.job].env.section, file, range: at }],
}));
parentPort.postMessage({ type: 'result', chunk: i, files });`;

/**
 * The main thread's share, as ECHO. With `waitFor`, its first chunk waits until that file
 * exists: until a worker has taken a chunk, so that both threads surely take part.
 */
function echo(jobs: readonly LintJobSpec[], waitFor?: string): (chunk: Chunk) => LocalFileLint[] {
  const at = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
  let waited = waitFor === undefined;
  return (chunk) => {
    if (!waited) {
      waitForFile(waitFor!);
      waited = true;
    }
    return chunk.files.map((file) => ({
      file,
      hash: 'h',
      dependent: [],
      problems: [],
      hasDirectives: false,
      findings: [{ rule: 'missing-downgrade', severity: 'warning', message: `main of ${jobs[chunk.job]!.env.section}`, file, range: at }],
    }));
  };
}

/** Polls for a file while blocking this thread, as the main thread's share of a lint does. */
function waitForFile(file: string): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const started = Date.now(); !existsSync(file); Atomics.wait(pause, 0, 0, 10)) {
    if (Date.now() - started > 30_000) throw new Error(`no worker linted a chunk within 30 s (${file} is missing)`);
  }
}

function job(section: string, files: string[]): LintJobSpec {
  const env = {
    configFile: `/project/${section}/alembic.ini`,
    section,
    here: `/project/${section}`,
    versionLocations: [],
    recursiveVersionLocations: false,
    fileTemplate: '%(rev)s_%(slug)s',
    truncateSlugLength: 40,
    prependSysPath: [],
    problems: [],
  };
  return { env, files, settings: {}, targets: { alembicVersion: undefined, postgresVersion: 14 } };
}

/** Files of one environment in a load order that is not their sorted order. */
function files(section: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `/project/${section}/versions/${String((i * 7) % n).padStart(3, '0')}.py`);
}

describe('threadCount', () => {
  it.each<[string, number | undefined, number, number]>([
    ['few files stay on the main thread', undefined, MIN_FILES_FOR_WORKERS - 1, 1],
    ['enough files use every core', undefined, MIN_FILES_FOR_WORKERS, os.availableParallelism()],
    ['--jobs is taken as asked', 3, 10, 3],
    ['--jobs 1 means the main thread alone', 1, 10_000, 1],
    ['never more threads than files', 8, 2, 2],
    ['no file still means one thread', undefined, 0, 1],
  ])('%s', (_, requested, n, expected) => {
    expect(threadCount(requested, n)).toBe(expected);
  });
});

describe('chunksOf', () => {
  it('covers every file once, in load order, and never mixes environments', () => {
    const toLint = [files('a', 100), [], files('b', 37)];
    const chunks = chunksOf(toLint, 2);
    expect(toLint.map((_, j) => chunks.filter((c) => c.job === j).flatMap((c) => c.files))).toEqual(toLint);
    expect(chunks.map((c) => c.job)).toEqual(chunks.map((c) => c.job).sort((a, b) => a - b));
    expect(Math.max(...chunks.map((c) => c.files.length))).toBeLessThanOrEqual(32);
    expect(chunks.length).toBeGreaterThan(4);
  });
});

describe('lintInParallel', () => {
  const toLint = [files('a', 60), files('b', 45)];
  const jobs = [job('a', toLint[0]!), job('b', toLint[1]!)];

  function run(script: string, threads: number, lintHere = echo(jobs)): Promise<LocalFileLint[][]> {
    return lintInParallel({ script, threads, jobs, chunks: chunksOf(toLint, threads), lintHere });
  }

  it('returns every chunk in chunk order, whichever thread linted it', async () => {
    const one = (await run(path.join(dir, 'never-started.js'), 1)).flat();
    const two = (await run(chunkWorker('echo', ECHO), 2, echo(jobs, takenMarker('echo')))).flat();
    expect(new Set(two.map((r) => r.findings[0]!.message.split(' ')[0])), 'both threads took chunks').toEqual(new Set(['main', 'worker']));
    for (const results of [one, two]) {
      expect(results.map((r) => r.file)).toEqual(toLint.flat());
      expect(results.map((r) => r.findings[0]!.message.split(' of ')[1])).toEqual(toLint.flatMap((list, j) => list.map(() => (j === 0 ? 'a' : 'b'))));
    }
  });

  it('lets the main thread work while the workers start', async () => {
    const order: string[] = [];
    await lintInParallel({
      script: chunkWorker('echo-meanwhile', ECHO),
      threads: 2,
      jobs,
      chunks: chunksOf(toLint, 2),
      meanwhile: () => void order.push('meanwhile'),
      lintHere: (chunk) => {
        order.push('chunk');
        return echo(jobs)(chunk);
      },
    });
    expect(order[0]).toBe('meanwhile');
  });

  it('rejects when a worker cannot load the SQL parser, as the main thread would', async () => {
    const script = fakeWorker('no-sql', `parentPort.postMessage({ type: 'no-sql-parser', reason: 'no wasm here' });`);
    await expect(run(script, 2)).rejects.toThrow(sqlParserUnavailable('no wasm here').message);
  });

  // The worker fails whether or not it gets a chunk; the main thread waits for every worker.
  it.each<[string, () => string, RegExp]>([
    ['throws while starting', () => fakeWorker('throws', `throw new Error('broken bundle');`), /^a lint worker failed: Error: broken bundle/],
    ['exits without a word', () => fakeWorker('quits', `process.exit(0);`), /^a lint worker stopped with exit code 0 before it was done\.$/],
    ['is missing', () => path.join(dir, 'nosuch.js'), /^a lint worker failed: .*nosuch\.js/s],
  ])('rejects with a usage error when a worker %s', async (_, script, message) => {
    const outcome = run(script(), 2);
    await expect(outcome).rejects.toBeInstanceOf(UsageError);
    await expect(outcome).rejects.toThrow(message);
  });

  // The worker fails on a chunk; the main thread waits until it has taken one.
  it.each<[string, string, RegExp]>([
    [
      'crashes on a chunk, naming where',
      `parentPort.postMessage({ type: 'crashed', chunk: i, error: 'Error: parser crashed' }); return;`,
      /^a lint worker failed while linting \/project\/[ab]\/versions\/\d+\.py or one of the \d+ files after it: Error: parser crashed$/,
    ],
    ['exits in the middle', `process.exit(3);`, /^a lint worker stopped with exit code 3 before it was done\.$/],
  ])('rejects with a usage error when a worker %s', async (name, onChunk, message) => {
    const worker = name.split(' ')[0]!;
    const outcome = run(chunkWorker(worker, onChunk), 2, echo(jobs, takenMarker(worker)));
    await expect(outcome).rejects.toBeInstanceOf(UsageError);
    await expect(outcome).rejects.toThrow(message);
  });
});
