import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCK_RULES, RULES } from '../../../server/src/core/rules/registry';
import { DEFAULT_TARGETS } from '../../../server/src/core/rules/runner';
import type { LintTargets, RuleId, SqlParser } from '../../../server/src/core/rules/types';
import { loadSqlParser } from '../../../server/src/core/sql';
import { parseMarkers, renderFixture } from '../../helpers/ruleFixtures';

/**
 * Every rule's fixtures: `test/fixtures/rules/<rule-id>/bad*` must show exactly the findings
 * their markers describe (and at least one of that rule), `good*` must produce nothing. A
 * fixture is a `.py` file linted alone or a folder holding an environment. With
 * UPDATE_FIXTURES=1 the fixtures are rewritten with the markers the linter draws, to be
 * reviewed in the diff like any other change. A fixture named `...-alembic-1.16...` is linted
 * for that Alembic version (version-gated rules report nothing while it is unknown).
 */

const ROOT = path.resolve(__dirname, '../../fixtures/rules');
const DOCS = path.resolve(__dirname, '../../../docs/rules');
const update = process.env['UPDATE_FIXTURES'] === '1';
let sql: SqlParser;

beforeAll(async () => {
  sql = await loadSqlParser();
});

// The SQL rules' fixtures have their own test (test/unit/rules/sql), which lints them with
// the SQL parser and the opt-in rules switched on; running them here too would let two
// UPDATE_FIXTURES runs redraw the same files from different settings.
const sqlRules = new Set(RULES.filter((r) => r.needsSql).map((r) => r.id));
// The lock rules report on nearly any DDL; their own fixture test lints with them.
const rules = RULES.filter((r) => !LOCK_RULES.includes(r));

function targetsOf(entry: string): { targets?: LintTargets } {
  const m = /alembic-(\d+)\.(\d+)(?:\.(\d+))?/.exec(entry);
  return m ? { targets: { ...DEFAULT_TARGETS, alembicVersion: [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] } } : {};
}

for (const rule of readdirSync(ROOT).sort()) {
  if (sqlRules.has(rule as RuleId)) continue;
  describe(rule, () => {
    it('is registered and documented', () => {
      expect(RULES.map((r) => r.id)).toContain(rule);
      expect(existsSync(path.join(DOCS, `${rule}.md`)), `docs/rules/${rule}.md`).toBe(true);
    });

    const entries = readdirSync(path.join(ROOT, rule)).filter((e) => /^(bad|good)/.test(e)).sort();
    it('has a bad and a good fixture', () => {
      expect(entries.some((e) => e.startsWith('bad'))).toBe(true);
      expect(entries.some((e) => e.startsWith('good'))).toBe(true);
    });

    for (const entry of entries) {
      it(entry, () => {
        const results = renderFixture(path.join(ROOT, rule, entry), { sql, rules, ...targetsOf(entry) });
        if (update) for (const r of results) if (r.actual !== r.expected) writeFileSync(r.file, r.actual);
        for (const r of results) expect(r.actual, path.relative(ROOT, r.file)).toBe(r.expected);
        const markers = results.flatMap((r) => parseMarkers(r.expected).markers);
        if (entry.startsWith('good')) expect(markers).toEqual([]);
        else expect(markers.map((m) => m.rule)).toContain(rule);
      });
    }
  });
}
