// `npm run precision`: lints every chain of the corpus of real Alembic histories with the
// bundled CLI, counts findings per rule per chain with the time each lint took, draws a seeded
// random sample of findings per rule, and writes docs/PRECISION.md with the labels a person
// gave each sampled finding after reading it in its file (precision/rules/<rule-id>.json).
//
//   node precision/run.mjs                 lint, sample, write docs/PRECISION.md
//   node precision/run.mjs --reuse         the same from the last lint (precision/.last-run.json)
//   node precision/run.mjs --list RULE     print RULE's sample (unlabelled first) from the last lint
//   node precision/run.mjs --label RULE KEY true|false REASON
//                                          record a label (KEY as --list prints it)
//   node precision/run.mjs --write-bounds  also record the per-rule counts the corpus test holds
//   node precision/run.mjs --check         exit 1 when a default-on rule's sample is unlabelled
//                                          or over the 5% target
//
// A new rule needs nothing here: its findings are counted and sampled as soon as the CLI
// reports them. Give it precision/rules/<rule-id>.json with its criteria for "false" (before
// labelling) and a seed, then label its sample with --list and --label.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { chainsOf, findCorpus } from './corpus.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repo, 'dist', 'cli.js');
const rulesDir = path.join(repo, 'precision', 'rules');
const lastRunFile = path.join(repo, 'precision', '.last-run.json');
const boundsFile = path.join(repo, 'precision', 'bounds.json');
const baselineFile = path.join(repo, 'precision', 'baseline.json');
const docFile = path.join(repo, 'docs', 'PRECISION.md');

/** Findings per rule drawn for labelling (all of them when there are fewer). */
const SAMPLE_SIZE = 20;
/** The most false positives a default-on rule may have in its sample. */
const TARGET = 0.05;

/**
 * The two ways the corpus is linted. `default` is what a team gets with no configuration.
 * `opt-in` also switches on the rules that are off by default and states an Alembic version,
 * so version-gated rules (non-idempotent-op) report; its counts are shown separately.
 */
const PROFILES = /** @type {const} */ (['default', 'opt-in']);

/**
 * @typedef {{ file: string; line: number; column: number; rule: string; severity: string; message: string }} JsonFinding
 * @typedef {{ ms: number; exit: number; findings: JsonFinding[]; stderr: string[] }} ChainRun
 * @typedef {{ id: string; enabled: boolean; level: string; description: string }} RuleInfo
 * @typedef {{ date: string; toolVersion: string; rules: RuleInfo[]; profiles: Record<string, Record<string, ChainRun>>; machine?: string }} LastRun
 * @typedef {{ verdict: 'true' | 'false'; reason: string; msg: string }} Label
 * @typedef {{ seed: number; criteria: string[]; notes?: string[]; earlierDraws?: { seed: number; sampled: number; falsePositives: number; note: string }[]; labels: Record<string, Label> }} RuleFile
 * @typedef {{ key: string; at: string; chain: string; relative: string; finding: JsonFinding; profile: string }} Cited
 */

function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--label') return label(args.slice(1));
  const corpus = findCorpus(repo);
  if (!corpus) fail('The corpus was not found: put it at ../shared/corpus beside the checkout or set ALEMBIC_PILOT_CORPUS.');
  const reuse = (args.includes('--reuse') || args[0] === '--list') && existsSync(lastRunFile);
  const run = reuse ? readJson(lastRunFile) : lintCorpus(corpus);
  if (args[0] === '--list') return list(run, corpus, args[1]);
  const report = analyse(run);
  writeFileSync(docFile, renderDoc(run, report, corpus));
  console.log(`wrote ${path.relative(repo, docFile)}`);
  if (args.includes('--write-bounds')) {
    writeFileSync(boundsFile, `${JSON.stringify(boundsOf(run), null, 2)}\n`);
    console.log(`wrote ${path.relative(repo, boundsFile)}`);
  }
  for (const line of summaryLines(report)) console.log(line);
  if (args.includes('--check') && report.some((r) => r.enabled && (r.unlabelled > 0 || r.rate > TARGET))) process.exitCode = 1;
}

