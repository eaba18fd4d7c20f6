import { describe, expect, it } from 'vitest';
import type { ConfigProblem } from '../../../server/src/core/types';
import { editorLintSettings } from '../../../server/src/lsp/settings';

/** The `alembicPilot` section as clients send it, turned into lint settings. */

const cases: { name: string; section: unknown; settings: object; problems: number }[] = [
  { name: 'unset values from VS Code', section: { rules: {}, alembicVersion: '', postgresVersion: null }, settings: { rules: {} }, problems: 0 },
  { name: 'a full section', section: { rules: { 'missing-downgrade': 'error' }, alembicVersion: '1.13', postgresVersion: 15 }, settings: { rules: { 'missing-downgrade': 'error' }, alembicVersion: [1, 13, 0], postgresVersion: 15 }, problems: 0 },
  { name: 'a bad severity and an unknown rule', section: { rules: { 'missing-downgrade': 'loud', nope: 'off' } }, settings: { rules: {} }, problems: 2 },
  { name: 'a bad version', section: { postgresVersion: 'fifteen', alembicVersion: 3 }, settings: {}, problems: 2 },
  { name: 'no section at all', section: null, settings: {}, problems: 0 },
];

describe('editorLintSettings', () => {
  for (const c of cases) {
    it(c.name, () => {
      const problems: ConfigProblem[] = [];
      expect(editorLintSettings(c.section, '/p/alembic.ini', problems)).toEqual(c.settings);
      expect(problems).toHaveLength(c.problems);
      for (const p of problems) expect(p.message).toMatch(/^Setting alembicPilot\.\w+ \(for \/p\/alembic\.ini\): /);
    });
  }
});
