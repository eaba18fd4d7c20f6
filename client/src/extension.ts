import * as vscode from 'vscode';
import {
  LanguageClient,
  RevealOutputChannelOn,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { ServerErrors } from './serverErrors';

/** The client's id is also the prefix of the `alembicPilot.trace.server` setting it reads. */
const CLIENT_ID = 'alembicPilot';
const CHANNEL_NAME = 'Alembic Pilot';

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  // One channel for the extension's and the client's logs and for protocol traces. It is created
  // here rather than by the client so that "Show Output" works even if the server never starts.
  const output = vscode.window.createOutputChannel(CHANNEL_NAME, { log: true });
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('alembicPilot.showOutput', () => output.show(true)),
  );

  const errors = new ServerErrors(output);
  client = createClient(context, output, errors);

  void vscode.commands.executeCommand('setContext', 'alembicPilot.inProject', true);
  void client.start().catch((error: unknown) => errors.startFailed(error));
}

export function deactivate(): Thenable<void> | undefined {
  // stop() rejects unless the client is running, for example after the server failed to start.
  return client?.isRunning() ? client.stop() : undefined;
}

function createClient(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  errors: ServerErrors,
): LanguageClient {
  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: ['--nolazy', '--inspect=6009'] },
    },
  };
  // The server's model of the migrations depends on files the user may never open, and they
  // change outside the editor too (git checkout, `alembic revision`), so it hears of every change.
  const watchers = ['**/alembic.ini', '**/pyproject.toml', '**/*.py'].map((glob) =>
    vscode.workspace.createFileSystemWatcher(glob),
  );
  context.subscriptions.push(...watchers);

  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'python' }],
    outputChannel: output,
    // ServerErrors reports failures once, with a button to this channel, so the client must not
    // also pop the channel open on every logged error.
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    errorHandler: errors.errorHandler,
    initializationFailedHandler: errors.initializationFailed,
    synchronize: { fileEvents: watchers },
  };
  return new LanguageClient(CLIENT_ID, CHANNEL_NAME, serverOptions, clientOptions);
}
