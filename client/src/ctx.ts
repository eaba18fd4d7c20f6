import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import type { EnvironmentInfo } from '../../server/src/protocol';
import { envKey } from './environments';
import { createLanguageClient } from './lsp';
import { ServerErrors } from './serverErrors';
import { ServerApi } from './serverApi';
import { Databases } from './state/databases';
import { Operations } from './run/operations';
import { StateStore } from './state/stateStore';
import { StatusBar } from './statusBar';
import { RevisionsView } from './tree/revisionsView';

/**
 * The extension's state, after rust-analyzer's `Ctx`: the language client (restartable, since
 * its capabilities depend on workspace trust), the environments the server found, the
 * database states, the view and the status bar, and every disposable. Commands receive it.
 */
export class Ctx implements vscode.Disposable {
  readonly errors: ServerErrors;
  readonly databases: Databases;
  readonly states: StateStore;
  readonly view: RevisionsView;
  readonly statusBar: StatusBar;
  readonly operations: Operations;
  private client: LanguageClient | undefined;
  private serverApi: ServerApi | undefined;
  private clientDisposables: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private loggedInterval: number | undefined;
  private readonly envsChanged = new vscode.EventEmitter<readonly EnvironmentInfo[]>();
  readonly onDidChangeEnvironments = this.envsChanged.event;

  constructor(
    readonly extension: vscode.ExtensionContext,
    readonly output: vscode.LogOutputChannel,
  ) {
    this.errors = new ServerErrors(output);
    this.databases = new Databases(extension, output);
    this.states = new StateStore(this.databases, () => this.api, () => this.trusted, output, (env, db) => this.operations.current(env, db));
    this.operations = new Operations(this);
    this.view = new RevisionsView(
      async (env, offset, limit) => {
        const api = this.api;
        if (!api) return undefined;
        try {
          return await api.graphPage(env, offset, limit);
        } catch (error) {
          this.output.warn(`Fetching the revisions of ${env.configFile} failed; the view asks again.`, error);
          return undefined;
        }
      },
      this.states,
      (env) => this.databases.folderOf(env),
    );
    this.statusBar = new StatusBar(this);
    this.disposables.push(this.databases, this.states, this.view, this.statusBar, this.envsChanged);
    this.disposables.push(
      this.databases.onDidChange(() => this.refreshStates(true)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (['alembicPilot.databases', 'alembicPilot.versionTable', 'alembicPilot.cwd'].some((s) => e.affectsConfiguration(s))) this.refreshStates(false);
        if (e.affectsConfiguration('alembicPilot.refreshIntervalSeconds')) this.schedulePolling();
      }),
      // Something else may migrate the database (a service at start-up, a teammate), so the
      // state is read again whenever the user may look at it.
      this.view.treeView.onDidChangeVisibility((e) => {
        if (e.visible) this.refreshStates(false);
        this.schedulePolling();
      }),
      vscode.window.onDidChangeWindowState((e) => {
        if (e.focused && this.view.treeView.visible) this.refreshStates(false);
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.restartForTrust()),
    );
  }

  get trusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  /** The server's requests, while the server runs. */
  get api(): ServerApi | undefined {
    return this.client?.state === State.Running ? this.serverApi : undefined;
  }

  get environments(): readonly EnvironmentInfo[] {
    return this.view.environments;
  }

  /** Starts the language server; never rejects (failures are reported by ServerErrors). */
  async start(): Promise<void> {
    const client = createLanguageClient(this.extension, this.output, this.errors, this.trusted);
    const api = new ServerApi(client);
    this.client = client;
    this.serverApi = api;
    this.clientDisposables = [
      client.onDidChangeState((e) => {
        void vscode.commands.executeCommand('setContext', 'alembicPilot.serverStopped', e.newState === State.Stopped);
        if (e.newState === State.Running) void this.loadEnvironments();
      }),
      api.onGraphChanged((configFile) => this.scheduleGraphChanged(configFile)),
      api.onEnvironmentsChanged(() => void this.loadEnvironments()),
    ];
    try {
      await client.start();
    } catch (error) {
      this.errors.startFailed(error);
    }
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    for (const d of this.clientDisposables) d.dispose();
    this.clientDisposables = [];
    this.client = undefined;
    this.serverApi = undefined;
    // stop() rejects unless the client is running, for example after the server failed to start.
    if (client?.isRunning()) await client.stop().catch(() => undefined);
  }

