import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { RULES } from '../../../../server/src/core/rules/registry';
import { parseRevisionFile } from '../../../../server/src/core/parse';
import { RevisionProject } from '../../../../server/src/core/project/revisionProject';
import type { Report, RuleContext, SqlParser } from '../../../../server/src/core/rules/types';
import { loadSqlParser } from '../../../../server/src/core/sql';
import { bareEnvironment } from '../../../helpers/ruleFixtures';

/** The SQL rules never throw on the parser's odd-shape fixtures and the sample project. */

let sql: SqlParser;
beforeAll(async () => {
  sql = await loadSqlParser();
});

const ROOT = path.resolve(__dirname, '../../../..');
const files = [
  ...readdirSync(path.join(ROOT, 'test/fixtures/revision-files')).map((f) => path.join(ROOT, 'test/fixtures/revision-files', f)),
  ...readdirSync(path.join(ROOT, 'migrations-sample'), { recursive: true, encoding: 'utf8' }).map((f) => path.join(ROOT, 'migrations-sample', f)),
].filter((f) => f.endsWith('.py'));

it.each(files.map((f) => [path.relative(ROOT, f), f]))('%s', (_name, file) => {
  const text = readFileSync(file, 'utf8');
  const parsed = parseRevisionFile(file, text);
  const project = new RevisionProject(parseRevisionFile);
  project.updateFile(file, text);
  const reports: Report[] = [];
  for (const rule of RULES.filter((r) => r.needsSql)) {
    const ctx: RuleContext = {
      file: parsed,
      env: bareEnvironment(path.dirname(file)),
      project,
      targets: { alembicVersion: undefined, postgresVersion: 14, locks: { checkDowngrade: true, startAfter: [], lockTimeout: 'migration' } },
      sql,
      report: (r) => reports.push(r),
    };
    expect(() => rule.check(ctx)).not.toThrow();
  }
  for (const r of reports) expect(r.range.start.line).toBeLessThanOrEqual(r.range.end.line);
});
