import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
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
const model = new WorkspaceModel(
  [],
  (message) => connection.console.warn(message),
  (message) => connection.console.info(message),
);
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
  discover();
  // The first diagnostics wait for the files and the editor's settings, so that a rule
  // switched off there never flashes up; the SQL parser loads afterwards and re-publishes on
  // its own, and the rest of the history is linted in the background once it is there.
  void Promise.all([model.ready(), readSettings()]).then(() => {
    pump();
    void loadSqlRules(model, { info: (m) => connection.console.info(m), error: (m) => connection.console.error(m) }).then((loaded) => {
      if (!loaded) model.setSqlParser(undefined);
      pump();
    });
  });
});

/** Finds the environments (at once) and reads their files (in slices, see WorkspaceModel). */
function discover(): void {
  guarded('discovering Alembic environments', () => {
    void model.rediscover();
    const envs = model.environments();
    connection.console.info(`Alembic Pilot found ${envs.length} environment(s): ${envs.map((e) => e.configFile).join(', ') || 'none'}`);
  });
}

connection.onDidChangeConfiguration((params) => {
  if (client?.configuration) void readSettings().then(pump);
  else {
    // A client without `workspace/configuration` pushes its settings here, for every folder alike.
    const section: unknown = (params.settings as Record<string, unknown> | null)?.['alembicPilot'];
    void applyEditorSettings(model, () => Promise.resolve(section), (m) => connection.console.warn(m)).then(pump, logFailure('applying settings'));
  }
});

documents.onDidChangeContent((e) => {
  guarded('updating a revision file', () => {
    const file = pathOf(e.document.uri);
    if (file !== undefined && model.setText(file, e.document.getText())) pump();
  });
});

documents.onDidClose((e) => {
  guarded('closing a revision file', () => {
    const file = pathOf(e.document.uri);
    if (file !== undefined && model.setText(file, undefined)) pump();
  });
});

connection.onDidChangeWatchedFiles((params) => {
  // env.py counts as configuration: its context.configure(transactional_ddl=...) is part of the dialect.
  const configChanged = params.changes.some((c) => /(?:alembic\.ini|pyproject\.toml|\/env\.py)$/.test(c.uri));
  if (configChanged) {
    discover();
    void connection.sendNotification(EnvironmentsChangedNotification.method, {});
    void Promise.all([model.ready(), client?.configuration ? readSettings() : undefined]).then(pump);
    return;
  }
  // Files read before the change may be stale, so the change waits for the reading to end.
  void model.ready().then(() =>
    guarded('reacting to file changes', () => {
      if (params.changes.some((c) => c.type !== FileChangeType.Changed)) model.refreshListing();
      else {
        for (const c of params.changes) {
          const file = pathOf(c.uri);
          if (file !== undefined && !documents.get(c.uri)) model.setText(file, undefined);
        }
      }
      pump();
    }),
  );
});

// Requests are answered once the files are read: until then the graph is incomplete.
connection.onRequest(GraphRequest.method, async (params: GraphRequest.Params | undefined) =>
  (await whenReady('answering the graph request', () => ({
    environments: model.graph(typeof params?.configFile === 'string' ? params.configFile : undefined, typeof params?.section === 'string' ? params.section : undefined, params ?? {}),
  }))) ?? { environments: [] },
);
connection.onRequest(EnvironmentsRequest.method, async (params: unknown) => (await whenReady('listing the environments', () => handleEnvironments(model, params))) ?? { environments: [] });
connection.onRequest(RevisionRequest.method, async (params: unknown) => (await whenReady('answering a revision request', () => handleRevision(model, params))) ?? null);
connection.onRequest<PlanRequest.Result, void>(
  PlanRequest.method,
  async (params: unknown): Promise<PlanRequest.Result> =>
    (await whenReady('planning a migration', () => handlePlan(model, params))) ?? { ok: false, error: 'Alembic Pilot failed while planning; see its output.' },
);
connection.onRequest<ScaffoldRequest.Result, void>(
  ScaffoldRequest.method,
  async (params: unknown): Promise<ScaffoldRequest.Result> =>
    (await whenReady('rendering a new revision', () => handleScaffold(model, params, (configFile, section) => mergeHeadsOf(model, configFile, section)))) ?? {
      ok: false,
      fallback: true,
      reason: 'Alembic Pilot failed while rendering the revision; see its output.',
    },
);

connection.onHover(async (params) => (await whenReady('answering a hover', () => handleHover(model, params))) ?? null);
connection.onDefinition(async (params) => (await whenReady('going to a definition', () => handleDefinition(model, params))) ?? null);
connection.onReferences(async (params) => (await whenReady('finding references', () => handleReferences(model, params))) ?? null);
connection.onCompletion(async (params) => (await whenReady('completing', () => handleCompletion(model, params))) ?? null);
connection.onDocumentSymbol(async (params) => (await whenReady('listing symbols', () => handleDocumentSymbols(model, params))) ?? null);
connection.onCodeLens(async (params) => (await whenReady('computing code lenses', () => handleCodeLens(model, params, client?.commands ?? new Set()))) ?? []);

