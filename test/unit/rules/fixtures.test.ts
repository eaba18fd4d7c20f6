import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RULES } from '../../../server/src/core/rules/registry';
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
 * while it is unknown), `...-idempotency-everywhere...` and `...-dialect-mysql...` set those. With UPDATE_FIXTURES=1 the fixtures are rewritten with the markers the
 * linter draws, to be reviewed in the diff like any other change.
 */

const ROOT = path.resolve(__dirname, '../../fixtures/rules');
const DOCS = path.resolve(__dirname, '../../../docs/rules');
const update = process.env['UPDATE_FIXTURES'] === '1';
let sql: SqlParser;

beforeAll(async () => {
  sql = await loadSqlParser();
});

/** Targets a fixture's name sets: `alembic-1.16`, `idempotency-everywhere`, `dialect-mysql`. */
function targetsOf(entry: string): Partial<LintTargets> {
  const out: Partial<LintTargets> = {};
  const version = /alembic-(\d+)\.(\d+)(?:\.(\d+))?/.exec(entry);
  if (version) out.alembicVersion = [Number(version[1]), Number(version[2]), Number(version[3] ?? 0)];
  const idempotency = /idempotency-(auto|everywhere|off)/.exec(entry);
  if (idempotency) out.idempotency = idempotency[1] as Idempotency;
  const dialect = /dialect-([a-z]+)/.exec(entry);
  if (dialect) out.dialect = { name: dialect[1]!, source: 'setting', transactionalDdl: hasTransactionalDdl(dialect[1]!) };
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
        const results = renderFixture(path.join(folder, entry), { sql, settings, overrides: targetsOf(entry) });
        if (update) for (const r of results) if (r.actual !== r.expected) writeFileSync(r.file, r.actual);
        for (const r of results) expect(r.actual, path.relative(ROOT, r.file)).toBe(r.expected);
        const markers = results.flatMap((r) => parseMarkers(r.expected).markers);
        if (entry.startsWith('good')) expect(markers).toEqual([]);
        else expect(markers.map((m) => m.rule)).toContain(rule.id);
      });
    }
  });
}
