import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRevisionFile } from '../../../server/src/core/parse';
import { RevisionProject } from '../../../server/src/core/project/revisionProject';
import { lintFile, type RuleError } from '../../../server/src/core/rules/runner';
import type { SqlParser } from '../../../server/src/core/rules/types';
import { loadSqlParser } from '../../../server/src/core/sql';
import { bareEnvironment } from '../../helpers/ruleFixtures';

/**
 * Rules look op calls up by name in tables of known calls. A name that every JavaScript object
 * has (`constructor`, `toString`, ...) must count as unknown there, not find Object's method and
 * make a rule throw (the runner would skip the rule for the file, and log it).
 */

const NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf', 'toLocaleString'];

let sql: SqlParser;
beforeAll(async () => {
  sql = await loadSqlParser();
});
const dir = mkdtempSync(path.join(os.tmpdir(), 'object-method-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('op calls named like Object methods', () => {
  it.each(NAMES)('op.%s(...) makes no rule throw, in upgrade, downgrade and batch blocks', (name) => {
    const body = [
      `    op.${name}("t", "c", "x", sa.Column("c", sa.Text()))`,
      `    op.${name}(table_name="t", name="c")`,
      '    with op.batch_alter_table("t") as batch_op:',
      `        batch_op.${name}("c", "x")`,
    ].join('\n');
    const text = `from alembic import op\nimport sqlalchemy as sa\n\nrevision = "a1"\ndown_revision = None\n\n\ndef upgrade():\n${body}\n    op.drop_table("u")\n\n\ndef downgrade():\n${body}\n`;
    const file = path.join(dir, 'a1_x.py');
    const project = new RevisionProject(parseRevisionFile);
    project.updateFile(file, text);
    const errors: RuleError[] = [];
    lintFile(parseRevisionFile(file, text), bareEnvironment(dir), project, {
      settings: { 'seed-insert-without-conflict': 'warning' },
      targets: { alembicVersion: [1, 20, 0], postgresVersion: 16 },
      sql,
      onRuleError: (e) => errors.push(e),
    });
    expect(errors.map((e) => `${e.rule}: ${String(e.error)}`)).toEqual([]);
  });
});
