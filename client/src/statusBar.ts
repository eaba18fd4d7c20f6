import path from 'node:path';
import * as vscode from 'vscode';
import type { EnvironmentInfo } from '../../server/src/protocol';
import type { Ctx } from './ctx';
import { shortId } from './tree/model';
import { VIEW_ID } from './tree/revisionsView';

/**
 * One status bar item for the active environment (the one of the active editor's file, else
 * the first): its database, current revision and pending count. Clicking it shows the view.
 */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('alembicPilot.status', vscode.StatusBarAlignment.Left, 20);
  private readonly disposables: vscode.Disposable[] = [this.item];

  constructor(private readonly ctx: Ctx) {
    this.item.name = 'Alembic Pilot';
    this.item.command = `${VIEW_ID}.focus`;
    this.disposables.push(
      ctx.states.onDidChange(() => this.update()),
      ctx.onDidChangeEnvironments(() => this.update()),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
    );
  }

  /** The environment the user works in: the one whose folders hold the active file, else the first. */
  activeEnvironment(): EnvironmentInfo | undefined {
    const envs = this.ctx.environments;
    const file = vscode.window.activeTextEditor?.document.uri.fsPath;
    if (file !== undefined) {
      const inside = (folder: string): boolean => file.startsWith(folder.endsWith(path.sep) ? folder : folder + path.sep);
      const owner = envs.find((env) => env.versionLocations.some(inside)) ?? envs.find((env) => inside(env.here));
      if (owner) return owner;
    }
    return envs[0];
  }

  update(): void {
    const env = this.activeEnvironment();
    if (!env) {
      this.item.hide();
      return;
    }
    const view = this.ctx.states.get(env).view;
    const name = this.ctx.environments.length > 1 ? `${env.label} ` : '';
    switch (view.kind) {
      case 'ok': {
        const at = view.current.length === 0 ? 'base' : view.current.map(shortId).join(', ');
        const pending = view.pending === undefined ? '' : ` · ${view.pending} pending`;
        this.item.text = `$(database) ${name}${view.name ?? ''}: ${at}${pending}`.replace(' : ', ': ');
        this.item.tooltip = `Alembic: ${env.label} on ${view.name ?? 'its database'} is at ${view.current.join(', ') || 'base (nothing applied)'}${view.pending === undefined ? '' : `, ${view.pending} revision(s) pending`}. Click to show the Revisions view.`;
        this.item.backgroundColor = view.problem === undefined ? undefined : new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
      }
      case 'unreachable':
        this.item.text = `$(database) ${name}${view.name ?? 'database'}: unreachable`;
        this.item.tooltip = `Alembic: ${view.reason}`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
      case 'loading':
        this.item.text = `$(database) ${name}${view.name ?? 'database'}: …`;
        this.item.tooltip = 'Alembic: reading the database state';
        this.item.backgroundColor = undefined;
        break;
      case 'none':
        this.item.text = `$(database) ${name}no database`;
        this.item.tooltip = 'Alembic: no database is configured; the Revisions view offers "Configure Database…".';
        this.item.backgroundColor = undefined;
        break;
      case 'restricted':
        this.item.text = `$(shield) ${name}Alembic`;
        this.item.tooltip = 'Alembic: Restricted Mode; the database is not read until you trust this folder.';
        this.item.backgroundColor = undefined;
        break;
    }
    this.item.accessibilityInformation = { label: typeof this.item.tooltip === 'string' ? this.item.tooltip : this.item.text };
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