/** @param {string} message @returns {never} */
function fail(message) {
  console.error(message);
  process.exit(2);
}

/** @param {string} file */
function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * Lints each chain under each profile with the bundled CLI and keeps the results in
 * precision/.last-run.json, so that listing and labelling need not lint again.
 * @param {string} corpus
 * @returns {LastRun}
 */
function lintCorpus(corpus) {
  if (!existsSync(cli)) fail('dist/cli.js is missing: run `npm run build` first (npm run precision does).');
  const chains = chainsOf(corpus);
  const rules = ruleList(chains[0].folder);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-precision-'));
  const optIn = path.join(tmp, 'opt-in.toml');
  const switchedOn = rules.filter((r) => !r.enabled).map((r) => `"${r.id}" = "warning"`);
  writeFileSync(optIn, `[tool.alembic-pilot]\nalembic-version = "1.20"\nrules = { ${switchedOn.join(', ')} }\n`);
  /** @type {Record<string, Record<string, ChainRun>>} */
  const profiles = {};
  try {
    for (const profile of PROFILES) {
      profiles[profile] = {};
      for (const chain of chains) {
        const extra = profile === 'opt-in' ? ['--config', optIn] : [];
        const started = performance.now();
        const r = spawnSync(process.execPath, [cli, 'lint', '--format', 'json', ...extra, chain.folder], { cwd: repo, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 600_000 });
        const ms = performance.now() - started;
        if (r.status !== 0 && r.status !== 1) fail(`lint of ${chain.name} (${profile}) exited ${r.status}: ${r.stderr}`);
        profiles[profile][chain.name] = { ms: Math.round(ms), exit: r.status, findings: JSON.parse(r.stdout), stderr: r.stderr.split('\n').filter((l) => l !== '') };
        process.stderr.write(`${profile} ${chain.name}: ${profiles[profile][chain.name].findings.length} findings, ${Math.round(ms)} ms\n`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  /** @type {LastRun} */
  const run = { date: new Date().toISOString().slice(0, 10), toolVersion: toolVersion(), rules, profiles, machine: `${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the end` };
  writeFileSync(lastRunFile, JSON.stringify(run));
  return run;
}

/**
 * Every rule the CLI has, with its default, from the SARIF descriptors of one lint (the
 * registry, as the product ships it).
 * @param {string} folder
 * @returns {RuleInfo[]}
 */
function ruleList(folder) {
  const r = spawnSync(process.execPath, [cli, 'lint', '--format', 'sarif', folder], { cwd: repo, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const log = JSON.parse(r.stdout);
  return log.runs[0].tool.driver.rules.map((/** @type {any} */ d) => ({
    id: d.id,
    enabled: d.defaultConfiguration.enabled !== false,
    level: d.defaultConfiguration.level,
    description: d.shortDescription.text,
  }));
}

function toolVersion() {
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repo, encoding: 'utf8' });
  return `${commit.stdout.trim()}${dirty.stdout.trim() ? ' + uncommitted changes' : ''}`;
}

/**
 * A finding as the doc cites it: `chain/file:line:col`, the file relative to the chain.
 * @param {LastRun} run @param {string} profile
 * @returns {Cited[]}
 */
function cited(run, profile) {
  /** @type {Cited[]} */
  const out = [];
  for (const [chain, result] of Object.entries(run.profiles[profile])) {
    for (const f of result.findings) {
      const inChain = f.file.lastIndexOf(`/${chain}/`);
      const relative = inChain >= 0 ? f.file.slice(inChain + chain.length + 2) : path.basename(f.file);
      // Several findings may start at one place (every enum a downgrade leaves behind), so the
      // key ends with a digest of the message.
      const at = `${chain}/${relative}:${f.line}:${f.column}`;
      out.push({ key: `${at} ${digest(f.message)}`, at, chain, relative, finding: f, profile });
    }
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.finding.message < b.finding.message ? -1 : 1));
}

/** A short digest of a message: a label is stale when the rule's message for the finding changed. @param {string} s */
function digest(s) {
  return createHash('sha1').update(s).digest('hex').slice(0, 8);
}

/**
 * Mulberry32: a small seeded generator, so that a recorded seed redraws the same sample.
 * @param {number} seed
 */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `size` findings drawn without replacement (a partial Fisher-Yates shuffle), in key order.
 * @template T @param {T[]} items @param {number} seed @param {number} size @returns {T[]}
 */
function draw(items, seed, size) {
  const pool = [...items];
  const next = random(seed);
  const n = Math.min(size, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(next() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, n);
}

/** @param {string} rule @returns {RuleFile | undefined} */
function ruleFile(rule) {
  const file = path.join(rulesDir, `${rule}.json`);
  return existsSync(file) ? readJson(file) : undefined;
}

/** The seed of a rule without a file yet: fixed per rule id, so the first draw is repeatable. @param {string} rule */
function defaultSeed(rule) {
  return parseInt(digest(`seed:${rule}`), 16);
}

/**
 * The profile a rule is sampled from: the default one when it reports there, else opt-in.
 * @param {LastRun} run @param {RuleInfo} rule
 */
function profileOf(run, rule) {
  const reports = (/** @type {string} */ profile) => cited(run, profile).some((c) => c.finding.rule === rule.id);
  return reports('default') || !reports('opt-in') ? 'default' : 'opt-in';
}

/**
 * @typedef {{ id: string; enabled: boolean; profile: string; total: number; sample: (Cited & { label?: Label })[]; falsePositives: number; unlabelled: number; rate: number; file: RuleFile | undefined; seed: number }} RuleReport
 * @param {LastRun} run
 * @returns {RuleReport[]}
 */
function analyse(run) {
  return run.rules.map((rule) => {
    const profile = profileOf(run, rule);
    const all = cited(run, profile).filter((c) => c.finding.rule === rule.id);
    const file = ruleFile(rule.id);
    const seed = file?.seed ?? defaultSeed(rule.id);
    const sample = draw(all, seed, SAMPLE_SIZE)
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map((c) => {
        const l = file?.labels[c.key];
        return l && l.msg === digest(c.finding.message) ? { ...c, label: l } : c;
      });
    const labelled = sample.filter((s) => s.label);
    const falsePositives = labelled.filter((s) => s.label?.verdict === 'false').length;
    return {
      id: rule.id,
      enabled: rule.enabled,
      profile,
      total: all.length,
      sample,
      falsePositives,
      unlabelled: sample.length - labelled.length,
      rate: labelled.length === 0 ? 0 : falsePositives / labelled.length,
      file,
      seed,
    };
  });
}

/** @param {RuleReport[]} report */
function summaryLines(report) {
  return report
    .filter((r) => r.total > 0)
    .map((r) => `${r.id.padEnd(30)} ${String(r.total).padStart(5)} findings (${r.profile})  sample ${r.sample.length}  false ${r.falsePositives}  unlabelled ${r.unlabelled}`);
}

/**
 * Prints a rule's sample for labelling: where each finding is and what it says.
 * @param {LastRun} run @param {string} corpus @param {string | undefined} rule
 */
function list(run, corpus, rule) {
  const r = analyse(run).find((x) => x.id === rule);
  if (!r) fail(`no rule ${rule}; rules: ${run.rules.map((x) => x.id).join(', ')}`);
  console.log(`${r.id}: ${r.total} findings in the ${r.profile} profile, seed ${r.seed}, ${r.sample.length} sampled, ${r.unlabelled} unlabelled`);
  const ordered = [...r.sample.filter((s) => !s.label), ...r.sample.filter((s) => s.label)];
  for (const s of ordered) {
    console.log(`\n${s.label ? `[${s.label.verdict}] ` : '[unlabelled] '}${s.key}`);
    console.log(`  ${path.join(corpus, s.chain, s.relative)}:${s.finding.line}`);
    console.log(`  ${s.finding.message}`);
    if (s.label) console.log(`  reason: ${s.label.reason}`);
  }
}

/**
 * Records a label for a finding of the last run (so that the message digest is the current one).
 * @param {string[]} args
 */
function label(args) {
  const [rule, key, verdict, ...reason] = args;
  if (!rule || !key || (verdict !== 'true' && verdict !== 'false') || reason.length === 0) fail('usage: --label RULE KEY true|false REASON');
  if (!existsSync(lastRunFile)) fail('no last run: run `npm run precision` first');
  /** @type {LastRun} */
  const run = readJson(lastRunFile);
  const found = PROFILES.flatMap((p) => cited(run, p)).find((c) => c.key === key && c.finding.rule === rule);
  if (!found) fail(`${key} has no ${rule} finding in the last run`);
  const file = path.join(rulesDir, `${rule}.json`);
  /** @type {RuleFile} */
  const data = existsSync(file) ? readJson(file) : { seed: defaultSeed(rule), criteria: [], labels: {} };
  if (data.criteria.length === 0) fail(`${path.relative(repo, file)} has no criteria: write the rule's criteria for "false" before labelling.`);
  data.labels[key] = { verdict, reason: reason.join(' '), msg: digest(found.finding.message) };
  data.labels = Object.fromEntries(Object.entries(data.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

/**
 * Per-rule bounds for the corpus regression test: the default profile's total per rule, give
 * or take 5% (at least 2), so a change that floods or silences a rule fails the test.
 * @param {LastRun} run
 */
function boundsOf(run) {
  /** @type {Record<string, { min: number; max: number }>} */
  const bounds = {};
  const counts = new Map();
  for (const c of cited(run, 'default')) counts.set(c.finding.rule, (counts.get(c.finding.rule) ?? 0) + 1);
  for (const rule of run.rules) {
    const n = counts.get(rule.id) ?? 0;
    const slack = Math.max(2, Math.ceil(n * 0.05));
    bounds[rule.id] = { min: Math.max(0, n - slack), max: n + slack };
  }
  return { note: 'Written by `node precision/run.mjs --write-bounds` from the default profile; read by test/integration/corpus.test.ts.', rules: bounds };
}

/**
 * What a finding is about, from our own message: the names it puts in backticks (identifiers,
 * never code), or its first words.
 * @param {string} message
 */
function about(message) {
  // Only the identifier of each backticked part (`CREATE INDEX ix_a` gives ix_a), so that no
  // piece of a project's SQL or Python is reproduced.
  const names = [...message.matchAll(/`([^`]{1,80})`/g)]
    .map((m) => m[1])
    .filter((n) => !/^alembic /.test(n))
    .map((n) => n.trim().split(/\s+/).pop())
    .filter((n) => /^[\w.$]+$/.test(n));
  return names.length > 0 ? names.slice(0, 2).map((n) => `\`${n}\``).join(', ') : message.split(/[,(]/)[0].slice(0, 60);
}

/** @param {number} ms */
function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * @param {LastRun} run @param {RuleReport[]} report @param {string} corpus
 */
function renderDoc(run, report, corpus) {
  const chains = chainsOf(corpus);
  const out = [];
  out.push('# Precision on real Alembic histories', '');
  out.push('Written by `npm run precision` (precision/run.mjs); do not edit by hand. Every finding below was');
  out.push('read in its file in the corpus (`../shared/corpus`: 22 chains from 20 open-source projects,');
  out.push('unmodified) and labelled true or false against the rule\'s criteria, which were written before');
  out.push('labelling. Findings are cited as `chain/file:line:column`; no third-party code is quoted.', '');
  out.push(`Linted on ${run.date} with the bundled CLI at ${run.toolVersion}: \`alembic-pilot lint --format json <chain>\`, one`);
  out.push(`process per chain (times include starting Node and loading PostgreSQL's parser${run.machine ? `; ${run.machine}, which the times depend on` : ''}). The **default** profile`);
  out.push('is a project with no configuration. The **opt-in** profile adds `--config` with `alembic-version = "1.20"`');
  out.push('and every rule that is off by default switched on; it is shown for rules that report only there.', '');

  out.push('## Summary', '');
  out.push(`Target: at most ${TARGET * 100}% false positives in the sample of every rule that is on by default.`, '');
  /** @type {{ commit: string; profiles: Record<string, Record<string, number>> } | undefined} */
  const baseline = existsSync(baselineFile) ? readJson(baselineFile) : undefined;
  const before = (/** @type {RuleReport} */ r) => baseline?.profiles[r.profile]?.[r.id] ?? 0;
  if (baseline) out.push(`"Before" is the same lint at ${baseline.commit}, before the rules judged whole functions, dialects and policies (precision/baseline.json).`, '');
  out.push('| rule | on by default | profile | before | findings | sampled | false | false rate | target |');
  out.push('|---|---|---|---:|---:|---:|---:|---:|---|');
  for (const r of report) {
    if (r.total === 0 && before(r) === 0) continue;
    const met = !r.enabled ? 'n/a (opt-in)' : r.total === 0 ? 'met (no findings)' : r.unlabelled > 0 ? `${r.unlabelled} unlabelled` : r.rate <= TARGET ? 'met' : '**not met**';
    out.push(`| [${r.id}](rules/${r.id}.md) | ${r.enabled ? 'yes' : 'no'} | ${r.profile} | ${baseline ? before(r) : ''} | ${r.total} | ${r.sample.length} | ${r.falsePositives} | ${(r.rate * 100).toFixed(0)}% | ${met} |`);
  }
  const silent = report.filter((r) => r.total === 0 && before(r) === 0).map((r) => `\`${r.id}\``);
  if (silent.length > 0) out.push('', `No findings on the corpus: ${silent.join(', ')}.`);

  for (const profile of PROFILES) {
    const runs = run.profiles[profile];
    const rulesHere = [...new Set(Object.values(runs).flatMap((c) => c.findings.map((f) => f.rule)))].sort();
    out.push('', `## Findings per rule per chain (${profile} profile)`, '');
    out.push(`| chain | dialect | time | ${rulesHere.join(' | ')} |`);
    out.push(`|---|---|---:|${rulesHere.map(() => '---:').join('|')}|`);
    let total = 0;
    for (const chain of chains) {
      const c = runs[chain.name];
      total += c.ms;
      const counts = rulesHere.map((id) => c.findings.filter((f) => f.rule === id).length || '');
      out.push(`| ${chain.name} | ${chain.dialect} | ${seconds(c.ms)} | ${counts.join(' | ')} |`);
    }
    const sums = rulesHere.map((id) => Object.values(runs).reduce((n, c) => n + c.findings.filter((f) => f.rule === id).length, 0));
    out.push(`| **all** | | ${seconds(total)} | ${sums.join(' | ')} |`);
    const notes = Object.entries(runs).flatMap(([name, c]) => c.stderr.filter((l) => /failed on|internal error/i.test(l)).map((l) => `${name}: ${l}`));
    if (notes.length > 0) out.push('', 'Rule errors:', '', ...notes.map((n) => `- ${n}`));
  }

  out.push('', '## Labelled samples', '');
  out.push(`Each rule's sample is ${SAMPLE_SIZE} findings (all of them when there are fewer) drawn at random across chains`);
  out.push('with the recorded seed (mulberry32, partial Fisher-Yates over the findings sorted by location).');
  for (const r of report) {
    if (r.total === 0) continue;
    out.push('', `### ${r.id}`, '');
    out.push(`${r.total} findings (${r.profile} profile); seed ${r.seed}; ${r.sample.length} sampled; ${r.falsePositives} false${r.unlabelled ? `; ${r.unlabelled} not labelled yet` : ''}.`, '');
    if (r.file?.criteria.length) {
      out.push('A finding is **false** when:', '');
      for (const c of r.file.criteria) out.push(`- ${c}`);
      out.push('');
    } else out.push('No criteria recorded yet.', '');
    for (const d of r.file?.earlierDraws ?? []) out.push(`Earlier draw: seed ${d.seed}, ${d.falsePositives} false of ${d.sampled}. ${d.note}`, '');
    for (const n of r.file?.notes ?? []) out.push(n, '');
    out.push('| finding | about | label | reason |', '|---|---|---|---|');
    for (const s of r.sample) out.push(`| \`${s.at}\` | ${about(s.finding.message)} | ${s.label ? s.label.verdict : 'unlabelled'} | ${s.label ? s.label.reason.replace(/\|/g, '\\|') : ''} |`);
  }
  return `${out.join('\n')}\n`;
}

main();
