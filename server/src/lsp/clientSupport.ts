import type { ClientCapabilities as LspClientCapabilities } from 'vscode-languageserver/node';
import { ClientCapabilities } from '../protocol';
import type { EditSupport } from './features/codeActions';

/** What the client told the server it can do, read once from `initialize`. */
export interface ClientSupport {
  /** It can register file watchers for us. */
  watchFiles: boolean;
  /** It answers `workspace/configuration`. */
  configuration: boolean;
  /** It lets us register for `workspace/didChangeConfiguration`. */
  configurationChanges: boolean;
  edits: EditSupport;
  /** The commands of `RevisionCommands` it can run; CodeLenses are shown for these only. */
  commands: ReadonlySet<string>;
}

export function readClientSupport(c: LspClientCapabilities): ClientSupport {
  const edit = c.workspace?.workspaceEdit;
  return {
    watchFiles: c.workspace?.didChangeWatchedFiles?.dynamicRegistration === true,
    configuration: c.workspace?.configuration === true,
    configurationChanges: c.workspace?.didChangeConfiguration?.dynamicRegistration === true,
    edits: { documentChanges: edit?.documentChanges === true, createFiles: edit?.resourceOperations?.includes('create') === true },
    commands: ClientCapabilities.commands(c.experimental),
  };
}
