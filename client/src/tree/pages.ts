import path from 'node:path';
import { loadMoreLabel, revisionItem, revisionStates, type DatabaseView, type ItemData, type RevisionData } from './model';

/**
 * The children of an environment in the Revisions view: the newest revisions, page by page,
 * from the server's paged `alembicPilot/graph`. No `vscode` here, so the benchmark can drive
 * it against the real server from Node.
 */

export const PAGE_SIZE = 200;

export interface EnvRef {
  configFile: string;
  section: string;
}

export interface GraphPage {
  revisions: RevisionData[];
  offset: number;
  total: number;
  orderError?: string | undefined;
}

/** Fetches one page of an environment's history (the server's `alembicPilot/graph`). */
export type PageSource = (env: EnvRef, offset: number, limit: number) => Promise<GraphPage | undefined>;

export type ChildNode =
  | { kind: 'revision'; env: EnvRef; revision: RevisionData; item: ItemData }
  | { kind: 'loadMore'; env: EnvRef; label: string }
  | { kind: 'configureDatabase'; env: EnvRef }
  | { kind: 'notice'; env: EnvRef; label: string; tooltip: string };

interface Loaded {
  revisions: RevisionData[];
  total: number;
  orderError?: string | undefined;
}

function keyOf(env: EnvRef): string {
  return `${env.configFile}#${env.section}`;
}

export class HistoryPages {
  private readonly loaded = new Map<string, Loaded>();
  private readonly inflight = new Map<string, Promise<Loaded | undefined>>();

  constructor(
    private readonly source: PageSource,
    private readonly pageSize = PAGE_SIZE,
  ) {}

  /** Whether a page of the environment's history has been loaded (children can be listed). */
  isLoaded(env: EnvRef): boolean {
    return this.loaded.has(keyOf(env));
  }

  /** The revisions loaded so far, newest first. */
  revisions(env: EnvRef): readonly RevisionData[] {
    return this.loaded.get(keyOf(env))?.revisions ?? [];
  }

  /**
   * The environment's children: its loaded revisions with their states, then "Load more…"
   * when the history is longer. The first call loads the first page.
   */
  async children(env: EnvRef, db: DatabaseView, folder: string | undefined): Promise<ChildNode[]> {
    const loaded = this.loaded.get(keyOf(env)) ?? (await this.load(env, 0, this.pageSize));
    if (!loaded) return [];
    const nodes: ChildNode[] = [];
    if (db.kind === 'none') nodes.push({ kind: 'configureDatabase', env });
    if (loaded.orderError !== undefined) {
      nodes.push({ kind: 'notice', env, label: 'Alembic cannot order this history', tooltip: loaded.orderError });
    }
    const states = revisionStates(loaded.revisions, db);
    for (const revision of loaded.revisions) {
      const file = folder === undefined ? revision.file : path.relative(folder, revision.file);
      nodes.push({ kind: 'revision', env, revision, item: revisionItem(revision, states.get(revision.id) ?? 'unknown', file) });
    }
    if (loaded.revisions.length < loaded.total) {
      nodes.push({ kind: 'loadMore', env, label: loadMoreLabel(loaded.revisions.length, loaded.total, this.pageSize) });
    }
    return nodes;
  }

  /** Appends the next page. */
  async loadMore(env: EnvRef): Promise<void> {
    const loaded = this.loaded.get(keyOf(env));
    await this.load(env, loaded?.revisions.length ?? 0, this.pageSize);
  }

  /**
   * Forgets what was loaded, because the history changed; the next `children` loads as many
   * revisions as were shown before, in one request, so an expanded "Load more" stays expanded.
   */
  async reload(env: EnvRef): Promise<void> {
    const shown = Math.max(this.pageSize, this.loaded.get(keyOf(env))?.revisions.length ?? 0);
    this.loaded.delete(keyOf(env));
    await this.load(env, 0, shown);
  }

  forget(env: EnvRef): void {
    this.loaded.delete(keyOf(env));
  }

  clear(): void {
    this.loaded.clear();
  }

  private load(env: EnvRef, offset: number, limit: number): Promise<Loaded | undefined> {
    const key = `${keyOf(env)}@${offset}`;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const work = this.source(env, offset, limit)
      .then((page) => {
        if (!page) return undefined;
        const before = offset === 0 ? [] : (this.loaded.get(keyOf(env))?.revisions.slice(0, offset) ?? []);
        const loaded: Loaded = { revisions: [...before, ...page.revisions], total: page.total, orderError: page.orderError };
        this.loaded.set(keyOf(env), loaded);
        return loaded;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, work);
    return work;
  }
}
