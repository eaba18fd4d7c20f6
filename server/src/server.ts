import { fileURLToPath, pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
} from 'vscode-languageserver/node';
import { WorkspaceModel } from './lsp/workspaceModel';
import { GraphChangedNotification, GraphRequest } from './protocol';

/**
 * The language server's wiring: LSP events in, model updates and diagnostics out. The model
 * and every rule live in `core/` and `lsp/`; this file only connects them.
 */

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const model = new WorkspaceModel([], (message) => connection.console.warn(message));
let canWatchFiles = false;

connection.onInitialize((params) => {
  const roots = (params.workspaceFolders ?? []).map((f) => fileURLToPath(f.uri));
  if (roots.length === 0 && params.rootUri) roots.push(fileURLToPath(params.rootUri));
  model.setRoots(roots);
  canWatchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
  return {
    capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental },
    serverInfo: { name: 'alembic-pilot' },
  };
});

connection.onInitialized(() => {
  // Clients that cannot register watchers (or watch on their own, as our VS Code client does)
  // still send file events if they can; asking those that cannot would only fail.
  if (canWatchFiles) {
    connection.client
      .register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/alembic.ini' }, { globPattern: '**/pyproject.toml' }, { globPattern: '**/*.py' }],
      })
      .catch((e: unknown) => connection.console.warn(`Alembic Pilot could not watch files: ${String(e)}`));
  }
  guarded('discovering Alembic environments', () => {
    model.rediscover();
    const envs = model.environments();
    connection.console.info(`Alembic Pilot found ${envs.length} environment(s): ${envs.map((e) => e.configFile).join(', ') || 'none'}`);
    publish();
  });
});

documents.onDidChangeContent((e) => {
  guarded('updating a revision file', () => {
    if (model.setText(fileURLToPath(e.document.uri), e.document.getText())) publish();
  });
});

documents.onDidClose((e) => {
  guarded('closing a revision file', () => {
    if (model.setText(fileURLToPath(e.document.uri), undefined)) publish();
  });
});

connection.onDidChangeWatchedFiles((params) => {
  guarded('reacting to file changes', () => {
    const configChanged = params.changes.some((c) => /(?:alembic\.ini|pyproject\.toml)$/.test(c.uri));
    const listingChanged = params.changes.some((c) => c.type !== FileChangeType.Changed);
    if (configChanged) model.rediscover();
    else if (listingChanged) model.refreshListing();
    else {
      for (const c of params.changes) {
        const file = fileURLToPath(c.uri);
        if (!documents.get(c.uri)) model.setText(file, undefined);
      }
    }
    publish();
  });
});

connection.onRequest(GraphRequest.method, (params: GraphRequest.Params | undefined) => ({
  environments: model.graph(params?.configFile),
}));

function publish(): void {
  for (const [file, diagnostics] of model.diagnostics()) {
    void connection.sendDiagnostics({ uri: pathToFileURL(file).toString(), diagnostics });
  }
  for (const env of model.environments()) {
    void connection.sendNotification(GraphChangedNotification.method, { configFile: env.configFile });
  }
}

/** Logs a failure and keeps the server running: one broken file must not take the editor down. */
function guarded(what: string, work: () => void): void {
  try {
    work();
  } catch (e) {
    connection.console.error(`Alembic Pilot failed while ${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
}

documents.listen(connection);
connection.listen();
