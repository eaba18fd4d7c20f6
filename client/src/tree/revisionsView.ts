import * as vscode from 'vscode';
import type { EnvironmentInfo } from '../../../server/src/protocol';
import { envKey } from '../environments';
import type { StateStore } from '../state/stateStore';
import { environmentItem, type ItemData } from './model';
import { HistoryPages, type ChildNode, type PageSource } from './pages';

export const VIEW_ID = 'alembicPilot.revisions';

/** How often, and how far apart, an environment whose history could not be fetched is asked for again. */
const MAX_RETRIES = 30;
const RETRY_MS = 1000;

export type EnvNode = { kind: 'environment'; env: EnvironmentInfo };
export type Node = EnvNode | ChildNode;

/**
 * The Revisions view: one root per Alembic environment, its revisions from the heads down in
 * `alembic history` order, each with its state in the active database. The data and labels
 * come from `HistoryPages` and `model.ts`; this class only maps them to TreeItems.
 */
export class RevisionsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  readonly pages: HistoryPages;
  readonly treeView: vscode.TreeView<Node>;
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Fires after the workbench was given an environment's revisions. */
  private readonly served = new vscode.EventEmitter<void>();
  private shown = false;
  private envs: EnvironmentInfo[] = [];
  private readonly envNodes = new Map<string, EnvNode>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    source: PageSource,
    private readonly states: StateStore,
    private readonly folderOf: (env: EnvironmentInfo) => string | undefined,
  ) {
    this.pages = new HistoryPages(source);
    this.treeView = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(
      this.treeView,
      this.changed,
      this.served,
      this.treeView.onDidChangeVisibility((e) => {
        if (e.visible) this.shown = true;
      }),
      states.onDidChange((key) => {
        const node = this.envNodes.get(key);
        this.updateMessage();
        this.changed.fire(node);
      }),
    );
  }

  dispose(): void {
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    for (const d of this.disposables) d.dispose();
  }

  get environments(): readonly EnvironmentInfo[] {
    return this.envs;
  }

  setEnvironments(envs: EnvironmentInfo[]): void {
    this.envs = envs;
    const keep = new Set(envs.map(envKey));
    for (const key of this.envNodes.keys()) if (!keep.has(key)) this.envNodes.delete(key);
    for (const env of envs) {
      const node = this.envNodes.get(envKey(env));
      if (node) node.env = env;
      else this.envNodes.set(envKey(env), { kind: 'environment', env });
    }
    this.updateMessage();
    this.changed.fire(undefined);
  }

  /** The history of an environment changed: reload what was shown and redraw it. */
  async historyChanged(env: EnvironmentInfo): Promise<void> {
    await this.pages.reload(env);
    this.changed.fire(this.envNodes.get(envKey(env)));
  }

  async loadMore(env: EnvironmentInfo): Promise<void> {
    await this.pages.loadMore(env);
    this.changed.fire(this.envNodes.get(envKey(env)));
  }

  envNode(env: EnvironmentInfo): EnvNode | undefined {
    return this.envNodes.get(envKey(env));
  }

  getChildren(node?: Node): vscode.ProviderResult<Node[]> {
    if (!node) return this.envs.map((env) => this.envNodes.get(envKey(env))!).filter(Boolean);
    if (node.kind !== 'environment') return [];
    // A history that could not be fetched (the server restarting, a request that failed) is
    // asked for again shortly: the workbench would otherwise show the environment empty until
    // something else redrew it.
    const children = this.pages.children(node.env, this.states.get(node.env).view, this.folderOf(node.env)).then(
      (nodes) => {
        if (this.pages.isLoaded(node.env)) this.retries.delete(envKey(node.env));
        else this.retryLater(node);
        return nodes;
      },
      () => {
        this.retryLater(node);
        return [];
      },
    );
    // After the answer has left for the workbench.
    void Promise.resolve(children).then(() => setTimeout(() => this.served.fire(), 0), () => undefined);
    return children;
  }

  private readonly retries = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();

  private retryLater(node: EnvNode): void {
    const key = envKey(node.env);
    const attempt = (this.retries.get(key) ?? 0) + 1;
    if (attempt > MAX_RETRIES || this.retryTimers.has(key)) return;
    this.retries.set(key, attempt);
    this.retryTimers.set(
      key,
      setTimeout(() => {
        this.retryTimers.delete(key);
        if (this.envNodes.get(key) === node) this.changed.fire(node);
      }, RETRY_MS),
    );
  }

  /** Whether the view has been visible in this window (the workbench has drawn it before). */
  get hasBeenShown(): boolean {
    return this.shown || this.treeView.visible;
  }

  /**
   * Resolves true once the workbench has been given an environment's revisions, which it asks
   * for only after it has drawn the environments; false after `timeoutMs`.
   */
  whenItemsServed(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        sub.dispose();
        resolve(false);
      }, timeoutMs);
      const sub = this.served.event(() => {
        clearTimeout(timer);
        sub.dispose();
        resolve(true);
      });
    });
  }

  getParent(node: Node): Node | undefined {
    return node.kind === 'environment' ? undefined : this.envNodes.get(envKey(node.env));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'environment': {
        const data = environmentItem(node.env, this.states.get(node.env).view);
        const item = toTreeItem(data, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `env:${envKey(node.env)}`;
        item.resourceUri = vscode.Uri.file(node.env.configFile);
        return item;
      }
      case 'revision': {
        const item = toTreeItem(node.item, vscode.TreeItemCollapsibleState.None);
        item.id = `rev:${envKey(node.env)}:${node.revision.id}`;
        item.command = { command: 'alembicPilot.openFile', title: 'Open File', arguments: [node] };
        return item;
      }
      case 'loadMore': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.contextValue = 'loadMore';
        item.command = { command: 'alembicPilot.loadMore', title: 'Load More', arguments: [node] };
        return item;
      }
      case 'configureDatabase': {
        const item = new vscode.TreeItem('Configure Database…', vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('settings-gear');
        item.description = 'states are unknown without one';
        item.contextValue = 'configureDatabase';
        item.command = { command: 'alembicPilot.configureDatabase', title: 'Configure Database', arguments: [node] };
        return item;
      }
      case 'notice': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.tooltip = node.tooltip;
        item.contextValue = 'notice';
        return item;
      }
    }
  }

  /**
   * The message above the tree says what keeps the states from being known: no database,
   * an unreachable one (with the reason), Restricted Mode, or a version no file declares;
   * and a note about a state (no SQLite file yet, at the path named).
   */
  private updateMessage(): void {
    const lines: string[] = [];
    const several = this.envs.length > 1;
    for (const env of this.envs) {
      const view = this.states.get(env).view;
      const prefix = several ? `${env.label}: ` : '';
      if (view.kind === 'none') lines.push(`${prefix}No database is configured, so every state is unknown. Use "Configure Database…" to name one.`);
      else if (view.kind === 'unreachable') lines.push(`${prefix}The database ${view.name ?? ''} is unreachable: ${view.reason}`.replace('  ', ' '));
      else if (view.kind === 'ok' && view.problem !== undefined) lines.push(`${prefix}${view.problem}`);
      else if (view.kind === 'ok' && view.note !== undefined) lines.push(`${prefix}${view.note}`);
    }
    if (this.envs.some((env) => this.states.get(env).view.kind === 'restricted')) {
      lines.unshift('Restricted Mode: the database is not read and nothing runs Alembic until you trust this folder.');
    }
    this.treeView.message = lines.length > 0 ? lines.join('\n') : undefined;
  }
}

function toTreeItem(data: ItemData, state: vscode.TreeItemCollapsibleState): vscode.TreeItem {
  const item = new vscode.TreeItem(data.label, state);
  item.description = data.description;
  item.tooltip = new vscode.MarkdownString(data.tooltip);
  item.iconPath = new vscode.ThemeIcon(data.icon.id, data.icon.color === undefined ? undefined : new vscode.ThemeColor(data.icon.color));
  item.contextValue = data.contextValue;
  return item;
}
