import path from 'node:path';
import * as vscode from 'vscode';
import {
  DatabaseError,
  parseDatabasesSetting,
  pgTarget,
  resolveDatabase,
  databasesFor,
  type NamedDatabase,
  type PgTarget,
  type ResolvedDatabase,
} from '../../../server/src/db';
import type { EnvironmentInfo } from '../../../server/src/protocol';
import { envKey } from '../environments';

/**
 * Which database each environment uses: the named databases of `alembicPilot.databases`, the
 * one the user picked (kept per workspace), or the URL Alembic itself would find. Passwords the
 * user typed after a rejection live in SecretStorage, keyed by the URL without its password.
 */
export class Databases implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly problemsShown = new Set<string>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  dispose(): void {
    this.changed.dispose();
  }

  /** The workspace folder of an environment, against which relative settings are resolved. */
  folderOf(env: EnvironmentInfo): string | undefined {
    return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(env.configFile))?.uri.fsPath;
  }

  private config(env: EnvironmentInfo): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('alembicPilot', vscode.Uri.file(env.configFile));
  }

  /** The named databases that belong to this environment, validated; bad entries are logged once. */
  named(env: EnvironmentInfo): NamedDatabase[] {
    const { databases, problems } = parseDatabasesSetting(this.config(env).get<unknown>('databases'));
    for (const p of problems) {
      if (this.problemsShown.has(p)) continue;
      this.problemsShown.add(p);
      this.log.warn(`Settings: ${p}`);
    }
    return databasesFor(env, databases, this.folderOf(env));
  }

  /** The working directory runs use: `alembicPilot.cwd` (relative to the folder), else the config's folder. */
  cwd(env: EnvironmentInfo): string {
    const setting = this.config(env).get<unknown>('cwd');
    if (typeof setting !== 'string' || setting.trim() === '') return env.here;
    const folder = this.folderOf(env) ?? env.here;
    return path.resolve(folder, setting.trim());
  }

  versionTableSetting(env: EnvironmentInfo): unknown {
    return this.config(env).get<unknown>('versionTable');
  }

  alembicCommandSetting(env: EnvironmentInfo): unknown {
    return this.config(env).get<unknown>('alembicCommand');
  }

  activeName(env: EnvironmentInfo): string | undefined {
    return this.context.workspaceState.get<string>(`alembicPilot.activeDatabase:${envKey(env)}`);
  }

  async setActive(env: EnvironmentInfo, name: string): Promise<void> {
    await this.context.workspaceState.update(`alembicPilot.activeDatabase:${envKey(env)}`, name);
    this.changed.fire();
  }

  /** The database the view reads and runs target, or undefined when none is configured anywhere. */
  resolve(env: EnvironmentInfo): Promise<ResolvedDatabase | undefined> {
    return resolveDatabase(env, {
      databases: this.named(env),
      active: this.activeName(env),
      workspaceFolder: this.folderOf(env),
      cwd: this.cwd(env),
    });
  }

  /** `pg` options for a resolved PostgreSQL database, with the password the user typed, if any. */
  async target(db: ResolvedDatabase): Promise<PgTarget> {
    const password = await this.context.secrets.get(secretKey(db));
    return pgTarget(db.url, password === undefined ? {} : { password });
  }

  /** A password the user typed for this database earlier, for the runner (never logged). */
  storedPassword(db: ResolvedDatabase): Thenable<string | undefined> {
    return this.context.secrets.get(secretKey(db));
  }

  /** Keeps a password typed into a URL, keyed by the URL without it. */
  async storePassword(display: string, password: string): Promise<void> {
    await this.context.secrets.store(`alembicPilot.password:${display}`, password);
  }

  /**
   * Asks for the password after the server rejected the connection; it is stored only when the
   * user typed one. Returns false when the user dismissed the prompt.
   */
  async askPassword(db: ResolvedDatabase, error: DatabaseError): Promise<boolean> {
    const password = await vscode.window.showInputBox({
      title: `Password for ${db.display}`,
      prompt: `${error.message} The password is kept in VS Code's secret storage, never in settings.`,
      password: true,
      ignoreFocusOut: true,
    });
    if (password === undefined) return false;
    await this.context.secrets.store(secretKey(db), password);
    return true;
  }

  async forgetPassword(db: ResolvedDatabase): Promise<void> {
    await this.context.secrets.delete(secretKey(db));
  }
}

/** Keyed by the URL without its password, so a stored password follows the login it belongs to. */
function secretKey(db: ResolvedDatabase): string {
  return `alembicPilot.password:${db.display}`;
}
