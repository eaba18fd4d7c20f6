import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RULES } from '../../../../server/src/core/rules/registry';
import type { SqlParser } from '../../../../server/src/core/rules/types';
import { loadSqlParser } from '../../../../server/src/core/sql';
import { parseMarkers, renderFixture } from '../../../helpers/ruleFixtures';
import { RULES_WITHOUT_LOCKS, SQL_RULES } from './sqlRules';

/**
 * The SQL rules' fixtures, linted with every registered rule plus the SQL rules (which the
 * registry may not list yet), so the markers stay right once they are registered. The opt-in
 * seed rule is switched on for its own fixtures only. UPDATE_FIXTURES=1 redraws the markers.
 */

const ROOT = path.resolve(__dirname, '../../../fixtures/rules');
const update = process.env['UPDATE_FIXTURES'] === '1';
let sql: SqlParser;

beforeAll(async () => {
  sql = await loadSqlParser();
});

const rules = RULES_WITHOUT_LOCKS;

for (const rule of SQL_RULES) {
  describe(rule.id, () => {
    it('is registered and documented', () => {
      expect(RULES).toContain(rule);
      expect(existsSync(path.resolve(ROOT, `../../../docs/rules/${rule.id}.md`)), `docs/rules/${rule.id}.md`).toBe(true);
    });

    const entries = readdirSync(path.join(ROOT, rule.id)).filter((e) => /^(bad|good)/.test(e)).sort();
    for (const entry of entries) {
      it(entry, () => {
        const settings = rule.defaultSeverity === 'off' ? { [rule.id]: 'warning' as const } : {};
        const results = renderFixture(path.join(ROOT, rule.id, entry), { sql, rules, settings });
        if (update) for (const r of results) if (r.actual !== r.expected) writeFileSync(r.file, r.actual);
        for (const r of results) expect(r.actual, path.relative(ROOT, r.file)).toBe(r.expected);
        const found = results.flatMap((r) => parseMarkers(r.expected).markers).map((m) => m.rule);
        if (entry.startsWith('good')) expect(found).toEqual([]);
        else expect(found).toContain(rule.id);
      });
    }
  });
}
