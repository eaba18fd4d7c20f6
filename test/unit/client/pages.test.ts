import { describe, expect, it } from 'vitest';
import type { RevisionData } from '../../../client/src/tree/model';
import { HistoryPages, type ChildNode, type GraphPage } from '../../../client/src/tree/pages';

/** Paging an environment's history: pages of a fixed size, "Load more…", and reloads. */

const env = { configFile: '/p/alembic.ini', section: 'alembic' };

/** A linear history of `n` revisions, newest first, served in pages like the server does. */
function linear(n: number): { history: RevisionData[]; requests: [number, number][]; source: (e: typeof env, offset: number, limit: number) => Promise<GraphPage> } {
  const history = Array.from({ length: n }, (_, i) => {
    const k = n - i;
    return { id: `r${k}`, file: `/p/versions/r${k}.py`, downRevisions: k > 1 ? [`r${k - 1}`] : [], dependsOn: [], branchLabels: [], message: `m${k}`, isHead: k === n, isBranchPoint: false, isMergePoint: false };
  });
  const requests: [number, number][] = [];
  return {
    history,
    requests,
    source: (_e, offset, limit) => {
      requests.push([offset, limit]);
      return Promise.resolve({ revisions: history.slice(offset, offset + limit), offset, total: history.length });
    },
  };
}

const ids = (nodes: ChildNode[]): string[] => nodes.map((n) => (n.kind === 'revision' ? n.revision.id : n.kind));

describe('HistoryPages', () => {
  it('shows the first page and a Load more item', async () => {
    const h = linear(5);
    const pages = new HistoryPages(h.source, 2);
    const nodes = await pages.children(env, { kind: 'ok', current: ['r3'] }, '/p');
    expect(ids(nodes)).toEqual(['r5', 'r4', 'loadMore']);
    expect(nodes[2]).toMatchObject({ label: 'Load more… (2 of 3 remaining)' });
    expect(h.requests).toEqual([[0, 2]]);
  });

  it('appends pages, and the states of later pages follow from the current revision', async () => {
    const h = linear(5);
    const pages = new HistoryPages(h.source, 2);
    await pages.children(env, { kind: 'ok', current: ['r4'] }, '/p');
    await pages.loadMore(env);
    await pages.loadMore(env);
    const nodes = await pages.children(env, { kind: 'ok', current: ['r4'] }, '/p');
    expect(ids(nodes)).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
    expect(nodes.map((n) => (n.kind === 'revision' ? n.item.contextValue.split(' ')[1] : ''))).toEqual(['pending', 'current', 'applied', 'applied', 'applied']);
    expect(h.requests).toEqual([[0, 2], [2, 2], [4, 2]]);
  });

  it('says whether the history was loaded, so a failed fetch is asked for again rather than shown empty', async () => {
    const h = linear(3);
    let up = false;
    const pages = new HistoryPages((e, offset, limit) => (up ? h.source(e, offset, limit) : Promise.resolve(undefined)), 2);
    expect(await pages.children(env, { kind: 'none' }, '/p')).toEqual([]);
    expect(pages.isLoaded(env)).toBe(false);
    up = true;
    expect(ids(await pages.children(env, { kind: 'none' }, '/p'))).toEqual(['configureDatabase', 'r3', 'r2', 'loadMore']);
    expect(pages.isLoaded(env)).toBe(true);
  });

  it('reloads as many revisions as were shown, in one request', async () => {
    const h = linear(7);
    const pages = new HistoryPages(h.source, 2);
    await pages.children(env, { kind: 'none' }, '/p');
    await pages.loadMore(env);
    await pages.reload(env);
    expect(h.requests.at(-1)).toEqual([0, 4]);
    expect(ids(await pages.children(env, { kind: 'none' }, '/p'))).toEqual(['configureDatabase', 'r7', 'r6', 'r5', 'r4', 'loadMore']);
  });

  it('shows file paths relative to the workspace folder in tooltips', async () => {
    const pages = new HistoryPages(linear(1).source, 2);
    const [node] = await pages.children(env, { kind: 'ok', current: [] }, '/p');
    expect(node?.kind === 'revision' && node.item.tooltip).toContain('File: versions/r1\\.py');
  });
});
