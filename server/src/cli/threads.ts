import { availableParallelism } from 'node:os';

// How many threads `lint` uses. Kept apart from the pool so that the CLI's help text can name
// the threshold without loading the linter (and the Python parser) for every command.

/**
 * Fewer files to lint than this stay on the main thread. Each worker starts its own copy of
 * everything (the bundle, the SQL parser, the project of the whole history) and warms up its
 * own JIT: on two cores, two threads took as long as one on 500 generated revisions (about
 * 2.3 s) and were faster from there on (2.7 s against 4.0 s on 1,000).
 */
export const MIN_FILES_FOR_WORKERS = 500;

/**
 * How many threads lint `files` files, the main thread included: `requested` (`--jobs`) when
 * given, else every core once there are enough files to pay for the workers. Never more than
 * one per file.
 */
export function threadCount(requested: number | undefined, files: number): number {
  const wanted = requested ?? (files >= MIN_FILES_FOR_WORKERS ? availableParallelism() : 1);
  return Math.max(1, Math.min(wanted, files));
}
