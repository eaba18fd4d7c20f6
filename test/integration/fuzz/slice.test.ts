import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadSeeds, REPO } from '../../fuzz/corpus';
import { fuzzTarget, TARGETS } from '../../fuzz/engine';

/**
 * The normal test run's slice of the fuzzer (`npm run fuzz` is the long run): a few thousand
 * seeded cases per entry point. No exception escapes except the documented ones, and every
 * reported position lies inside its document. A failing case is saved under
 * test-results/fuzz-slice/; `npm run fuzz -- --replay <file>.case.json --target NAME` runs it again.
 *
 * It needs neither PostgreSQL nor Python, but at about 40 s it would double `npm run test:unit`,
 * which is meant to answer in seconds; so it runs in the integration project.
 */

const CASES = Number(process.env.ALEMBIC_PILOT_FUZZ_CASES ?? '2000');
const SAVE_TO = path.join(REPO, 'test-results/fuzz-slice');
const SEED = 20260110;
// A spread of the revision files keeps seed loading quick; every project of the corpus is in it.
const seeds = loadSeeds({ maxPython: 600 });

describe('fuzzing: a seeded slice of the long run', () => {
  it.each(TARGETS.map((t) => [t.name, t] as const))('%s: no exception escapes, every position stays inside its document', async (_name, target) => {
    const report = await fuzzTarget(target, seeds, { cases: CASES, seed: SEED, hugeLineMax: 20_000, saveTo: SAVE_TO });
    expect(report.cases).toBe(CASES);
    expect(report.distinct.map((f) => `${f.count}x ${f.message}\n  case: ${f.case}, saved as ${f.saved}\n  ${f.stack}`)).toEqual([]);
  }, 900_000);
});
