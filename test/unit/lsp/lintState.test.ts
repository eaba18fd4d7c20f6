import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverEnvironments, listRevisionFiles } from '../../../server/src/core/config';
import { parseRevisionFile } from '../../../server/src/core/parse';
import { RevisionProject } from '../../../server/src/core/project/revisionProject';
import { RULES } from '../../../server/src/core/rules/registry';
import { DEFAULT_TARGETS, type LintOptions } from '../../../server/src/core/rules/runner';
import type { Rule, RuleId } from '../../../server/src/core/rules/types';
import { LintState } from '../../../server/src/lsp/lintState';

/**
 * Which files a change makes the language server lint again: only the edited file; an edit
 * that changes what the graph is built from also runs the graph rules (and only those) on the
 * other files, and reports the files whose findings changed.
 */

const repo = path.resolve(__dirname, '../../..');
const MERGE = 'alembic/versions/2025_03_04_0915-7d40e9b1f3a6_merge_feedback_and_turn_cost.py';
/** How often each rule ran, through wrappers around the real rules. */
const runs = new Map<RuleId, number>();
const counted: Rule[] = RULES.map((r) => ({ ...r, check: (ctx) => (runs.set(r.id, (runs.get(r.id) ?? 0) + 1), r.check(ctx)) }));
const options: LintOptions = { settings: {}, targets: DEFAULT_TARGETS, sql: undefined, rules: counted };
let work: string;

beforeEach(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-lintstate-'));
  cpSync(path.join(repo, 'migrations-sample'), work, { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function setUp(): { state: LintState; project: RevisionProject; edit: (from: string, to: string) => Set<string> } {
  const env = discoverEnvironments(work)[0]!;
  const project = new RevisionProject(parseRevisionFile);
  project.setFiles(listRevisionFiles(env));
  const state = new LintState();
  const file = path.join(work, MERGE);
  let text = readFileSync(file, 'utf8');
  const edit = (from: string, to: string): Set<string> => {
    const before = project.entry(file);
    text = text.replace(from, to);
    project.updateFile(file, text);
    state.fileChanged(file, before, project.entry(file));
    return state.lint(env, project, options);
  };
  expect(state.lint(env, project, options).size).toBe(9);
  return { state, project, edit };
}

describe('LintState', () => {
  it('lints only the edited file after an edit in a function body', () => {
    const { edit } = setUp();
    expect([...edit('"""Upgrade schema."""', '"""Upgrade the schema."""')].map((f) => path.basename(f))).toEqual([path.basename(MERGE)]);
  });

  it('runs only the graph rules on the other files when down_revision changes, and finds what a fresh lint finds', () => {
    const { state, project, edit } = setUp();
    runs.clear();
    const changed = edit("'c83f2b6e4a17')", "'c83f2b6e4a18')");
    expect(runs.get('missing-downgrade'), 'a file-local rule ran on the edited file only').toBe(1);
    expect(runs.get('unknown-down-revision'), 'a graph rule ran on every file').toBe(9);
    expect(changed).toContain(path.join(work, MERGE));
    const env = discoverEnvironments(work)[0]!;
    const fresh = new LintState();
    fresh.lint(env, project, options);
    for (const e of project.entries()) expect(state.of(e.header.path), e.header.path).toEqual(fresh.of(e.header.path));
    const differs = project.entries().filter((e) => changed.has(e.header.path)).length;
    expect(differs).toBeLessThan(9);
  });

  it('lints nothing when nothing changed', () => {
    const { state, project } = setUp();
    expect(state.lint(discoverEnvironments(work)[0]!, project, options).size).toBe(0);
  });
});
