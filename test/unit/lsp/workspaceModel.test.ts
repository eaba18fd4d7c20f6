import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { historyOrder } from '../../../server/src/lsp/graphView';
import { WorkspaceModel } from '../../../server/src/lsp/workspaceModel';

/** Which diagnostics the model hands out to publish after keystrokes and listing changes. */

const repo = path.resolve(__dirname, '../../..');
const WITH_FINDINGS = 'alembic/versions/2025_02_03_1412-002_add_user_id_to_conversations.py';
const MERGE = 'alembic/versions/2025_03_04_0915-7d40e9b1f3a6_merge_feedback_and_turn_cost.py';
let work: string;

beforeEach(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-model-'));
  cpSync(path.join(repo, 'migrations-sample'), work, { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

async function model(): Promise<WorkspaceModel> {
  const m = new WorkspaceModel([work]);
  await m.rediscover();
  return m;
}

const names = (diagnostics: Map<string, unknown[]>): string[] => [...diagnostics.keys()].map((f) => path.basename(f));

describe('WorkspaceModel.diagnostics', () => {
  it('hands out only what a keystroke changed', async () => {
    const m = await model();
    expect(names(m.diagnostics())).toContain(path.basename(WITH_FINDINGS));
    const file = path.join(work, MERGE);
    const text = readFileSync(file, 'utf8');
    m.setText(file, text.replace('"""Upgrade schema."""', '"""Upgrade the schema."""'));
    expect(names(m.diagnostics())).toEqual([]);
    const other = path.join(work, WITH_FINDINGS);
    m.setText(other, `${readFileSync(other, 'utf8')}\n# alembic-pilot: ignore-file\n`);
    expect(names(m.diagnostics())).toEqual([path.basename(WITH_FINDINGS)]);
  });

  it('clears the diagnostics of a file that left the environment', async () => {
    const m = await model();
    m.diagnostics();
    rmSync(path.join(work, WITH_FINDINGS));
    m.refreshListing();
    expect(m.diagnostics().get(path.join(work, WITH_FINDINGS))).toEqual([]);
  });

  it('clears every diagnostic when the environments are gone', async () => {
    const m = await model();
    const first = m.diagnostics();
    rmSync(path.join(work, 'alembic.ini'));
    await m.rediscover();
    const after = m.diagnostics();
    expect([...after.keys()].sort()).toEqual([...first.keys()].sort());
    expect([...after.values()].every((d) => d.length === 0)).toBe(true);
  });
});

describe('WorkspaceModel.warmHistoryOrders', () => {
  it('orders the history the view asks for next, and orders it again after a header edit', async () => {
    const m = await model();
    const [{ project }] = m.projects();
    m.warmHistoryOrders();
    const warmed = historyOrder(project.script);
    expect(warmed.revisions.length).toBeGreaterThan(0);
    // The next request finds the same (cached) order instead of walking the history again.
    expect(historyOrder(project.script)).toBe(warmed);
    expect(m.graph()[0]!.revisions.map((r) => r.id)).toEqual(warmed.revisions.map((r) => r.revision));
    // A header edit gives a new graph, which is ordered anew.
    const file = path.join(work, MERGE);
    m.setText(file, readFileSync(file, 'utf8').replace("revision: str = '7d40e9b1f3a6'", "revision: str = '7d40e9b1f3a7'"));
    m.warmHistoryOrders();
    const again = historyOrder(project.script);
    expect(again).not.toBe(warmed);
    expect(again.revisions.map((r) => r.revision)).toContain('7d40e9b1f3a7');
  });
});
