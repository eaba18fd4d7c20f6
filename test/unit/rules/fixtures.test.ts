import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCK_RULES, RULES } from '../../../server/src/core/rules/registry';
import { hasTransactionalDdl } from '../../../server/src/core/dialect';
import type { Idempotency, LintTargets, SqlParser } from '../../../server/src/core/rules/types';
import { loadSqlParser } from '../../../server/src/core/sql';
import { parseMarkers, renderFixture } from '../../helpers/ruleFixtures';

/**
 * Every registered rule's fixtures: `test/fixtures/rules/<rule-id>/bad*` must show exactly the
 * findings their markers describe (and at least one of that rule), `good*` must produce
 * nothing. The list of rules is the registry's, so a rule without fixtures or a doc page fails
 * here, and so does a fixture folder of no rule. A fixture is a `.py` file linted alone or a
 * folder holding an environment (whose pyproject.toml may hold [tool.alembic-pilot]). A rule
 * that is off by default is switched on for its own fixtures. A fixture's name may set targets:
 * `...-alembic-1.16...` lints it for that Alembic version (version-gated rules report nothing
 * while it is unknown), `...-idempotency-everywhere...`, `...-dialect-mysql...`, `-pg10`
 * (PostgreSQL version) and `-check-downgrade` set those. The lock rules report on nearly any
 * DDL, so the other rules' fixtures are linted without them, and theirs with every rule. With
 * UPDATE_FIXTURES=1 the fixtures are rewritten with the markers the linter draws, to be
 * reviewed in the diff like any other change.
 */

const ROOT = path.resolve(__dirname, '../../fixtures/rules');
const DOCS = path.resolve(__dirname, '../../../docs/rules');
const update = process.env['UPDATE_FIXTURES'] === '1';
let sql: SqlParser;

beforeAll(async () => {
  sql = await loadSqlParser();
});

/** Targets a fixture's name sets: `alembic-1.16`, `idempotency-everywhere`, `dialect-mysql`, `pg10`, `check-downgrade`. */
function targetsOf(entry: string): Partial<LintTargets> {
  const out: Partial<LintTargets> = {};
  const version = /alembic-(\d+)\.(\d+)(?:\.(\d+))?/.exec(entry);
  if (version) out.alembicVersion = [Number(version[1]), Number(version[2]), Number(version[3] ?? 0)];
  const idempotency = /idempotency-(auto|everywhere|off)/.exec(entry);
  if (idempotency) out.idempotency = idempotency[1] as Idempotency;
  const dialect = /dialect-([a-z]+)/.exec(entry);
  if (dialect) out.dialect = { name: dialect[1]!, source: 'setting', transactionalDdl: hasTransactionalDdl(dialect[1]!) };
  const pg = /-pg(\d+)/.exec(entry);
  if (pg) out.postgresVersion = Number(pg[1]);
  if (entry.includes('-check-downgrade')) out.locks = { checkDowngrade: true, startAfter: [], lockTimeout: 'migration' };
  return out;
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
        const results = renderFixture(path.join(folder, entry), { sql, settings, rules, overrides: targetsOf(entry) });
        if (update) for (const r of results) if (r.actual !== r.expected) writeFileSync(r.file, r.actual);
        for (const r of results) expect(r.actual, path.relative(ROOT, r.file)).toBe(r.expected);
        const markers = results.flatMap((r) => parseMarkers(r.expected).markers);
        if (entry.startsWith('good')) expect(markers).toEqual([]);
        else expect(markers.map((m) => m.rule)).toContain(rule.id);
      });
    }
  });
}
