import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../../server/src/core/config';
import { loadLintConfig } from '../../../server/src/core/rules/config';
import { LOCK_RULES, RULES } from '../../../server/src/core/rules/registry';
import { DEFAULT_TARGETS } from '../../../server/src/core/rules/runner';
import type { LintTargets, SqlParser } from '../../../server/src/core/rules/types';
import { loadSqlParser } from '../../../server/src/core/sql';
import { parseMarkers, renderFixture } from '../../helpers/ruleFixtures';

/**
 * Every registered rule's fixtures: `test/fixtures/rules/<rule-id>/bad*` must show exactly the
 * findings their markers describe (and at least one of that rule), `good*` must produce
 * nothing. The list of rules is the registry's, so a rule without fixtures or a doc page fails
 * here, and so does a fixture folder of no rule. A fixture is a `.py` file linted alone or a
 * folder holding an environment, linted with its configuration (its alembic.ini's dialect, its
 * pyproject.toml's [tool.alembic-pilot]). A rule that is off by default is switched on for its
 * own fixtures. A name carries the targets it is linted for: `...-alembic-1.16...` (Alembic
 * version; version-gated rules report nothing while it is unknown), `-pg10` (PostgreSQL
 * version), `-check-downgrade`. The lock rules report on nearly any DDL, so the other rules'
 * fixtures are linted without them, and theirs with every rule. With UPDATE_FIXTURES=1 the
 * fixtures are rewritten with the markers the linter draws, to be reviewed in the diff like any
 * other change.
 */

const ROOT = path.resolve(__dirname, '../../fixtures/rules');
const DOCS = path.resolve(__dirname, '../../../docs/rules');
const update = process.env['UPDATE_FIXTURES'] === '1';
let sql: SqlParser;

beforeAll(async () => {
  sql = await loadSqlParser();
});

function targetsOf(fixture: string): LintTargets {
  const targets: LintTargets = statSync(fixture).isDirectory() ? loadLintConfig(loadEnvironment(fixture)).targets : { ...DEFAULT_TARGETS };
  const name = path.basename(fixture);
  const alembic = /alembic-(\d+)\.(\d+)(?:\.(\d+))?/.exec(name);
  if (alembic) targets.alembicVersion = [Number(alembic[1]), Number(alembic[2]), Number(alembic[3] ?? 0)];
  const pg = /-pg(\d+)/.exec(name);
  if (pg) targets.postgresVersion = Number(pg[1]);
  if (name.includes('-check-downgrade')) targets.locks = { checkDowngrade: true, startAfter: [], lockTimeout: 'migration' };
  return targets;
}

it('every fixture folder belongs to a registered rule', () => {
  expect(readdirSync(ROOT).sort()).toEqual(RULES.map((r) => r.id).sort());
});

for (const rule of RULES) {
  describe(rule.id, () => {
    it('is documented', () => {
      expect(existsSync(path.join(DOCS, `${rule.id}.md`)), `docs/rules/${rule.id}.md`).toBe(true);
    });

    const folder = path.join(ROOT, rule.id);
    const entries = existsSync(folder) ? readdirSync(folder).filter((e) => /^(bad|good)/.test(e)).sort() : [];
    it('has a bad and a good fixture', () => {
      expect(entries.some((e) => e.startsWith('bad')), `test/fixtures/rules/${rule.id}/bad*`).toBe(true);
      expect(entries.some((e) => e.startsWith('good')), `test/fixtures/rules/${rule.id}/good*`).toBe(true);
    });

    for (const entry of entries) {
      it(entry, () => {
        const settings = rule.defaultSeverity === 'off' ? { [rule.id]: 'warning' as const } : {};
        const rules = LOCK_RULES.includes(rule) ? RULES : RULES.filter((r) => !LOCK_RULES.includes(r));
        const fixture = path.join(folder, entry);
        const results = renderFixture(fixture, { sql, settings, rules, targets: targetsOf(fixture) });
        if (update) for (const r of results) if (r.actual !== r.expected) writeFileSync(r.file, r.actual);
        for (const r of results) expect(r.actual, path.relative(ROOT, r.file)).toBe(r.expected);
        const markers = results.flatMap((r) => parseMarkers(r.expected).markers);
        if (entry.startsWith('good')) expect(markers).toEqual([]);
        else expect(markers.map((m) => m.rule)).toContain(rule.id);
      });
    }
  });
}
