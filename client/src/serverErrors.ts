import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type InitializationFailedHandler,
} from 'vscode-languageclient/node';

const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60_000;

/**
 * Error policy for the language client. The client's defaults show a notification for each
 * failure. This policy restarts a crashed server as often as the defaults do, but it tells the
 * user only once per session, with a button that opens the log. A server that keeps crashing,
 * or that fails to initialize, then stays down instead of looping.
 */
export class ServerErrors {
  private notified = false;
  private restarts: number[] = [];

  constructor(private readonly output: vscode.LogOutputChannel) {}

  readonly errorHandler: ErrorHandler = {
    error: (_error, _message, count): ErrorHandlerResult => ({
      action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
      handled: true,
    }),
    closed: (): CloseHandlerResult => {
      const now = Date.now();
      this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
      if (this.restarts.length < MAX_RESTARTS) {
        this.restarts.push(now);
        return { action: CloseAction.Restart, handled: true };
      }
      const message =
        `The Alembic Pilot language server stopped ${MAX_RESTARTS + 1} times in 3 minutes and will not be ` +
        'restarted, so migration diagnostics stay off until the window is reloaded.';
      this.notifyOnce(message);
      return { action: CloseAction.DoNotRestart, message, handled: true };
    },
  };

  readonly initializationFailed: InitializationFailedHandler = (error: unknown) => {
    const reason = describe(error);
    this.notifyOnce(`The Alembic Pilot language server failed to start, so migration diagnostics are off: ${reason}`);
    return false;
  };

  /** For a rejected `client.start()`; the handlers above have usually told the user already. */
  startFailed(error: unknown): void {
    this.output.error('Starting the language server failed.', error);
    this.notifyOnce(`The Alembic Pilot language server could not be started: ${describe(error)}`);
  }

  private notifyOnce(message: string): void {
    this.output.error(message);
    if (this.notified) return;
    this.notified = true;
    void vscode.window.showErrorMessage(message, 'Show Output').then((choice) => {
      if (choice) this.output.show(true);
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