  /**
   * Client capabilities are fixed at `initialize`, so the CodeLens commands (which run Alembic)
   * can be declared only by a new client once the user trusts the workspace.
   */
  private async restartForTrust(): Promise<void> {
    this.output.info('The workspace is now trusted: restarting the language server to offer the upgrade and downgrade lenses.');
    await this.stopClient();
    await this.start();
    this.refreshStates(false);
  }

  /** Asks the server for the environments; the view and the context key follow. */
  async loadEnvironments(): Promise<void> {
    const api = this.api;
    if (!api) return;
    let envs: EnvironmentInfo[];
    try {
      envs = await api.environments();
    } catch (error) {
      this.output.error('Listing the Alembic environments failed.', error);
      return;
    }
    // The view appears only when the server found an environment, so a Python project
    // without Alembic shows nothing.
    void vscode.commands.executeCommand('setContext', 'alembicPilot.inProject', envs.length > 0);
    this.output.info(envs.length > 0 ? `The Revisions view shows ${envs.map((e) => e.label).join(', ')}.` : 'No Alembic environment: the Revisions view stays hidden.');
    const before = new Set(this.environments.map(envKey));
    this.states.retain(envs);
    for (const env of envs) if (before.has(envKey(env))) this.view.pages.forget(env);
    this.view.setEnvironments(envs);
    this.envsChanged.fire(envs);
    this.refreshStates(false);
    this.schedulePolling();
  }

  private readonly pendingGraphChanges = new Map<string, NodeJS.Timeout>();

  /**
   * Typing in a revision's header changes the graph at every keystroke; the view is redrawn
   * once the burst is over rather than once per key.
   */
  private scheduleGraphChanged(configFile: string): void {
    clearTimeout(this.pendingGraphChanges.get(configFile));
    this.pendingGraphChanges.set(
      configFile,
      setTimeout(() => {
        this.pendingGraphChanges.delete(configFile);
        void this.graphChanged(configFile);
      }, 150),
    );
  }

  private async graphChanged(configFile: string): Promise<void> {
    const api = this.api;
    if (!api) return;
    const envs = await api.environments().catch(() => undefined);
    if (!envs) return;
    this.view.setEnvironments(envs);
    this.envsChanged.fire(envs);
    for (const env of envs.filter((e) => e.configFile === configFile)) {
      await this.view.historyChanged(env).catch((e: unknown) => this.output.error('Reloading the revisions failed.', e));
      void this.states.refresh(env);
    }
  }

  /** Reads every environment's database state again. */
  refreshStates(interactive: boolean): void {
    for (const env of this.environments) void this.states.refresh(env, interactive);
  }

  /**
   * Polls the states read without Python (PostgreSQL, SQLite) while the view is visible
   * (`alembicPilot.refreshIntervalSeconds`); a state read through `alembic current` is not
   * polled, since each read starts Python.
   */
  private schedulePolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    const seconds = vscode.workspace.getConfiguration('alembicPilot').get<unknown>('refreshIntervalSeconds');
    const interval = typeof seconds === 'number' && Number.isFinite(seconds) ? seconds : 30;
    // Said once per value, so the log tells why the view did or did not follow the database.
    if (interval !== this.loggedInterval) {
      this.loggedInterval = interval;
      this.output.info(`Polling the database state: ${interval <= 0 ? 'off' : `every ${interval} s while the Revisions view is visible`}.`);
    }
    if (interval <= 0 || !this.view.treeView.visible || !this.trusted) return;
    this.pollTimer = setInterval(() => {
      for (const env of this.environments) {
        const state = this.states.get(env);
        if ((state.db?.dialect === 'postgresql' || state.db?.dialect === 'sqlite') && state.viaAlembic !== true) void this.states.refresh(env, false);
      }
    }, interval * 1000);
  }

  /** Redraws an environment after an operation: its history (a new file) and its state. */
  async afterOperation(env: EnvironmentInfo): Promise<void> {
    await this.states.refresh(env, false);
  }

  async dispose(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    for (const timer of this.pendingGraphChanges.values()) clearTimeout(timer);
    for (const d of this.disposables) d.dispose();
    await this.stopClient();
  }
}
