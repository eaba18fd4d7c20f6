import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../../../server/src/core/config';
import { loadLintConfig } from '../../../../server/src/core/rules/config';
import { LOCK_RULES, RULES } from '../../../../server/src/core/rules/registry';
import { DEFAULT_TARGETS } from '../../../../server/src/core/rules/runner';
import type { LintTargets, SqlParser } from '../../../../server/src/core/rules/types';
import { loadSqlParser } from '../../../../server/src/core/sql';
import { parseMarkers, renderFixture } from '../../../helpers/ruleFixtures';

/**
 * The lock rules' fixtures, linted with every rule: `bad*` must show exactly the findings
 * their markers describe (at least one of the folder's rule), `good*` nothing at all. A name
 * carries the targets it is linted for: `-pg10` (postgres-version 10), `-alembic-1.16`
 * (alembic-version), `-check-downgrade`. A folder is an environment with its own alembic.ini,
 * env.py and pyproject.toml, whose `[tool.alembic-pilot]` applies. UPDATE_FIXTURES=1 redraws
 * the markers, to be reviewed in the diff.
 */

const ROOT = path.resolve(__dirname, '../../../fixtures/rules');
const DOCS = path.resolve(__dirname, '../../../../docs/rules');
const update = process.env['UPDATE_FIXTURES'] === '1';
let sql: SqlParser;

beforeAll(async () => {
  sql = await loadSqlParser();
});

function targetsOf(fixture: string): LintTargets {
  if (statSync(fixture).isDirectory()) return loadLintConfig(loadEnvironment(fixture)).targets;
  const name = path.basename(fixture);
  const targets: LintTargets = { ...DEFAULT_TARGETS };
  const pg = /-pg(\d+)/.exec(name);
  if (pg) targets.postgresVersion = Number(pg[1]);
  const alembic = /alembic-(\d+)\.(\d+)(?:\.(\d+))?/.exec(name);
  if (alembic) targets.alembicVersion = [Number(alembic[1]), Number(alembic[2]), Number(alembic[3] ?? 0)];
  if (name.includes('-check-downgrade')) targets.locks = { checkDowngrade: true, startAfter: [], lockTimeout: 'migration' };
  return targets;
}

for (const rule of LOCK_RULES) {
  describe(rule.id, () => {
    it('is registered and documented', () => {
      expect(RULES).toContain(rule);
      expect(existsSync(path.join(DOCS, `${rule.id}.md`)), `docs/rules/${rule.id}.md`).toBe(true);
    });

    const entries = readdirSync(path.join(ROOT, rule.id)).filter((e) => /^(bad|good)/.test(e)).sort();
    it('has a bad and a good fixture', () => {
      expect(entries.some((e) => e.startsWith('bad'))).toBe(true);
      expect(entries.some((e) => e.startsWith('good'))).toBe(true);
    });

    for (const entry of entries) {
      it(entry, () => {
        const fixture = path.join(ROOT, rule.id, entry);
        const results = renderFixture(fixture, { sql, rules: RULES, targets: targetsOf(fixture) });
        if (update) for (const r of results) if (r.actual !== r.expected) writeFileSync(r.file, r.actual);
        for (const r of results) expect(r.actual, path.relative(ROOT, r.file)).toBe(r.expected);
        const found = results.flatMap((r) => parseMarkers(r.expected).markers).map((m) => m.rule);
        if (entry.startsWith('good')) expect(found).toEqual([]);
        else expect(found).toContain(rule.id);
      });
    }
  });
}
