import { fileURLToPath, pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
} from 'vscode-languageserver/node';
import { type ClientSupport, readClientSupport } from './lsp/clientSupport';
import { describeAccepted, handleAcceptExisting } from './lsp/features/acceptExisting';
import { handleCodeAction } from './lsp/features/codeActions';
import { handleCodeLens } from './lsp/features/codeLens';
import { handleCompletion } from './lsp/features/completion';
import { handleHover } from './lsp/features/hover';
import { handleDefinition, handleReferences } from './lsp/features/navigation';
import { handleDocumentSymbols } from './lsp/features/symbols';
import { pathOf } from './lsp/features/uris';
import { applyEditorSettings } from './lsp/settings';
import { loadSqlRules } from './lsp/sqlRules';
import { WorkspaceModel } from './lsp/workspaceModel';
import { handleEnvironments, mergeHeadsOf } from './lsp/environmentsView';
import { handlePlan, handleRevision } from './lsp/planView';
import { handleScaffold } from './lsp/scaffoldView';
import { AcceptExistingCommand, EnvironmentsChangedNotification, EnvironmentsRequest, GraphChangedNotification, GraphRequest, PlanRequest, RevisionRequest, ScaffoldRequest } from './protocol';

/**
 * The language server's wiring: LSP events in, model updates and diagnostics out. The model
 * and every rule live in `core/` and `lsp/`; this file only connects them.
 */

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const model = new WorkspaceModel([], (message) => connection.console.warn(message));
let client: ClientSupport | undefined;

connection.onInitialize((params) => {
  const roots = (params.workspaceFolders ?? []).map((f) => fileURLToPath(f.uri));
  if (roots.length === 0 && params.rootUri) roots.push(fileURLToPath(params.rootUri));
  model.setRoots(roots);
  client = readClientSupport(params.capabilities);
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      documentSymbolProvider: true,
      completionProvider: { triggerCharacters: ['"', "'"] },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      codeLensProvider: { resolveProvider: false },
      executeCommandProvider: { commands: [AcceptExistingCommand.command] },
    },
    serverInfo: { name: 'alembic-pilot' },
  };
});

