import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ConfigurationRequest,
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocumentEdit,
  type ClientCapabilities,
  type ConfigurationParams,
  type Diagnostic,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';
import launch from '../../../server/src/launch.json';
import { applyTextEdits } from '../../../server/src/lsp/features/textEdits';

/**
 * A small LSP client for the bundled server (dist/server.js over stdio): it copies the sample
 * project (or another), answers `workspace/configuration` from a settings function, keeps the latest
 * diagnostics per document, and applies workspace edits the way an editor does.
 */

const repo = path.resolve(__dirname, '../../..');

export interface ClientOptions {
  capabilities?: ClientCapabilities;
  /** The `alembicPilot` section per scope URI; undefined means the client has no configuration support. */
  settings?: (scopeUri: string | undefined) => unknown;
  /** The folder copied as the workspace; migrations-sample by default. */
  project?: string;
}

export class TestClient {
  readonly work: string;
  readonly conn: ProtocolConnection;
  readonly logs: string[] = [];
  private readonly server: ChildProcess;
  private readonly published = new Map<string, PublishDiagnosticsParams>();
  private readonly versions = new Map<string, number>();
  private readonly texts = new Map<string, string>();

  constructor(private readonly options: ClientOptions = {}) {
    this.work = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-lsp-'));
    // Symbolic links are copied as they are, so that a project can hold a link loop.
    cpSync(this.options.project ?? path.join(repo, 'migrations-sample'), this.work, { recursive: true, verbatimSymlinks: true });
    this.server = spawn(process.execPath, [...launch.execArgv, path.join(repo, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.conn = createProtocolConnection(new StreamMessageReader(this.server.stdout!), new StreamMessageWriter(this.server.stdin!));
    this.conn.onNotification(PublishDiagnosticsNotification.method, (p: PublishDiagnosticsParams) => {
      this.published.set(p.uri, p);
    });
    this.conn.onNotification(LogMessageNotification.method, (p: { message: string }) => {
      this.logs.push(p.message);
    });
    this.conn.onRequest(ConfigurationRequest.method, (p: ConfigurationParams) => p.items.map((i) => this.options.settings?.(i.scopeUri) ?? null));
    this.conn.listen();
  }

  async start(): Promise<InitializeResult> {
    const capabilities: ClientCapabilities = {
      ...this.options.capabilities,
      workspace: { ...this.options.capabilities?.workspace, ...(this.options.settings ? { configuration: true } : {}) },
    };
    const result: InitializeResult = await this.conn.sendRequest(InitializeRequest.method, {
      processId: process.pid,
      rootUri: pathToFileURL(this.work).toString(),
      workspaceFolders: [{ uri: pathToFileURL(this.work).toString(), name: 'sample' }],
      capabilities,
    });
    await this.conn.sendNotification(InitializedNotification.method, {});
    return result;
  }

  /** Waits until the server says the SQL parser is loaded, so SQL rules report. */
  async sqlReady(): Promise<void> {
    await eventually('the SQL parser', () => (this.logs.some((l) => l.includes('SQL parser')) ? true : undefined));
  }

  stop(): void {
    this.conn.dispose();
    this.server.kill();
    rmSync(this.work, { recursive: true, force: true });
  }

  /** The server process, for measuring it from outside (its memory in /proc). */
  get pid(): number {
    return this.server.pid!;
  }

  get alive(): boolean {
    return this.server.exitCode === null && this.server.signalCode === null;
  }

  file(relative: string): string {
    return path.join(this.work, relative);
  }

  uri(relative: string): string {
    return pathToFileURL(this.file(relative)).toString();
  }

  diagnostics(uri: string): Diagnostic[] | undefined {
    return this.published.get(uri)?.diagnostics;
  }

  /** Every document's latest non-empty diagnostics. */
  allDiagnostics(): Map<string, Diagnostic[]> {
    return new Map([...this.published].filter(([, p]) => p.diagnostics.length > 0).map(([uri, p]) => [uri, p.diagnostics]));
  }

  text(uri: string): string {
    return this.texts.get(uri)!;
  }

  version(uri: string): number {
    return this.versions.get(uri)!;
  }

  async open(uri: string, text?: string): Promise<string> {
    const content = text ?? readFileSync(new URL(uri), 'utf8');
    this.texts.set(uri, content);
    this.versions.set(uri, 1);
    await this.conn.sendNotification(DidOpenTextDocumentNotification.method, { textDocument: { uri, languageId: 'python', version: 1, text: content } });
    return content;
  }

  /** Sends ranged (incremental) changes, as VS Code does for each keystroke or applied edit. */
  async change(uri: string, edits: TextEdit[]): Promise<void> {
    const version = this.version(uri) + 1;
    this.versions.set(uri, version);
    // Ranged changes apply one after the other, so they are sent last-first to keep their ranges valid.
    const ordered = [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character);
    let text = this.text(uri);
    for (const e of ordered) text = applyTextEdits(text, [e]);
    this.texts.set(uri, text);
    await this.conn.sendNotification(DidChangeTextDocumentNotification.method, {
      textDocument: { uri, version },
      contentChanges: ordered.map((e) => ({ range: e.range, text: e.newText })),
    });
  }

  /** Replaces the first occurrence of `from` in the open document with one ranged change. */
  async replace(uri: string, from: string, to: string): Promise<void> {
    const text = this.text(uri);
    const at = text.indexOf(from);
    if (at < 0) throw new Error(`${JSON.stringify(from)} is not in ${uri}`);
    await this.change(uri, [{ range: { start: positionAt(text, at), end: positionAt(text, at + from.length) }, newText: to }]);
  }

  /**
   * Applies a workspace edit like an editor: a versioned document edit must match the open
   * document's version, and the edits go to the server as one incremental change.
   */
  async apply(edit: WorkspaceEdit): Promise<void> {
    for (const change of edit.documentChanges ?? []) {
      if (!TextDocumentEdit.is(change)) throw new Error(`Unexpected resource operation ${JSON.stringify(change)}`);
      const uri = change.textDocument.uri;
      if (change.textDocument.version !== null && change.textDocument.version !== this.version(uri)) throw new Error(`Stale edit for ${uri}`);
      await this.change(uri, change.edits.filter((e): e is TextEdit => 'range' in e));
    }
    for (const [uri, edits] of Object.entries(edit.changes ?? {})) await this.change(uri, edits);
  }
}

export function positionAt(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before.at(-1)!.length };
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
