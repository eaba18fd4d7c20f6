import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DidChangeWatchedFilesNotification, FileChangeType } from 'vscode-languageserver-protocol/node';
import {
  EnvironmentsRequest,
  GraphRequest,
  PlanRequest,
  RevisionRequest,
  ScaffoldRequest,
  type EnvironmentInfo,
  type GraphRevision,
} from '../../../server/src/protocol';
import { run } from '../../helpers/run';
import { revisionIds } from '../../helpers/sampleProject';
import { eventually, TestClient } from './harness';

/**
 * The custom requests the client's Revisions view, confirmations and New Revision use, answered
 * by the bundled server over a real LSP connection on a copy of the sample. Every file the
 * scaffold request renders is written and then loaded by the real Alembic 1.20 (`alembic heads`).
 */

const python = inject('alembicPython');
let client: TestClient;
const ini = (): string => client.file('alembic.ini');
const versions = (): string => client.file('alembic/versions');

beforeAll(async () => {
  client = new TestClient();
  await client.start();
  await eventually('the environment', async () => ((await environments()).length > 0 ? true : undefined));
});

afterAll(() => client?.stop());

async function environments(): Promise<EnvironmentInfo[]> {
  return (await client.conn.sendRequest<EnvironmentsRequest.Result>(EnvironmentsRequest.method, {})).environments;
}

function scaffold(params: Omit<ScaffoldRequest.Params, 'configFile'>): Promise<ScaffoldRequest.Result> {
  return client.conn.sendRequest<ScaffoldRequest.Result>(ScaffoldRequest.method, { configFile: ini(), ...params });
}

function plan(params: Omit<PlanRequest.Params, 'configFile'>): Promise<PlanRequest.Result> {
  return client.conn.sendRequest<PlanRequest.Result>(PlanRequest.method, { configFile: ini(), ...params });
}

/** Writes a scaffolded file as the client does and tells the server, as the file watcher would. */
async function create(result: ScaffoldRequest.Result): Promise<string> {
  if (!result.ok) throw new Error(result.reason);
  writeFileSync(result.file, result.text);
  await client.conn.sendNotification(DidChangeWatchedFilesNotification.method, { changes: [{ uri: pathToFileURL(result.file).toString(), type: FileChangeType.Created }] });
  await eventually('the new revision in the graph', async () => ((await environments())[0]!.revisionCount > 0 && (await revisionOf(result.revId)) ? true : undefined));
  return result.file;
}

function revisionOf(id: string): Promise<RevisionRequest.Result | null> {
  return client.conn.sendRequest<RevisionRequest.Result | null>(RevisionRequest.method, { configFile: ini(), revision: id });
}