connection.onInitialized(() => {
  // The server is the only one to ask for file events (our VS Code client registers no watchers
  // of its own, so every change arrives once). Clients that cannot register watchers may still
  // send events; asking those would only fail.
  if (client?.watchFiles) {
    connection.client
      .register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/alembic.ini' }, { globPattern: '**/pyproject.toml' }, { globPattern: '**/*.py' }],
      })
      .catch((e: unknown) => connection.console.warn(`Alembic Pilot could not watch files: ${String(e)}`));
  }
  if (client?.configurationChanges) {
    connection.client
      .register(DidChangeConfigurationNotification.type, { section: 'alembicPilot' })
      .catch((e: unknown) => connection.console.warn(`Alembic Pilot could not follow settings changes: ${String(e)}`));
  }
  guarded('discovering Alembic environments', () => {
    model.rediscover();
    const envs = model.environments();
    connection.console.info(`Alembic Pilot found ${envs.length} environment(s): ${envs.map((e) => e.configFile).join(', ') || 'none'}`);
  });
  // The first diagnostics wait for the editor's settings, so that a rule switched off there
  // never flashes up; the SQL parser loads afterwards and re-publishes on its own.
  void readSettings().then(() => {
    publish();
    void loadSqlRules(model, { info: (m) => connection.console.info(m), error: (m) => connection.console.error(m) }).then((loaded) => {
      if (loaded) publish();
    });
  });
});

connection.onDidChangeConfiguration((params) => {
  if (client?.configuration) void readSettings().then(publish);
  else {
    // A client without `workspace/configuration` pushes its settings here, for every folder alike.
    const section: unknown = (params.settings as Record<string, unknown> | null)?.['alembicPilot'];
    void applyEditorSettings(model, () => Promise.resolve(section), (m) => connection.console.warn(m)).then(publish, logFailure('applying settings'));
  }
});

documents.onDidChangeContent((e) => {
  guarded('updating a revision file', () => {
    const file = pathOf(e.document.uri);
    if (file !== undefined && model.setText(file, e.document.getText())) schedulePublish();
  });
});

documents.onDidClose((e) => {
  guarded('closing a revision file', () => {
    const file = pathOf(e.document.uri);
    if (file !== undefined && model.setText(file, undefined)) schedulePublish();
  });
});

connection.onDidChangeWatchedFiles((params) => {
  guarded('reacting to file changes', () => {
    // env.py counts as configuration: its context.configure(transactional_ddl=...) is part of the dialect.
    const configChanged = params.changes.some((c) => /(?:alembic\.ini|pyproject\.toml|\/env\.py)$/.test(c.uri));
    const listingChanged = params.changes.some((c) => c.type !== FileChangeType.Changed);
    if (configChanged) {
      model.rediscover();
      void connection.sendNotification(EnvironmentsChangedNotification.method, {});
    } else if (listingChanged) model.refreshListing();
    else {
      for (const c of params.changes) {
        const file = pathOf(c.uri);
        if (file !== undefined && !documents.get(c.uri)) model.setText(file, undefined);
      }
    }
    if (configChanged && client?.configuration) void readSettings().then(publish);
    else publish();
  });
});

connection.onRequest(GraphRequest.method, (params: GraphRequest.Params | undefined) =>
  guarded('answering the graph request', () => ({
    environments: model.graph(typeof params?.configFile === 'string' ? params.configFile : undefined, typeof params?.section === 'string' ? params.section : undefined, params ?? {}),
  })) ?? { environments: [] },
);
connection.onRequest(EnvironmentsRequest.method, (params: unknown) => guarded('listing the environments', () => handleEnvironments(model, params)) ?? { environments: [] });
connection.onRequest(RevisionRequest.method, (params: unknown) => guarded('answering a revision request', () => handleRevision(model, params)) ?? null);
connection.onRequest<PlanRequest.Result, void>(
  PlanRequest.method,
  (params: unknown): PlanRequest.Result => guarded('planning a migration', () => handlePlan(model, params)) ?? { ok: false, error: 'Alembic Pilot failed while planning; see its output.' },
);
connection.onRequest<ScaffoldRequest.Result, void>(
  ScaffoldRequest.method,
  (params: unknown): ScaffoldRequest.Result =>
    guarded('rendering a new revision', () => handleScaffold(model, params, (configFile, section) => mergeHeadsOf(model, configFile, section))) ?? {
      ok: false,
      fallback: true,
      reason: 'Alembic Pilot failed while rendering the revision; see its output.',
    },
);

connection.onHover((params) => guarded('answering a hover', () => handleHover(model, params)) ?? null);
connection.onDefinition((params) => guarded('going to a definition', () => handleDefinition(model, params)) ?? null);
connection.onReferences((params) => guarded('finding references', () => handleReferences(model, params)) ?? null);
connection.onCompletion((params) => guarded('completing', () => handleCompletion(model, params)) ?? null);
connection.onDocumentSymbol((params) => guarded('listing symbols', () => handleDocumentSymbols(model, params)) ?? null);
connection.onCodeLens((params) => guarded('computing code lenses', () => handleCodeLens(model, params, client?.commands ?? new Set())) ?? []);

connection.onCodeAction((params) => {
  const actions = guarded('computing code actions', () => {
    const file = pathOf(params.textDocument.uri);
    const open = file === undefined ? undefined : model.revision(file);
    if (file === undefined || !open) return [];
    return handleCodeAction(params, {
      findings: model.findings(file),
      text: open.file.text,
      versionOf: (uri) => documents.get(uri)?.version ?? null,
      support: client?.edits ?? { documentChanges: false, createFiles: false },
    });
  });
  // Findings computed for the request (a keystroke not yet linted) still need publishing.
  schedulePublish();
  return actions ?? [];
});

connection.onExecuteCommand((params) => {
  if (params.command !== AcceptExistingCommand.command) return null;
  const result = guarded('accepting the existing migrations', () => handleAcceptExisting(model, params.arguments));
  if (!result) return null;
  const message = describeAccepted(result);
  void (result.failed.length > 0 ? connection.window.showErrorMessage(message) : connection.window.showInformationMessage(message));
  // The environments were read again with the new setting; their settings from the editor too.
  void readSettings().then(publish);
  return result;
});

/** Reads and applies the editor's settings of every environment; never rejects. */
async function readSettings(): Promise<void> {
  if (!client?.configuration) return;
  await applyEditorSettings(model, (scopeUri) => connection.workspace.getConfiguration({ scopeUri, section: 'alembicPilot' }), (m) => connection.console.warn(m)).catch(
    logFailure('reading settings'),
  );
}

let publishScheduled = false;

/**
 * Lints after the current batch of messages: several queued keystrokes then cost one lint,
 * while requests that need the findings (code actions) lint the stale files themselves.
 */
function schedulePublish(): void {
  if (publishScheduled) return;
  publishScheduled = true;
  setImmediate(() => {
    publishScheduled = false;
    publish();
  });
}

function publish(): void {
  guarded('publishing diagnostics', () => {
    for (const [file, diagnostics] of model.diagnostics()) {
      void connection.sendDiagnostics({ uri: pathToFileURL(file).toString(), diagnostics });
    }
    for (const configFile of model.takeGraphChanges()) {
      void connection.sendNotification(GraphChangedNotification.method, { configFile });
    }
  });
}

/** Logs a failure and keeps the server running: one broken file must not take the editor down. */
function guarded<T>(what: string, work: () => T): T | undefined {
  try {
    return work();
  } catch (e) {
    logFailure(what)(e);
    return undefined;
  }
}

function logFailure(what: string): (e: unknown) => void {
  return (e) => connection.console.error(`Alembic Pilot failed while ${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
}

documents.listen(connection);
connection.listen();
