import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listRevisionFiles, loadEnvironment, type AlembicEnvironment } from '../../../server/src/core/config';
import { parseRevisionFile } from '../../../server/src/core/parse';
import { headerOf, lazyRevisionFile } from '../../../server/src/core/parse/lazyRevisionFile';
import { RevisionProject } from '../../../server/src/core/project/revisionProject';
import { byRule, finishLint, localOutcomes, runRule, runRules } from '../../../server/src/core/rules/phases';
import { DEFAULT_TARGETS, lintFile, type LintOptions } from '../../../server/src/core/rules/runner';
import type { Rule, RuleId, SqlParser } from '../../../server/src/core/rules/types';
import { loadSqlParser } from '../../../server/src/core/sql';
import { bareEnvironment, parseMarkers } from '../../helpers/ruleFixtures';

/**
 * Linting in two steps (core/rules/phases.ts) must give exactly what linting in one gives:
 * the first step without the graph, keeping only the local outcomes (what `lint --cache` and
 * the language server keep), then the second with the graph, on a file that is parsed only if
 * a rule reads past its header. Checked on every rule fixture.
 */

const FIXTURES = path.resolve(__dirname, '../../fixtures/rules');

/**
 * The rules that read the graph. Every other rule is cached by `lint --cache` and kept by the
 * language server across header edits; one that starts reading the graph (or anything else
 * outside the file and the settings) still gives correct results, but is computed again for
 * every file on every run, so it should be a decision, made here.
 */
const GRAPH_RULES: ReadonlySet<RuleId> = new Set<RuleId>([
  'python-syntax',
  'unknown-down-revision',
  'unknown-dependency',
  'duplicate-revision',
  'revision-cycle',
  'branch-label-conflict',
  'multiple-heads',
  'revision-header-mismatch',
]);

/**
 * Rules that read the graph only in some files, by design: missing-downgrade asks for the
 * environment's downgrade policy (counted over the history) only when the file has a finding to
 * report and the setting does not give the policy; the lock rules read the ancestry only when
 * `lock-rules-start-after` is set, and column-type-change looks an old column type up in the
 * history only when the call does not say it (`existing_type`).
 */
const SOMETIMES_GRAPH_RULES: ReadonlySet<RuleId> = new Set<RuleId>(['missing-downgrade', 'column-type-change']);
const LOCK_RULES_START_AFTER = /\/(?:bad|good)-start-after$/;

interface Case {
  name: string;
  env: AlembicEnvironment;
  files: { file: string; text: string }[];
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const rule of readdirSync(FIXTURES)) {
    for (const entry of readdirSync(path.join(FIXTURES, rule))) {
      const at = path.join(FIXTURES, rule, entry);
      if (statSync(at).isDirectory()) {
        const env = loadEnvironment(at);
        out.push({ name: `${rule}/${entry}`, env, files: listRevisionFiles(env).map((file) => ({ file, text: parseMarkers(readFileSync(file, 'utf8')).stripped })) });
      } else if (entry.endsWith('.py')) {
        out.push({ name: `${rule}/${entry}`, env: bareEnvironment(path.dirname(at)), files: [{ file: at, text: parseMarkers(readFileSync(at, 'utf8')).stripped }] });
      }
    }
  }
  return out;
}

let sql: SqlParser;
beforeAll(async () => {
  sql = await loadSqlParser();
});

function options(): LintOptions {
  return { settings: { 'seed-insert-without-conflict': 'warning' }, targets: DEFAULT_TARGETS, sql };
}

describe('two steps give what one gives', () => {
  it.each(cases().map((c) => [c.name, c] as const))('%s', (_, c) => {
    const project = new RevisionProject(parseRevisionFile);
    for (const f of c.files) project.updateFile(f.file, f.text);
    for (const f of c.files) {
      const full = parseRevisionFile(f.file, f.text);
      const once = lintFile(full, c.env, project, options());
      const first = runRules(parseRevisionFile(f.file, f.text), c.env, undefined, options());
      const dependent = first.filter((o) => o.dependent).map((o) => o.rule);
      const allowed = (r: RuleId): boolean => GRAPH_RULES.has(r) || SOMETIMES_GRAPH_RULES.has(r) || LOCK_RULES_START_AFTER.test(c.name);
      expect(dependent.filter((r) => !allowed(r)), `rules that read more than the file in ${c.name}`).toEqual([]);
      let parsed = 0;
      const lazy = lazyRevisionFile(headerOf(full), f.text, (t) => {
        parsed += 1;
        return parseRevisionFile(f.file, t);
      });
      const twice = finishLint(lazy, byRule(localOutcomes(first)), c.env, project, options());
      expect(twice).toEqual(once);
      if (dependent.every((r) => GRAPH_RULES.has(r))) expect(parsed, 'the graph rules read only the header').toBe(0);
    }
  });
});

describe('what a rule reads decides whether its outcome is kept', () => {
  const env = bareEnvironment(path.resolve('/project'));
  const file = parseRevisionFile(path.resolve('/project/a.py'), 'revision = "a"\ndown_revision = None\n');
  const project = new RevisionProject(parseRevisionFile);
  project.updateFile(file.path, file.text);
  const opts = { settings: {}, targets: DEFAULT_TARGETS, sql: undefined };
  const rule = (check: Rule['check']): Rule => ({ id: 'missing-downgrade', defaultSeverity: 'warning', description: '', check });
  const at = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };

  it('the file, the environment, the targets and the SQL parser: local', () => {
    const o = runRule(rule((ctx) => ctx.report({ range: at, message: `${ctx.file.path} ${ctx.env.section} ${ctx.targets.postgresVersion} ${String(ctx.sql)}` })), file, env, undefined, opts);
    expect(o.dependent).toBe(false);
    expect(o.findings).toHaveLength(1);
  });

  it('the graph: dependent, and stopped (with nothing kept) where there is no graph', () => {
    const reads = rule((ctx) => ctx.report({ range: at, message: String(ctx.project.script.map.heads.length) }));
    expect(runRule(reads, file, env, undefined, opts)).toEqual({ rule: 'missing-downgrade', findings: [], dependent: true });
    const withGraph = runRule(reads, file, env, project, opts);
    expect(withGraph.dependent).toBe(true);
    expect(withGraph.findings.map((f) => f.message)).toEqual(['1']);
  });

  it('the graph, with the stop swallowed: still dependent, nothing kept', () => {
    const swallows = rule((ctx) => {
      try {
        void ctx.project;
      } catch {
        // A rule that catches everything must not turn a graph read into a local result.
      }
      ctx.report({ range: at, message: 'guess' });
    });
    expect(runRule(swallows, file, env, undefined, opts)).toEqual({ rule: 'missing-downgrade', findings: [], dependent: true });
  });

  it('a context field it does not know: dependent', () => {
    const reads = rule((ctx) => void (ctx as unknown as Record<string, unknown>)['somethingNew']);
    expect(runRule(reads, file, env, project, opts).dependent).toBe(true);
  });

  it('a rule that throws: dependent, so its error is reported on every run', () => {
    const o = runRule(rule(() => {
      throw new Error('bug');
    }), file, env, undefined, opts);
    expect(o.dependent).toBe(true);
    expect(o.failure?.error).toEqual(new Error('bug'));
  });
});
