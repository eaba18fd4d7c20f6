import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { iniTarget, pyprojectTarget, templateTarget } from './configTargets';
import type { SeedOptions, Seeds } from './corpus';
import { caseArbitrary, describeCase, materialize, type Case } from './mutate';
import { lintTarget, parserTarget, scannerTarget, sqlTarget } from './pythonTargets';
import { calls, cpuMs, type FuzzTarget } from './target';

/** Every entry point, in report order. */
export const TARGETS: readonly FuzzTarget[] = [parserTarget, scannerTarget, sqlTarget, iniTarget, pyprojectTarget, templateTarget, lintTarget];

/** A call that takes more CPU than this counts as a hang: pathological input must be answered within 10 s. */
export const HANG_MS = 10_000;

export interface Failure {
  /** The error's kind and message with digits folded, so one bug is reported once. */
  signature: string;
  message: string;
  /** Where it was thrown, for a first look. */
  stack: string;
  case: string;
  /** The case itself, which `--replay` runs again (with the same seed files). */
  data: Case;
  /** The input that failed. */
  bytes: Uint8Array;
  count: number;
  /** Where the case was saved (`.case.json`, and the input as `.bin` beside it). */
  saved?: string;
}

export interface TargetReport {
  target: string;
  entryPoints: string;
  seeds: number;
  cases: number;
  /** Cases that violated a property; 0 is the goal. */
  failures: number;
  distinct: Failure[];
  /** How often each documented error was the outcome. */
  expected: Record<string, number>;
  /** The most CPU time one case took (all its calls and checks). */
  slowestMs: number;
  slowestCase: string;
  /** The most CPU time one call into the product took, which the hang limit applies to. */
  slowestCallMs: number;
  totalMs: number;
}

export interface RunOptions {
  cases: number;
  seed: number;
  /** The longest huge line a mutation inserts (see caseArbitrary). */
  hugeLineMax?: number;
  /** A folder to save each distinct failing case in, for `npm run fuzz -- --replay`. */
  saveTo?: string;
  onProgress?: (done: number) => void;
  /**
   * Called when a failure of a new kind is found, after it was saved: a long run reports it at
   * once, so that it can be looked into while the run goes on.
   */
  onFailure?: (failure: Failure) => void;
}

function signatureOf(error: unknown): { signature: string; message: string; stack: string } {
  const e = error instanceof Error ? error : new Error(String(error));
  const message = `${e.name}: ${e.message}`;
  const frame = (e.stack ?? '').split('\n').find((l) => /server\/src|dist\//.test(l))?.trim() ?? '';
  return { signature: `${message.replace(/\d+/g, 'N').slice(0, 160)} @ ${frame.replace(/:\d+:\d+\)?$/, '')}`, message, stack: (e.stack ?? message).split('\n').slice(0, 8).join('\n') };
}

/** Fuzzes one target for `cases` cases from `seed`; never throws for a failing case, it records it. */
export async function fuzzTarget(target: FuzzTarget, seeds: Seeds, options: RunOptions): Promise<TargetReport> {
  const own = target.seeds(seeds);
  await target.prepare?.(own);
  const report: TargetReport = {
    target: target.name,
    entryPoints: target.entryPoints,
    seeds: own.length,
    cases: 0,
    failures: 0,
    distinct: [],
    expected: {},
    slowestMs: 0,
    slowestCase: '',
    slowestCallMs: 0,
    totalMs: 0,
  };
  const bySignature = new Map<string, Failure>();
  const record = (error: unknown, c: Case, bytes: Uint8Array): void => {
    report.failures++;
    const { signature, message, stack } = signatureOf(error);
    const known = bySignature.get(signature);
    if (known) {
      known.count++;
      // The smallest input of a kind is the easiest to read.
      if (bytes.length < known.bytes.length) Object.assign(known, { bytes, data: c, case: describeCase(c) });
      return;
    }
    const failure: Failure = { signature, message, stack, case: describeCase(c), data: c, bytes, count: 1 };
    bySignature.set(signature, failure);
    save(failure, bySignature.size);
    options.onFailure?.(failure);
  };
  // Each kind of failure is saved when first found, under the order it was found in, and saved
  // again at the end with the smallest input of its kind.
  const order = new Map<Failure, number>();
  const save = (f: Failure, n: number): void => {
    order.set(f, n);
    if (!options.saveTo) return;
    mkdirSync(options.saveTo, { recursive: true });
    const base = path.join(options.saveTo, `${target.name}-${n}`);
    writeFileSync(`${base}.bin`, f.bytes);
    writeFileSync(`${base}.case.json`, savedCase(f.data, seeds.options));
    f.saved = `${base}.case.json`;
  };
  const started = performance.now();
  const progressEvery = Math.max(1, Math.floor(options.cases / 20));
  try {
    fc.check(
      fc.property(caseArbitrary(own.length, options.hugeLineMax), (c) => {
        const bytes = materialize(c, own);
        calls.longestMs = 0;
        const t0 = cpuMs();
        try {
          const outcome = target.run(c, bytes, own);
          if (outcome) for (const kind of outcome.split(',')) report.expected[kind] = (report.expected[kind] ?? 0) + 1;
        } catch (error) {
          record(error, c, bytes);
        }
        const ms = cpuMs() - t0;
        if (ms > report.slowestMs) {
          report.slowestMs = ms;
          report.slowestCase = `${describeCase(c)} (${bytes.length} bytes)`;
        }
        const callMs = calls.longestMs > 0 ? calls.longestMs : ms;
        report.slowestCallMs = Math.max(report.slowestCallMs, callMs);
        if (callMs > HANG_MS) record(new Error(`one call took ${Math.round(callMs)} ms (limit ${HANG_MS} ms)`), c, bytes);
        report.cases++;
        if (report.cases % progressEvery === 0) options.onProgress?.(report.cases);
        return true;
      }),
      { numRuns: options.cases, seed: options.seed },
    );
  } finally {
    target.dispose?.();
  }
  report.totalMs = performance.now() - started;
  report.distinct = [...bySignature.values()].sort((a, b) => b.count - a.count);
  for (const f of report.distinct) save(f, order.get(f)!);
  return report;
}

/** A case as JSON, random bytes as base64, with the options its seed files were loaded with. */
function savedCase(c: Case, seedOptions: SeedOptions): string {
  const origin = c.origin.kind === 'bytes' ? { kind: 'bytes', base64: Buffer.from(c.origin.bytes).toString('base64') } : c.origin;
  return JSON.stringify({ seedOptions, data: { ...c, origin } }, null, 1);
}

export function readSavedCase(text: string): { seedOptions: SeedOptions; data: Case } {
  const saved = JSON.parse(text) as { seedOptions: SeedOptions; data: Case & { origin: { base64?: string } } };
  const c = saved.data;
  const data: Case = c.origin.base64 !== undefined ? { ...c, origin: { kind: 'bytes', bytes: new Uint8Array(Buffer.from(c.origin.base64, 'base64')) } } : c;
  return { seedOptions: saved.seedOptions, data };
}
