import path from 'node:path';
import { parseRevisionFile } from '../../server/src/core/parse';
import { RevisionProject } from '../../server/src/core/project/revisionProject';
import { RULE_BY_ID } from '../../server/src/core/rules/registry';
import { DEFAULT_TARGETS, lintFile } from '../../server/src/core/rules/runner';
import type { Finding, LintTargets, RuleId, SqlParser } from '../../server/src/core/rules/types';
import { bareEnvironment } from './ruleFixtures';

/**
 * Lints a small upgrade() with one rule, for tests that tie a rule's verdict to what
 * PostgreSQL does with the same statement.
 */

const FILE = path.resolve('/tmp/lock-rules/versions/a1_x.py');

/** The findings of `rule` on an upgrade() whose body is `lines` (indented here). */
export function findingsOf(rule: RuleId, sql: SqlParser, lines: readonly string[], targets: LintTargets = DEFAULT_TARGETS): Finding[] {
  const body = lines.map((l) => `    ${l}`).join('\n');
  const text = `from alembic import op\nimport sqlalchemy as sa\n\nrevision = "a1"\ndown_revision = None\n\n\ndef upgrade():\n${body}\n`;
  const project = new RevisionProject(parseRevisionFile);
  project.updateFile(FILE, text);
  return lintFile(parseRevisionFile(FILE, text), bareEnvironment(path.dirname(FILE)), project, { settings: {}, targets, sql, rules: [RULE_BY_ID[rule]] }).filter(
    (f) => f.rule === rule,
  );
}

/** Whether `rule` reports `op.execute(<statement>)`. */
export function flagsSql(rule: RuleId, sql: SqlParser, statement: string): boolean {
  return findingsOf(rule, sql, [`op.execute(${JSON.stringify(statement)})`]).length > 0;
}
