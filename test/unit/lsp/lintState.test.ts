import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverEnvironments, listRevisionFiles } from '../../../server/src/core/config';
import { parseRevisionFile } from '../../../server/src/core/parse';
import { RevisionProject } from '../../../server/src/core/project/revisionProject';
import { DEFAULT_TARGETS, type LintOptions } from '../../../server/src/core/rules/runner';
import { LintState } from '../../../server/src/lsp/lintState';

/**
 * Which files a change makes the language server lint again: only the edited file, unless the
 * edit changes what the graph is built from.
 */

const repo = path.resolve(__dirname, '../../..');
const MERGE = 'alembic/versions/2025_03_04_0915-7d40e9b1f3a6_merge_feedback_and_turn_cost.py';
const options: LintOptions = { settings: {}, targets: DEFAULT_TARGETS, sql: undefined };
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

  it('lints every file when down_revision changes', () => {
    const { edit } = setUp();
    expect(edit("'c83f2b6e4a17')", "'c83f2b6e4a18')").size).toBe(9);
  });

  it('lints nothing when nothing changed', () => {
    const { state, project } = setUp();
    expect(state.lint(discoverEnvironments(work)[0]!, project, options).size).toBe(0);
  });
});
