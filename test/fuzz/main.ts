import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadSeeds, REPO } from './corpus';
import { fuzzTarget, readSavedCase, TARGETS, type TargetReport } from './engine';
import { materialize, type Case } from './mutate';

/**
 * `npm run fuzz`: the long run. Every entry point gets `--cases` cases (100,000 by default) from
 * one seed, which is printed so that a run can be repeated. Failing inputs are written to
 * test-results/fuzz/ for reproduction; the summary goes to stdout and, as JSON, to
 * test-results/fuzz/summary.json. The exit code is 1 when any property was violated.
 */

const USAGE = `Usage: npm run fuzz -- [--cases N] [--target NAME[,NAME...]] [--seed N]
  --cases N     cases per entry point (default 100000)
  --target      ${TARGETS.map((t) => t.name).join(', ')} (default: all)
  --seed N      fast-check seed (default: random, printed)
  --out DIR     where the summary and failing cases go (default test-results/fuzz)
  --replay FILE --target NAME
                runs one saved case (test-results/fuzz/*.case.json) or input (*.bin) again`;

/**
 * Runs a saved failing case again and prints what happened and how long it took: a
 * `.case.json` is the case itself (mutations of the same seed files), anything else is taken
 * as the input bytes, unmutated.
 */
async function replay(file: string, name: string | undefined): Promise<number> {
  const target = TARGETS.find((t) => t.name === name);
  if (!target) {
    console.error(USAGE);
    return 2;
  }
  let c: Case;
  let own: Uint8Array[] = [];
  if (file.endsWith('.case.json')) {
    const saved = readSavedCase(readFileSync(file, 'utf8'));
    c = saved.data;
    own = target.seeds(loadSeeds(saved.seedOptions));
  } else {
    c = { origin: { kind: 'bytes', bytes: new Uint8Array(readFileSync(file)) }, mutations: [], loneSurrogate: null };
  }
  const bytes = materialize(c, own);
  await target.prepare?.(own);
  const started = performance.now();
  try {
    const outcome = target.run(c, bytes, own);
    console.log(`${target.name}: passed (${outcome ?? 'no documented error'}) in ${Math.round(performance.now() - started)} ms`);
    return 0;
  } catch (error) {
    console.log(`${target.name}: failed in ${Math.round(performance.now() - started)} ms`);
    console.log(error);
    return 1;
  } finally {
    target.dispose?.();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { cases: { type: 'string' }, target: { type: 'string' }, seed: { type: 'string' }, replay: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.replay !== undefined) return replay(values.replay, values.target);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const cases = Number(values.cases ?? '100000');
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  if (!Number.isInteger(cases) || cases < 1 || !Number.isInteger(seed)) {
    console.error(USAGE);
    return 2;
  }
  const names = values.target?.split(',') ?? TARGETS.map((t) => t.name);
  const unknown = names.filter((n) => !TARGETS.some((t) => t.name === n));
  if (unknown.length > 0) {
    console.error(`Unknown target ${unknown.join(', ')}.\n${USAGE}`);
    return 2;
  }

  const seeds = loadSeeds();
  console.log(`Seeds: ${seeds.python.length} revision files, ${seeds.ini.length} ini, ${seeds.toml.length} pyproject.toml, ${seeds.mako.length} templates, from ${seeds.sources.join(', ')}`);
  console.log(`Seed ${seed}, ${cases} cases per entry point.`);
  const out = path.resolve(values.out ?? path.join(REPO, 'test-results/fuzz'));
  mkdirSync(out, { recursive: true });

  const reports: TargetReport[] = [];
  for (const target of TARGETS.filter((t) => names.includes(t.name))) {
    process.stdout.write(`${target.name}: `);
    const report = await fuzzTarget(target, seeds, {
      cases,
      seed,
      saveTo: out,
      onProgress: () => process.stdout.write('.'),
      onFailure: (f) => process.stdout.write(`\n  found: ${f.message.split('\n')[0]}\n    saved: ${f.saved ? path.relative(process.cwd(), f.saved) : '-'}\n  `),
    });
    reports.push(report);
    const expected = Object.entries(report.expected).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    console.log(
      ` ${report.cases} cases, ${report.failures} failing (${report.distinct.length} distinct), documented errors: ${expected}; ` +
        `${(report.totalMs / 1000).toFixed(1)} s, CPU of the slowest case ${Math.round(report.slowestMs)} ms and of the slowest call ${Math.round(report.slowestCallMs)} ms`,
    );
    for (const f of report.distinct) {
      console.log(`  ${f.count}x ${f.message.split('\n')[0]}\n    case: ${f.case}\n    saved: ${f.saved ? path.relative(process.cwd(), f.saved) : '-'}\n    ${f.stack.split('\n').slice(1, 4).join('\n    ')}`);
    }
  }
  const summary = {
    date: new Date().toISOString(),
    seed,
    casesPerTarget: cases,
    seedSources: seeds.sources,
    targets: reports.map(({ distinct, ...r }) => ({ ...r, distinct: distinct.map((f) => ({ message: f.message, count: f.count, case: f.case, saved: f.saved, bytes: f.bytes.length })) })),
  };
  writeFileSync(path.join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const failing = reports.reduce((n, r) => n + r.failures, 0);
  console.log(failing === 0 ? 'No property violated.' : `${failing} failing cases.`);
  return failing === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
