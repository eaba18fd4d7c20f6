import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { listRevisionFiles, loadEnvironment } from '../../server/src/core/config';
import { parseRevisionFile } from '../../server/src/core/parse';
import { RevisionProject } from '../../server/src/core/project/revisionProject';
import { loadLintConfig } from '../../server/src/core/rules/config';
import { worksInText } from '../../server/src/core/rules/downgradePolicy';
import { RULES } from '../../server/src/core/rules/registry';
import { lintEnvironment, type RuleError } from '../../server/src/core/rules/runner';
import type { Finding, SqlParser } from '../../server/src/core/rules/types';
import { loadSqlParser } from '../../server/src/core/sql';
import { decodePythonSource } from '../../server/src/core/scan/decode';
import { chainsOf, findCorpus } from '../helpers/corpus';

/**
 * Every chain of the corpus of real histories (../shared/corpus), linted as a project with no
 * configuration lints it: no rule may throw, every file CPython's `ast.parse` accepts must
 * give no python-syntax finding, and each rule's count must stay within the bounds recorded in
 * precision/bounds.json (by `node precision/run.mjs --write-bounds`, after the findings were
 * labelled in docs/PRECISION.md). A change that floods or silences a rule fails here; if it is
 * intended, run `npm run precision`, label the new sample, and record the bounds again.
 */

const repo = path.resolve(__dirname, '../..');
const corpus = findCorpus(repo);
const bounds = JSON.parse(readFileSync(path.join(repo, 'precision/bounds.json'), 'utf8')) as { rules: Record<string, { min: number; max: number }> };

let sql: SqlParser;
const findings: Finding[] = [];
const ruleErrors: RuleError[] = [];
const files: string[] = [];

beforeAll(async () => {
  if (!corpus) throw new Error('The corpus was not found: put it at ../shared/corpus beside the checkout or set ALEMBIC_PILOT_CORPUS.');
  sql = await loadSqlParser();
  for (const chain of chainsOf(corpus)) {
    const env = loadEnvironment(chain.folder);
    const listed = listRevisionFiles(env);
    files.push(...listed);
    const project = new RevisionProject();
    project.loadFromDisk(listed);
    const config = loadLintConfig(env);
    findings.push(...lintEnvironment(env, project, { settings: config.settings, targets: config.targets, sql, onRuleError: (e) => ruleErrors.push(e) }));
    // Seconds of linting per chain: let the worker answer vitest between chains.
    await new Promise((resolve) => setImmediate(resolve));
  }
}, 300_000);

describe('the corpus of real histories', () => {
  it('is there', () => {
    expect(corpus, 'the corpus at ../shared/corpus or $ALEMBIC_PILOT_CORPUS').toBeDefined();
    expect(files.length).toBeGreaterThan(1700);
  });

  it('lints without a rule failing', () => {
    expect(ruleErrors.map((e) => `${e.rule} on ${e.file}: ${e.error instanceof Error ? e.error.message : String(e.error)}`)).toEqual([]);
  });

  it('gives no python-syntax finding for a file CPython parses', () => {
    const python = inject('alembicPython');
    const script = 'import ast, sys\nfor p in sys.stdin.read().splitlines():\n    try:\n        ast.parse(open(p, "rb").read(), p)\n    except SyntaxError:\n        print(p)\n';
    const r = spawnSync(python, ['-c', script], { input: files.join('\n'), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(r.status, r.stderr).toBe(0);
    const rejected = new Set(r.stdout.split('\n').filter(Boolean));
    const flagged = new Set(findings.filter((f) => f.rule === 'python-syntax').map((f) => f.file));
    expect([...flagged].filter((f) => !rejected.has(f))).toEqual([]);
    // And the other way round: a file CPython refuses is reported.
    expect([...rejected].filter((f) => !flagged.has(f))).toEqual([]);
  });

  it('keeps every rule within its recorded bounds', () => {
    const counts = Object.fromEntries(RULES.map((r) => [r.id, findings.filter((f) => f.rule === r.id).length]));
    for (const rule of RULES) {
      const b = bounds.rules[rule.id];
      expect(b, `precision/bounds.json has no bounds for ${rule.id}; run node precision/run.mjs --write-bounds`).toBeDefined();
      expect(counts[rule.id], `${rule.id}: ${counts[rule.id]} findings, recorded bounds ${b!.min}..${b!.max}`).toBeGreaterThanOrEqual(b!.min);
      expect(counts[rule.id], `${rule.id}: ${counts[rule.id]} findings, recorded bounds ${b!.min}..${b!.max}`).toBeLessThanOrEqual(b!.max);
    }
  });

  it('counts working upgrades and downgrades from the text as the full parse does', async () => {
    const differ: string[] = [];
    for (const [i, file] of files.entries()) {
      if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
      const text = decodePythonSource(readFileSync(file)).text;
      const parsed = parseRevisionFile(file, text);
      for (const direction of ['upgrade', 'downgrade'] as const) {
        const full = parsed.functions.some((f) => f.direction === direction && !f.isEmpty && !f.raisesNotImplemented && !f.alwaysRaises);
        if (full !== worksInText(text, direction)) differ.push(`${path.relative(corpus!, file)} ${direction}`);
      }
    }
    expect(differ).toEqual([]);
  });
});
