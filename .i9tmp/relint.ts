import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { DEFAULT_FILE_TEMPLATE, DEFAULT_TRUNCATE_SLUG_LENGTH } from '../server/src/core/config';
import { parseRevisionFileIncremental } from '../server/src/core/parse';
import { RevisionProject } from '../server/src/core/project/revisionProject';
import { LOCK_RULES, RULES } from '../server/src/core/rules/registry';
import { DEFAULT_TARGETS, lintFile } from '../server/src/core/rules/runner';
import type { Rule } from '../server/src/core/rules/types';
import { loadSqlParser } from '../server/src/core/sql';

const lines = ['from alembic import op', 'import sqlalchemy as sa', '', 'revision = "f00dfeedbeef"', 'down_revision = None', '', '', 'def upgrade() -> None:'];
const up: string[] = [];
const down: string[] = [];
for (let i = 0; up.length + down.length + lines.length < 1992; i++) {
  up.push(`    op.add_column("table_${i % 40}", sa.Column("col_${i}", sa.Text(), nullable=True))`);
  up.push(`    op.execute("UPDATE table_${i % 40} SET col_${i} = 'x' WHERE col_${i} IS NULL")`);
  down.push(`    op.drop_column("table_${i % 40}", "col_${i}")`);
}
up.splice(up.length >> 1, 0, '    op.execute("SELECT 1")');
const base = [...lines, ...up, '', '', 'def downgrade() -> None:', ...down, ''].join('\n');
const FILE = path.resolve('/tmp/relint/versions/x.py');
const dir = path.dirname(FILE);
const env = { configFile: path.join(dir, 'alembic.ini'), section: 'alembic', here: dir, scriptLocation: dir, versionLocations: [dir], recursiveVersionLocations: false, fileTemplate: DEFAULT_FILE_TEMPLATE, truncateSlugLength: DEFAULT_TRUNCATE_SLUG_LENGTH, prependSysPath: [], problems: [] };

async function main(): Promise<void> {
  const sql = await loadSqlParser();
  const sets: [string, readonly Rule[]][] = [['no lock rules', RULES.filter((r) => !LOCK_RULES.includes(r))], ['lock rules only', LOCK_RULES], ['all', RULES], ['one lock rule', [LOCK_RULES[12]!]]];
  for (let round = 0; round < 3; round++) {
    for (const [name, rules] of sets) {
      let state: ReturnType<typeof parseRevisionFileIncremental>['state'] | undefined;
      let text = base;
      const times: number[] = [];
      for (let k = 0; k < 400; k++) {
        const next = k % 2 === 0 ? text.replace('SELECT 1")', 'SELECT 1,")') : text.replace('SELECT 1,")', 'SELECT 1")');
        const parsed = parseRevisionFileIncremental(FILE, next, state);
        state = parsed.state;
        const project = new RevisionProject(() => parsed.file);
        project.updateFile(FILE, next);
        const t0 = performance.now();
        lintFile(parsed.file, env, project, { settings: {}, targets: DEFAULT_TARGETS, sql, rules });
        times.push(performance.now() - t0);
        text = next;
      }
      const s = times.slice(100).sort((a, b) => a - b);
      console.log(`${name}: lint only, min ${s[0]!.toFixed(2)} ms, p50 ${s[Math.floor(s.length / 2)]!.toFixed(2)} ms, p90 ${s[Math.floor(s.length * 0.9)]!.toFixed(2)} ms`);
    }
  }
}
void main();
