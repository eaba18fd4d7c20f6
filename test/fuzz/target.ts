import type { Seeds } from './corpus';
import type { Case } from './mutate';

/**
 * One entry point under fuzzing. `run` feeds it one case and checks the properties: it returns
 * normally (with the name of a documented error the entry point threw, if any) when the case
 * passed, and throws when a property is violated: an unexpected exception escaped, a position
 * lies outside its document, or two answers that must agree do not.
 */
export interface FuzzTarget {
  name: string;
  /** The product functions this target calls, for the report. */
  entryPoints: string;
  /** The typed errors callers of these entry points handle, by name, for the report. */
  expectedErrors: readonly string[];
  /** The seed files this target mutates. */
  seeds(seeds: Seeds): Uint8Array[];
  /** One-time set-up (loading PostgreSQL's parser, a temporary folder), before any case. */
  prepare?(seeds: Uint8Array[]): Promise<void>;
  run(c: Case, bytes: Uint8Array, seeds: readonly Uint8Array[]): string | undefined;
  dispose?(): void;
}

/** A property violation that is not an escaped exception, such as two parses that disagree. */
export class Disagreement extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Disagreement';
  }
}

/**
 * The longest single call into the product during the current case. A case may call an entry
 * point several times (the parser target parses three times), and the hang limit is about one
 * call; targets that do not time their calls are judged by the whole case.
 */
export const calls = { longestMs: 0 };

/**
 * Runs one call into the product and remembers how much CPU it took: on a machine shared with
 * other work, the CPU a call spends is its own, where its wall time is not.
 */
export function timed<T>(work: () => T): T {
  const started = cpuMs();
  try {
    return work();
  } finally {
    calls.longestMs = Math.max(calls.longestMs, cpuMs() - started);
  }
}

/** This process's user and system CPU time so far, in milliseconds. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