async function alembicHeads(): Promise<string[]> {
  const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  const r = await run(python, ['-m', 'alembic', '-c', ini(), 'heads'], { cwd: client.work, env, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`alembic heads failed:\n${r.stdout}\n${r.stderr}`);
  return revisionIds(r.stdout);
}

describe('alembicPilot/environments', () => {
  it('describes the sample: env.py reads DATABASE_URL, a labelled branch that is not a merge candidate', async () => {
    const [env, ...others] = await environments();
    expect(others).toEqual([]);
    expect(env).toMatchObject({
      configFile: ini(),
      section: 'alembic',
      iniFile: ini(),
      label: 'alembic.ini',
      here: client.work,
      scriptLocation: client.file('alembic'),
      versionLocations: [versions()],
      newBaseLocations: [versions()],
      branchLabels: ['analytics'],
      bases: ['001', '9b2c41e7d05f'],
      mergeHeads: [],
      revisionCount: 9,
      problemCount: 0,
      configProblems: [],
    });
    expect([...env!.heads].sort()).toEqual(['ab93e5d7c162', 'e6a3f8c1b920']);
    expect(env!.sqlalchemyUrl).toBeUndefined();
    expect(env!.envPy).toMatchObject({ file: client.file('alembic/env.py'), exists: true, readsDatabaseUrl: true, readsConfigUrl: true });
  });
});

describe('alembicPilot/graph with paging', () => {
  it('sends pages that add up to the whole history, with the total', async () => {
    const whole = (await client.conn.sendRequest<GraphRequest.Result>(GraphRequest.method, {})).environments[0]!;
    expect(whole.total).toBe(9);
    const pages: GraphRevision[] = [];
    for (let offset = 0; offset < whole.total; offset += 4) {
      const page = (await client.conn.sendRequest<GraphRequest.Result>(GraphRequest.method, { configFile: ini(), offset, limit: 4 })).environments[0]!;
      expect(page.offset).toBe(offset);
      expect(page.total).toBe(9);
      expect(page.revisions.length).toBe(Math.min(4, 9 - offset));
      pages.push(...page.revisions);
    }
    expect(pages).toEqual(whole.revisions);
    expect(whole.revisions.find((r) => r.id === '7d40e9b1f3a6')).toMatchObject({ isMergePoint: true, createDate: '2025-03-04 09:15:12.530671', message: 'merge feedback and turn cost' });
    expect(whole.revisions.find((r) => r.id === '9b2c41e7d05f')).toMatchObject({ isBase: true, declaredBranchLabels: ['analytics'] });
  });
});

describe('alembicPilot/revision', () => {
  it('resolves a specifier and gives the tooltip fields', async () => {
    const rev = await revisionOf('analytics@head');
    expect(rev).toMatchObject({ id: 'e6a3f8c1b920', downRevisions: ['9b2c41e7d05f'], branchLabels: ['analytics'], children: [], historyIndex: 0, message: 'add analytics daily usage' });
    expect(rev!.file).toMatch(/e6a3f8c1b920_add_analytics_daily_usage\.py$/);
    expect(await revisionOf('nope')).toBeNull();
  });
});

describe('alembicPilot/plan', () => {
  it('plans an upgrade across the branch and merge points, with the rows afterwards', async () => {
    const result = await plan({ direction: 'upgrade', destination: 'heads', current: [] });
    if (!result.ok) throw new Error(result.error);
    expect(result.steps.map((s) => s.id)).toHaveLength(9);
    expect(result.steps[0]).toMatchObject({ id: expect.stringMatching(/^(001|9b2c41e7d05f)$/) });
    expect(result).toMatchObject({ crossesMergePoint: true, crossesBranchPoint: true, expectedCurrent: ['ab93e5d7c162', 'e6a3f8c1b920'] });
  });

  it('plans a downgrade in the order downgrade() runs', async () => {
    const result = await plan({ direction: 'downgrade', destination: '7d40e9b1f3a6', current: ['ab93e5d7c162', 'e6a3f8c1b920'] });
    if (!result.ok) throw new Error(result.error);
    expect(result.steps.map((s) => s.id)).toEqual(['ab93e5d7c162', '41f7c2d9e8b3']);
    expect(result.expectedCurrent).toEqual(['7d40e9b1f3a6', 'e6a3f8c1b920']);
    expect(result.crossesMergePoint).toBe(false);
  });

  it('gives Alembic’s message when there is no plan', async () => {
    expect(await plan({ direction: 'upgrade', destination: 'nope', current: [] })).toEqual({ ok: false, error: "Can't locate revision identified by 'nope'" });
    expect(await plan({ direction: 'upgrade', destination: 'head', current: [] })).toMatchObject({ ok: false, error: expect.stringMatching(/^Multiple head revisions are present/) });
    expect(await plan({ direction: 'upgrade', destination: 'heads', current: ['0badc0ffee00'] })).toEqual({ ok: false, error: "Can't locate revision identified by '0badc0ffee00'" });
  });
});

describe('alembicPilot/scaffold', () => {
  it('renders New Revision where Alembic writes it, named by file_template, and real Alembic loads it', async () => {
    const result = await scaffold({ kind: 'revision', message: 'Add index to turns!', parent: 'ab93e5d7c162' });
    if (!result.ok) throw new Error(result.reason);
    expect(path.dirname(result.file)).toBe(versions());
    expect(path.basename(result.file)).toMatch(new RegExp(`^\\d{4}_\\d\\d_\\d\\d_\\d{4}-${result.revId}_add_index_to_turns\\.py$`));
    expect(result.revId).toMatch(/^[0-9a-f]{12}$/);
    expect(result.downRevisions).toEqual(['ab93e5d7c162']);
    expect(result.text).toContain(`down_revision: Union[str, Sequence[str], None] = 'ab93e5d7c162'`);
    const lines = result.text.split('\n');
    expect(lines[result.cursor.line]!.slice(result.cursor.character)).toBe('pass');
    expect(lines.slice(0, result.cursor.line).some((l) => l.startsWith('def upgrade'))).toBe(true);
    expect(lines.slice(0, result.cursor.line).some((l) => l.startsWith('def downgrade'))).toBe(false);
    await create(result);
    expect(await alembicHeads()).toEqual([result.revId, 'e6a3f8c1b920'].sort());
  });

  it('takes a typed id and a branch label as parent', async () => {
    const result = await scaffold({ kind: 'revision', message: 'seed profiles', revId: '20260110_001', parent: 'analytics@head' });
    if (!result.ok) throw new Error(result.reason);
    expect(result.downRevisions).toEqual(['e6a3f8c1b920']);
    expect(path.basename(result.file)).toMatch(/-20260110_001_seed_profiles\.py$/);
    await create(result);
    expect(await alembicHeads()).toContain('20260110_001');
  });

  it('creates a new labelled base', async () => {
    const result = await scaffold({ kind: 'revision', message: 'audit schema', parent: 'base', branchLabel: 'audit', versionLocation: versions() });
    if (!result.ok) throw new Error(result.reason);
    expect(result.downRevisions).toEqual([]);
    expect(result.text).toContain("branch_labels: Union[str, Sequence[str], None] = ('audit',)");
    await create(result);
    expect(await alembicHeads()).toContain(result.revId);
  });

  it('refuses what Alembic refuses, with its words', async () => {
    expect(await scaffold({ kind: 'revision', message: 'x' })).toEqual({
      ok: false,
      fallback: false,
      reason: 'Multiple heads are present; please specify the head revision on which the new revision should be based, or perform a merge.',
    });
    expect(await scaffold({ kind: 'revision', message: 'x', revId: 'a-b', parent: 'analytics@head' })).toMatchObject({ ok: false, fallback: false, reason: "Character(s) '-' not allowed in revision identifier 'a-b'" });
    expect(await scaffold({ kind: 'revision', message: 'x', parent: '002' })).toMatchObject({ ok: false, reason: expect.stringMatching(/^Revision 002 is not a head revision/) });
    expect(await scaffold({ kind: 'revision', message: 'x', revId: '001', parent: 'analytics@head' })).toMatchObject({ ok: false, reason: expect.stringMatching(/^Revision 001 already exists/) });
    expect(await scaffold({ kind: 'revision', message: 'x', parent: 'base', branchLabel: 'analytics' })).toMatchObject({ ok: false, reason: expect.stringMatching(/already used/) });
  });

  it('offers Merge Heads only for the heads multiple-heads reports, and the merge makes them one', async () => {
    // The head that the first test put on top of the main line.
    let main: string | undefined;
    for (const h of (await environments())[0]!.heads) if ((await revisionOf(h))?.downRevisions[0] === 'ab93e5d7c162') main = h;
    const second = await scaffold({ kind: 'revision', message: 'second head', parent: '41f7c2d9e8b3' });
    expect(second).toMatchObject({ ok: false, reason: expect.stringMatching(/not a head revision/) });
    // A teammate's revision on the same parent, written by hand.
    const headRev = await revisionOf(main!);
    const teammate = path.join(versions(), 'zz_teammate.py');
    writeFileSync(teammate, `"""teammate"""\nrevision = "7eaa00000001"\ndown_revision = "${headRev!.downRevisions[0]}"\nbranch_labels = None\ndepends_on = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n`);
    await client.conn.sendNotification(DidChangeWatchedFilesNotification.method, { changes: [{ uri: pathToFileURL(teammate).toString(), type: FileChangeType.Created }] });
    const env = await eventually('the fork to be reported', async () => {
      const e = (await environments())[0]!;
      return e.mergeHeads.length > 0 ? e : undefined;
    });
    expect(env.mergeHeads).toEqual([[main, '7eaa00000001']]);

    const merge = await scaffold({ kind: 'merge', message: 'merge heads' });
    if (!merge.ok) throw new Error(merge.reason);
    expect(merge.downRevisions).toEqual([main, '7eaa00000001']);
    expect(merge.text).toContain(`down_revision: Union[str, Sequence[str], None] = ('${main}', '7eaa00000001')`);
    expect(merge.text).toContain(`Revises: ${main}, 7eaa00000001`);
    await create(merge);
    const heads = await alembicHeads();
    expect(heads).toContain(merge.revId);
    expect(heads).not.toContain('7eaa00000001');
    await eventually('the merge candidates to clear', async () => ((await environments())[0]!.mergeHeads.length === 0 ? true : undefined));
  });

  it('falls back to Alembic for post-write hooks and for templates beyond the subset', async () => {
    const original = readFileSync(ini(), 'utf8');
    writeFileSync(ini(), original.replace('# hooks = ruff', 'hooks = ruff'));
    try {
      expect(await scaffold({ kind: 'revision', message: 'x', parent: 'analytics@head' })).toMatchObject({ ok: false, fallback: true, reason: expect.stringMatching(/post-write hooks \(ruff\)/) });
    } finally {
      writeFileSync(ini(), original);
    }
    const mako = client.file('alembic/script.py.mako');
    const template = readFileSync(mako, 'utf8');
    writeFileSync(mako, `<%def name="extra()">x</%def>\n${template}`);
    try {
      expect(await scaffold({ kind: 'revision', message: 'x', parent: 'analytics@head' })).toMatchObject({ ok: false, fallback: true });
    } finally {
      writeFileSync(mako, template);
    }
  });
});
