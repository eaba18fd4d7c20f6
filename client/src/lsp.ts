import * as vscode from 'vscode';
import {
  LanguageClient,
  RevealOutputChannelOn,
  TransportKind,
  type ClientCapabilities as LspClientCapabilities,
  type FeatureState,
  type LanguageClientOptions,
  type ServerOptions,
  type StaticFeature,
} from 'vscode-languageclient/node';
import launch from '../../server/src/launch.json';
import { ClientCapabilities, RevisionCommands } from '../../server/src/protocol';
import type { ServerErrors } from './serverErrors';

/** The client's id is also the prefix of the `alembicPilot.trace.server` setting it reads. */
const CLIENT_ID = 'alembicPilot';
export const CHANNEL_NAME = 'Alembic Pilot';

/**
 * Declares, in `initialize`, which CodeLens commands this client can run. Capabilities are fixed
 * for the life of a client, so in Restricted Mode none are declared (the lenses would run
 * Alembic), and the client is restarted when the workspace becomes trusted.
 */
class RevisionCommandsFeature implements StaticFeature {
  constructor(private readonly trusted: boolean) {}

  fillClientCapabilities(capabilities: LspClientCapabilities): void {
    const value: ClientCapabilities.Value = { commands: this.trusted ? [RevisionCommands.upgradeTo, RevisionCommands.downgradeTo] : [] };
    capabilities.experimental = { ...(capabilities.experimental as object | undefined), [ClientCapabilities.key]: value };
  }

  getState(): FeatureState {
    return { kind: 'static' };
  }

  initialize(): void {}

  clear(): void {}
}

export function createLanguageClient(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  errors: ServerErrors,
  trusted: boolean,
): LanguageClient {
  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...launch.execArgv] } },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: [...launch.execArgv, '--nolazy', '--inspect=6009'] },
    },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'python' }],
    outputChannel: output,
    // ServerErrors reports failures once, with a button to this channel, so the client must not
    // also pop the channel open on every logged error.
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    errorHandler: errors.errorHandler,
    initializationFailedHandler: errors.initializationFailed,
    // No `synchronize.fileEvents`: the server registers the globs it needs itself (dynamic
    // registration), and a second, client-side set of watchers would deliver every event twice.
  };
  const client = new LanguageClient(CLIENT_ID, CHANNEL_NAME, serverOptions, clientOptions);
  client.registerFeature(new RevisionCommandsFeature(trusted));
  return client;
}
