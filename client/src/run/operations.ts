import * as vscode from 'vscode';
import type { ResolvedDatabase } from '../../../server/src/db';
import type { EnvironmentInfo } from '../../../server/src/protocol';
import {
  AlembicCommandError,
  AlembicRunner,
  describeOperation,
  findAlembicCommand,
  type AlembicCommand,
  type AlembicOperation,
  type RunResult,
} from '../../../server/src/runner';
import type { Ctx } from '../ctx';
import { selectInterpreter, selectedInterpreter } from '../python';

/**
 * Runs Alembic for the extension: finds the command, streams its output to the log channel,
 * shows a progress notification with Cancel, reports one line at the end, and refreshes the
 * view. The runner itself (Node-only, server/src/runner) owns the process, the lock and the
 * check afterwards.
 */

export interface RunOptions {
  env: EnvironmentInfo;
  operation: AlembicOperation;
  /** The progress notification's title, e.g. "Upgrading dev to heads". */
  title: string;
  database?: ResolvedDatabase | undefined;
  expectedCurrent?: string[] | undefined;
  /** Show the result line (false for Show SQL and `current`, whose callers show the result). */
  report?: boolean;
}

export class Operations {
  readonly runner: AlembicRunner;

  constructor(private readonly ctx: Ctx) {
    this.runner = new AlembicRunner({ connections: ctx.states.reader.connections });
  }

  /** The command that runs Alembic for the environment, or undefined after telling the user why not. */
  async command(env: EnvironmentInfo, interactive = true): Promise<AlembicCommand | undefined> {
    try {
      const interpreter = await selectedInterpreter(vscode.Uri.file(env.configFile), this.ctx.output);
      const command = await findAlembicCommand({
        setting: this.ctx.databases.alembicCommandSetting(env),
        ...(interpreter === undefined ? {} : { interpreter }),
        configDir: env.here,
        cwd: this.ctx.databases.cwd(env),
      });
      this.ctx.output.info(`Alembic for ${env.label}: ${command.description} (${command.argv.join(' ')})`);
      return command;
    } catch (error) {
      if (!(error instanceof AlembicCommandError)) throw error;
      this.ctx.output.warn(`${error.message}${error.tried.length > 0 ? ` Tried: ${error.tried.join('; ')}` : ''}`);
      if (!interactive) return undefined;
      const actions = error.reason === 'bad-setting' ? ['Open Settings'] : ['Select Interpreter', 'Open Settings'];
      const choice = await vscode.window.showErrorMessage(error.message, ...actions);
      if (choice === 'Select Interpreter') await selectInterpreter();
      else if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'alembicPilot.alembicCommand');
      return undefined;
    }
  }

  /** Runs one operation with progress and Cancel; resolves to the runner's result, or undefined when it never started. */
  async run(options: RunOptions): Promise<RunResult | undefined> {
    const { env, operation } = options;
    if (!this.ctx.trusted) {
      void vscode.window.showWarningMessage('Alembic Pilot runs Alembic only in a trusted workspace, because Alembic executes env.py.');
      return undefined;
    }
    if (this.runner.isBusy(env)) {
      void vscode.window.showWarningMessage(`An Alembic operation is already running for ${env.label}; wait for it or cancel it.`);
      return undefined;
    }
    const command = await this.command(env);
    if (!command) return undefined;
    const db = options.database;
    const password = db ? await this.ctx.databases.storedPassword(db) : undefined;
    const log = this.ctx.output;
    log.info(`Running ${describeOperation(operation)} for ${env.label}${db ? ` on ${db.name ?? db.display}` : ''}`);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: options.title, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
          return await this.runner.run({
            env,
            operation,
            command,
            ...(db ? { database: db } : {}),
            ...(password !== undefined ? { password } : {}),
            cwd: this.ctx.databases.cwd(env),
            versionTableSetting: this.ctx.databases.versionTableSetting(env),
            ...(options.expectedCurrent ? { expectedCurrent: options.expectedCurrent } : {}),
            signal: abort.signal,
            onOutput: (line) => {
              log.info(`[alembic ${line.stream}] ${line.text}`);
              const step = /Running (upgrade|downgrade|stamp_revision)\s+(.*)$/.exec(line.text);
              if (step) progress.report({ message: `${step[1]} ${step[2]}` });
            },
          });
        } finally {
          sub.dispose();
        }
      },
    );
    log.info(result.message);
    if (options.report !== false) void this.report(result, env);
    return result;
  }

  private async report(result: RunResult, env: EnvironmentInfo): Promise<void> {
    if (result.ok) {
      void vscode.window.showInformationMessage(result.message);
      return;
    }
    if (result.errorKind === 'cancelled') {
      void vscode.window.showWarningMessage(result.message, 'Show Log').then((c) => c && this.ctx.output.show(true));
      return;
    }
    if (result.errorKind === 'url-not-used' && result.openFile !== undefined) {
      const file = result.openFile;
      const choice = await vscode.window.showErrorMessage(result.message, 'Open env.py');
      if (choice) await vscode.window.showTextDocument(vscode.Uri.file(file));
      return;
    }
    if (result.errorKind === 'spawn') {
      const choice = await vscode.window.showErrorMessage(result.message, 'Select Interpreter', 'Show Log');
      if (choice === 'Select Interpreter') await selectInterpreter();
      else if (choice) this.ctx.output.show(true);
      return;
    }
    // Alembic's own error is the message; the whole traceback is in the log.
    const text = result.errorKind === 'alembic' && result.alembicError !== undefined ? `Alembic failed on ${env.label}: ${result.alembicError}` : result.message;
    const choice = await vscode.window.showErrorMessage(text, 'Show Log');
    if (choice) this.ctx.output.show(true);
  }

  /** `alembic current`, for databases `pg` cannot read; throws with Alembic's message on failure. */
  async current(env: EnvironmentInfo, db: ResolvedDatabase): Promise<string[]> {
    if (this.runner.isBusy(env)) throw new Error('an Alembic operation is running; the state is read again when it ends');
    const command = await this.command(env, false);
    if (!command) throw new Error('no way to run Alembic was found (see the output channel); select an interpreter or set alembicPilot.alembicCommand');
    const password = await this.ctx.databases.storedPassword(db);
    const result = await this.runner.run({
      env,
      operation: { kind: 'current' },
      command,
      database: db,
      ...(password !== undefined ? { password } : {}),
      cwd: this.ctx.databases.cwd(env),
      versionTableSetting: this.ctx.databases.versionTableSetting(env),
      onOutput: (line) => this.ctx.output.debug(`[alembic current] ${line.text}`),
    });
    if (!result.ok) throw new Error(result.alembicError ?? result.message);
    return result.current ?? [];
  }
}
