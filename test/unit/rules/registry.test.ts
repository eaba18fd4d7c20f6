import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULE_BY_ID, RULES } from '../../../server/src/core/rules/registry';

/**
 * The registry is the one list of rules; the other places that name every rule are derived
 * from it and checked here: the doc pages, and the settings schema of `alembicPilot.rules` in
 * package.json, whose properties give VS Code the rule ids to complete. With UPDATE_MANIFEST=1
 * the schema is rewritten from the registry.
 */

const ROOT = path.resolve(__dirname, '../../..');
const SEVERITIES = ['error', 'warning', 'info', 'hint', 'off'];

describe('the rule registry', () => {
  it('keys each rule by its own id', () => {
    for (const [key, rule] of Object.entries(RULE_BY_ID)) expect(rule.id).toBe(key);
  });

  it('has a doc page per rule and no page of a rule it lacks', () => {
    const pages = readdirSync(path.join(ROOT, 'docs/rules')).filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -3));
    expect(pages.sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  it('is the settings schema of alembicPilot.rules', () => {
    const file = path.join(ROOT, 'package.json');
    const text = readFileSync(file, 'utf8');
    const manifest = JSON.parse(text) as { contributes: { configuration: { properties: Record<string, { properties?: unknown }> } } };
    const setting = manifest.contributes.configuration.properties['alembicPilot.rules']!;
    const expected = Object.fromEntries(
      RULES.map((r) => [
        r.id,
        { type: 'string', enum: SEVERITIES, markdownDescription: `${r.description} Default: \`${r.defaultSeverity}\`.` },
      ]),
    );
    if (process.env['UPDATE_MANIFEST'] === '1' && JSON.stringify(setting.properties) !== JSON.stringify(expected)) {
      setting.properties = expected;
      writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
    }
    expect(setting.properties, 'run UPDATE_MANIFEST=1 npx vitest run test/unit/rules/registry.test.ts').toEqual(expected);
  });
});
