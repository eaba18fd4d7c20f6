import { Worker } from 'node:worker_threads';
import { UsageError } from './io';
import { sqlParserUnavailable, type Chunk, type LintJobSpec, type LocalFileLint } from './lintShare';

export { MIN_FILES_FOR_WORKERS, threadCount } from './threads';

/**
 * The first step of `lint` (each file without the graph, see lintShare.ts) on several
 * threads. The files are cut into chunks up front; every thread, the main one included, takes
 * the next chunk from a counter they share until none is left, so a thread slowed by other
 * work on the machine simply takes fewer. The workers (dist/lintWorker.js, from
 * server/src/cli/lintWorker.ts) post each chunk's result back by its index, so the results
 * come out in chunk order whichever thread made them.
 */

/** What a worker receives as `workerData`. */
export interface WorkerInit {
  jobs: readonly LintJobSpec[];
  chunks: readonly Chunk[];
  /** One Int32: the index of the next chunk to take. */
  next: SharedArrayBuffer;
}

/** What a worker posts: a result per chunk it took, then `done`; or why it cannot go on. */
export type WorkerMessage =
  | { type: 'result'; chunk: number; files: LocalFileLint[] }
  | { type: 'done' }
  | { type: 'no-sql-parser'; reason: string }
  | { type: 'crashed'; chunk: number; error: string };

/** Takes the next chunk: its index, or one past the last when none is left. */
export function takeChunk(next: Int32Array): number {
  return Atomics.add(next, 0, 1);
}

/**
 * Cuts each job's files into chunks in load order; chunks never mix jobs, so that a thread
 * builds each job's project once. About sixteen chunks per thread keep every thread busy to
 * the end, and a cap keeps a chunk short next to the whole run.
 */
export function chunksOf(toLint: readonly (readonly string[])[], threads: number): Chunk[] {
  const total = toLint.reduce((n, files) => n + files.length, 0);
  const size = Math.min(32, Math.max(1, Math.ceil(total / (threads * 16))));
  const chunks: Chunk[] = [];
  toLint.forEach((files, job) => {
    for (let i = 0; i < files.length; i += size) chunks.push({ job, files: files.slice(i, i + size) });
  });
  return chunks;
}

export interface ParallelLint {
  /** The worker script (dist/lintWorker.js). */
  script: string;
  /** Threads in all; the main thread is one of them, so `threads - 1` workers start. */
  threads: number;
  jobs: readonly LintJobSpec[];
  chunks: readonly Chunk[];
  /** Lints a chunk on the main thread. */
  lintHere(chunk: Chunk): LocalFileLint[];
  /**
   * Work the main thread does once the workers are started and before it takes chunks itself,
   * such as building the graph, which only the main thread needs.
   */
  meanwhile?: () => void | Promise<void>;
}

/**
 * Lints every chunk on `threads` threads and returns each chunk's results, in chunk order. A
 * worker that fails to start, throws, stops early or cannot load the SQL parser stops the lint
 * with a UsageError (exit code 2) that says why.
 */
export async function lintInParallel(opts: ParallelLint): Promise<LocalFileLint[][]> {
  const { chunks } = opts;
  const shared = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  const next = new Int32Array(shared);
  const results: LocalFileLint[][] = [];
  const workers = new Workers(opts, shared, results);
  try {
    await opts.meanwhile?.();
    for (let i = takeChunk(next); i < chunks.length && !workers.failure; i = takeChunk(next)) {
      results[i] = opts.lintHere(chunks[i]!);
      // Lets worker messages in, so that a failing worker stops the main thread early too.
      if (workers.count > 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await workers.finished;
  } finally {
    workers.stop();
  }
  return chunks.map((_, i) => {
    const r = results[i];
    if (!r) throw new Error(`chunk ${i} of the lint was never linted`);
    return r;
  });
}

/** The worker threads of one lint: their results go into `results`, their failure stops them all. */
class Workers {
  /** Resolves when every worker is done; rejects with the first failure. */
  readonly finished: Promise<void>;
  failure: Error | undefined;
  private readonly workers: Worker[] = [];
  private running = 0;
  private settle: { resolve(): void; reject(e: Error): void } | undefined;

  constructor(
    private readonly opts: ParallelLint,
    next: SharedArrayBuffer,
    private readonly results: LocalFileLint[][],
  ) {
    this.finished = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // The failure is also read from `failure`; this keeps one that comes while the main thread
    // is still linting from being reported as an unhandled rejection.
    this.finished.catch(() => undefined);
    const workerData: WorkerInit = { jobs: opts.jobs, chunks: opts.chunks, next };
    for (let i = 1; i < opts.threads && !this.failure; i++) {
      try {
        this.watch(new Worker(opts.script, { workerData }));
      } catch (e) {
        this.fail(new UsageError(`cannot start a lint worker (${opts.script}): ${(e as Error).message}`));
      }
    }
    if (this.running === 0 && !this.failure) this.settle!.resolve();
  }

  get count(): number {
    return this.workers.length;
  }

  stop(): void {
    for (const w of this.workers) void w.terminate();
  }

  private watch(worker: Worker): void {
    this.workers.push(worker);
    this.running += 1;
    let done = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'result') this.results[m.chunk] = m.files;
      else if (m.type === 'no-sql-parser') this.fail(sqlParserUnavailable(m.reason));
      else if (m.type === 'crashed') this.fail(new UsageError(`a lint worker failed while linting ${this.where(m.chunk)}: ${m.error}`));
      else {
        done = true;
        this.running -= 1;
        if (this.running === 0 && !this.failure) this.settle!.resolve();
      }
    });
    worker.on('error', (e: Error) => this.fail(new UsageError(`a lint worker failed: ${e.stack ?? e.message}`)));
    worker.on('messageerror', (e: Error) => this.fail(new UsageError(`a lint worker sent a message that cannot be read: ${e.message}`)));
    worker.on('exit', (code) => {
      if (!done) this.fail(new UsageError(`a lint worker stopped with exit code ${code} before it was done.`));
    });
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.stop();
    this.settle!.reject(error);
  }

  private where(chunk: number): string {
    const files = this.opts.chunks[chunk]?.files ?? [];
    return files.length > 1 ? `${files[0]} or one of the ${files.length - 1} files after it` : String(files[0]);
  }
}
