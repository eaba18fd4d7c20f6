import * as vscode from 'vscode';
import type { EnvironmentInfo } from '../../../server/src/protocol';
import { envKey } from '../environments';
import type { StateStore } from '../state/stateStore';
import { environmentItem, type ItemData } from './model';
import { HistoryPages, type ChildNode, type PageSource } from './pages';

export const VIEW_ID = 'alembicPilot.revisions';

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
      states.onDidChange((key) => {
        const node = this.envNodes.get(key);
        this.updateMessage();
        this.changed.fire(node);
      }),
    );
  }

  dispose(): void {
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
    return this.pages.children(node.env, this.states.get(node.env).view, this.folderOf(node.env));
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
   * an unreachable one (with the reason), Restricted Mode, or a version no file declares.
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