connection.onCodeAction(async (params) => {
  const actions = await whenReady('computing code actions', () => {
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
  pump();
  return actions ?? [];
});

connection.onExecuteCommand(async (params) => {
  if (params.command !== AcceptExistingCommand.command) return null;
  // The heads come from the graph, so the command waits for the files to be read.
  const result = await whenReady('accepting the existing migrations', () => handleAcceptExisting(model, params.arguments));
  if (!result) return null;
  const message = describeAccepted(result);
  void (result.failed.length > 0 ? connection.window.showErrorMessage(message) : connection.window.showInformationMessage(message));
  // The environments were read again with the new setting; their settings from the editor too.
  void Promise.all([model.ready(), readSettings()]).then(pump);
  return result;
});

/** Reads and applies the editor's settings of every environment; never rejects. */
async function readSettings(): Promise<void> {
  if (!client?.configuration) return;
  await applyEditorSettings(model, (scopeUri) => connection.workspace.getConfiguration({ scopeUri, section: 'alembicPilot' }), (m) => connection.console.warn(m)).catch(
    logFailure('reading settings'),
  );
}

/** How long one round of linting may keep the event loop before messages are read again. */
const LINT_SLICE_MS = 10;
let pumpScheduled = false;

/**
 * Lints and publishes after the current batch of messages: several queued keystrokes then
 * cost one lint, while requests that need the findings (code actions) lint the stale files
 * themselves. Each round brings the open files and the graph rules up to date and lints the
 * rest of the history for a slice; rounds go on while there is more, each after the messages
 * that came in meanwhile.
 */
function pump(): void {
  if (pumpScheduled) return;
  pumpScheduled = true;
  setImmediate(() => {
    pumpScheduled = false;
    publish();
    if (model.busy) {
      backgroundSince ??= performance.now();
      pump();
    } else {
      if (backgroundSince !== undefined) {
        connection.console.info(`Alembic Pilot brought the findings of every revision file up to date in the background in ${Math.round(performance.now() - backgroundSince)} ms.`);
        backgroundSince = undefined;
      }
      warmWhenIdle();
    }
  });
}

/** How long the server must have had nothing to do before it orders the histories. */
const WARM_AFTER_IDLE_MS = 1000;
let warmTimer: NodeJS.Timeout | undefined;

/**
 * Orders the histories for the Revisions view once the user has paused: each keystroke that
 * edits a header changes the graph, and ordering a long history between two keystrokes would
 * delay the second one's findings, so every new round of work restarts the wait.
 */
function warmWhenIdle(): void {
  if (warmTimer !== undefined) clearTimeout(warmTimer);
  warmTimer = setTimeout(() => {
    warmTimer = undefined;
    if (model.busy || pumpScheduled) return;
    guarded('ordering the history for the Revisions view', () => model.warmHistoryOrders());
    collectIfGrown();
  }, WARM_AFTER_IDLE_MS);
  // A pending warm-up must not keep a server whose client went away alive.
  warmTimer.unref();
}

/**
 * A burst of keystrokes can leave V8's heap two or three times the size of what lives in it,
 * and V8 gives the rest back only when it next collects, which an idle server does not do: the
 * edit storm's RSS stayed 40-50 MB up. One full collection in the pause hands it back. It runs
 * only when the heap has grown by 16 MB since the last one, so a large history's heap, most of
 * it live, is not walked after every pause. (server/src/launch.json starts Node with --expose-gc.)
 */
let heapAfterCollect = 0;
function collectIfGrown(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc || getHeapStatistics().total_heap_size - heapAfterCollect < 16 * 2 ** 20) return;
  gc();
  heapAfterCollect = getHeapStatistics().total_heap_size;
}

/** When the current stretch of background linting began, for the log line at its end. */
let backgroundSince: number | undefined;

function publish(): void {
  guarded('publishing diagnostics', () => {
    for (const [file, diagnostics] of model.diagnostics(LINT_SLICE_MS)) {
      void connection.sendDiagnostics({ uri: pathToFileURL(file).toString(), diagnostics });
    }
    for (const configFile of model.takeGraphChanges()) {
      void connection.sendNotification(GraphChangedNotification.method, { configFile });
    }
  });
}

/** Runs a request's work once the files are read, under the same guard as every handler. */
async function whenReady<T>(what: string, work: () => T): Promise<T | undefined> {
  await model.ready();
  return guarded(what, work);
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
