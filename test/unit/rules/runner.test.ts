import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingDowngrade } from '../../../server/src/core/rules/missing-downgrade';
import { unusedSuppression } from '../../../server/src/core/rules/unused-suppression';
import type { Rule } from '../../../server/src/core/rules/types';
import { lintFixtureText } from '../../helpers/ruleFixtures';

/** The runner's own duties, on small texts: severities, isolation of a throwing rule, suppressions. */

const file = path.resolve('runner-fixture.py');
const head = 'revision = "aa0000000001"\ndown_revision = None\n\ndef upgrade():\n    op.drop_table("t")\n';

const throwing: Rule = {
  id: 'non-idempotent-op',
  defaultSeverity: 'error',
  description: 'always throws',
  check() {
    throw new Error('boom');
  },
};

describe('runner', () => {
  it('applies a configured severity', () => {
    const out = lintFixtureText(`${head}\ndef downgrade():\n    pass\n`, { rules: [missingDowngrade], settings: { 'missing-downgrade': 'error' } }, file);
    expect(out).toContain('#   ^^^^^^^^^ error[missing-downgrade]: downgrade() does nothing');
  });

  it('skips a rule that is off', () => {
    const text = `${head}\ndef downgrade():\n    pass\n`;
    expect(lintFixtureText(text, { rules: [missingDowngrade], settings: { 'missing-downgrade': 'off' } }, file)).toBe(text);
  });

  it('reports a throwing rule and keeps the others', () => {
    expect(() => lintFixtureText(`${head}\ndef downgrade():\n    pass\n`, { rules: [throwing, missingDowngrade] }, file)).toThrow(/non-idempotent-op on .*: Error: boom/);
  });

  it.each([
    ['a trailing comment', 'def downgrade():  # alembic-pilot: ignore[missing-downgrade]\n    pass\n'],
    ['a comment on the line above', '# alembic-pilot: ignore[missing-downgrade]\n# why: the table was archived\ndef downgrade():\n    pass\n'],
    ['a bare ignore', 'def downgrade():  # alembic-pilot: ignore\n    pass\n'],
    ['an ignore-file comment', 'def downgrade():\n    pass\n\n# alembic-pilot: ignore-file[missing-downgrade]\n'],
  ])('honours %s', (_, tail) => {
    const text = `${head}\n${tail}`;
    expect(lintFixtureText(text, { rules: [missingDowngrade, unusedSuppression] }, file)).toBe(text);
  });

  it('does not let a comment two lines up suppress', () => {
    const text = `${head}\n# alembic-pilot: ignore[missing-downgrade]\nx = 1\ndef downgrade():\n    pass\n`;
    const out = lintFixtureText(text, { rules: [missingDowngrade, unusedSuppression] }, file);
    expect(out).toContain('warning[missing-downgrade]');
    expect(out).toContain('info[unused-suppression]');
  });

  it('does not report suppressions of rules that did not run', () => {
    const text = `${head}\n# alembic-pilot: ignore[sql-syntax]\ndef downgrade():  # alembic-pilot: ignore[missing-downgrade]\n    pass\n`;
    expect(lintFixtureText(text, { rules: [missingDowngrade, unusedSuppression] }, file)).toBe(text);
  });

  it('ignores a suppression look-alike inside a string', () => {
    const text = `${head}\ndef downgrade():\n    x = "# alembic-pilot: ignore"\n    pass\n`;
    expect(lintFixtureText(text, { rules: [missingDowngrade, unusedSuppression] }, file)).toBe(text);
  });
});
