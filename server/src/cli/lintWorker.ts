import { parentPort, workerData } from 'node:worker_threads';
import { loadSqlParser } from '../core/sql';
import { takeChunk, type WorkerInit, type WorkerMessage } from './lintPool';
import { LocalLinter } from './lintShare';

/**
 * A worker thread of `alembic-pilot lint`, bundled as dist/lintWorker.js beside dist/cli.js
 * (and libpg-query.wasm, which it loads for itself). It takes chunks from the counter it
 * shares with the other threads until none is left, posts what the first step found in each
 * chunk's files (the graph stays on the main thread), and says when it is done (see lintPool.ts).
 */

const port = parentPort;
if (!port) throw new Error('lintWorker runs only as a worker thread of alembic-pilot lint.');
const { jobs, chunks, next } = workerData as WorkerInit;

function post(message: WorkerMessage): void {
  port!.postMessage(message);
}

loadSqlParser().then(
  (sql) => {
    const linter = new LocalLinter(jobs, sql);
    const counter = new Int32Array(next);
    for (let i = takeChunk(counter); i < chunks.length; i = takeChunk(counter)) {
      try {
        post({ type: 'result', chunk: i, files: linter.lint(chunks[i]!) });
      } catch (e) {
        // Not a rule's error (the runner catches those) but the linter's own: the main thread
        // names the chunk and stops the lint.
        post({ type: 'crashed', chunk: i, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        return;
      }
    }
    post({ type: 'done' });
  },
  (e: unknown) => post({ type: 'no-sql-parser', reason: e instanceof Error ? e.message : String(e) }),
);
