import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CodeLensRequest,
  createProtocolConnection,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  HoverRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { GraphRequest } from '../../server/src/protocol';
import { eventually } from './lsp/harness';

/**
 * The bundled language server (dist/server.js, built by `npm test` before vitest runs), driven
 * over stdio by a real LSP connection: it finds the environment, answers the graph request, and
 * publishes and clears chain diagnostics as a revision file is edited.
 */

const repo = path.resolve(__dirname, '../..');
let work: string;
let server: ChildProcess;
let conn: ProtocolConnection;
const diagnostics = new Map<string, PublishDiagnosticsParams>();

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-lsp-'));
  cpSync(path.join(repo, 'migrations-sample'), work, { recursive: true });
  server = spawn(process.execPath, [path.join(repo, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  conn = createProtocolConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  conn.onNotification(PublishDiagnosticsNotification.method, (p: PublishDiagnosticsParams) => {
    diagnostics.set(p.uri, p);
  });
  conn.listen();
  await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: pathToFileURL(work).toString(),
    workspaceFolders: [{ uri: pathToFileURL(work).toString(), name: 'sample' }],
    capabilities: {},
  });
  await conn.sendNotification(InitializedNotification.type, {});
});

afterAll(() => {
  conn?.dispose();
  server?.kill();
  rmSync(work, { recursive: true, force: true });
});

async function graph(): Promise<GraphRequest.Result> {
  return conn.sendRequest(GraphRequest.method, {});
}

const mergeFile = (): string => path.join(work, 'alembic/versions/2025_03_04_0915-7d40e9b1f3a6_merge_feedback_and_turn_cost.py');

describe('language server', () => {
  it('answers the graph of the workspace in history order', async () => {
    const result = await eventually('the environment', async () => ((await graph()).environments.length > 0 ? graph() : undefined));
    const env = result.environments[0]!;
    expect(env.configFile).toBe(path.join(work, 'alembic.ini'));
    expect([...env.heads].sort()).toEqual(['ab93e5d7c162', 'e6a3f8c1b920']);
    expect(env.revisions.map((r) => r.id)).toEqual([
      'e6a3f8c1b920',
      'ab93e5d7c162',
      '41f7c2d9e8b3',
      '7d40e9b1f3a6',
      '5e1d9a0c7b24',
      'c83f2b6e4a17',
      '002',
      '001',
      '9b2c41e7d05f',
    ]);
  });

  it('publishes an unknown parent while typing, on the literal, and clears it when fixed', async () => {
    const uri = pathToFileURL(mergeFile()).toString();
    const original = readFileSync(mergeFile(), 'utf8');
    await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text: original } });
    const broken = original.replace("'c83f2b6e4a17'", "'c83f2b6e4a18'");
    await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: broken }] });
    const published = await eventually('the diagnostic', () => {
      const d = diagnostics.get(uri);
      return d && d.diagnostics.length > 0 ? d : undefined;
    });
    expect(published.diagnostics.map((d) => d.code)).toEqual(['unknown-down-revision']);
    const line = broken.split('\n').findIndex((l) => l.includes('c83f2b6e4a18'));
    expect(published.diagnostics[0]!.range.start.line).toBe(line);

    await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 3 }, contentChanges: [{ text: original }] });
    await eventually('the diagnostic to clear', () => (diagnostics.get(uri)?.diagnostics.length === 0 ? true : undefined));
  });

  it('keeps serving after a file that is not Python at all', async () => {
    const junk = path.join(work, 'alembic/versions/zz_junk.py');
    writeFileSync(junk, '\u0000\u0001 def (((\n"""');
    const uri = pathToFileURL(junk).toString();
    await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text: '\u0000 def (((\n"""' } });
    const result = await graph();
    expect(result.environments[0]!.revisions.length).toBe(9);
  });

  it('shows no CodeLens to a client that did not declare the revision commands', async () => {
    const uri = pathToFileURL(mergeFile()).toString();
    expect(await conn.sendRequest(CodeLensRequest.method, { textDocument: { uri } })).toEqual([]);
  });

  it('keeps answering after a huge file, a binary file and a half-typed file', async () => {
    const versions = path.join(work, 'alembic/versions');
    const huge = `revision = "ffff00000001"\ndown_revision = "ab93e5d7c162"\n\ndef upgrade():\n${'    op.execute("UPDATE t SET a = 1")\n'.repeat(30_000)}`;
    const inputs: [string, string][] = [
      ['zz_huge.py', huge],
      ['zz_binary.py', '\u0000\u00ff\ufffd\u0007'.repeat(10_000)],
      ['zz_half.py', 'revision = "ffff00000002"\ndown_revision = ("ab93e5d7c162", \ndef upgrade(:\n    op.execute("""SELECT'],
    ];
    for (const [name, text] of inputs) {
      const file = path.join(versions, name);
      writeFileSync(file, text);
      const uri = pathToFileURL(file).toString();
      // The watcher's event puts the file into the environment's listing, so it is parsed and linted.
      await conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri, type: FileChangeType.Created }] });
      await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text } });
      await conn.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version: 2 },
        contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# edited\n' }],
      });
      await conn.sendRequest(HoverRequest.method, { textDocument: { uri }, position: { line: 1, character: 14 } });
      const env = (await graph()).environments[0]!;
      expect(server.exitCode).toBeNull();
      if (name !== 'zz_binary.py') expect(env.revisions.some((r) => r.file === file)).toBe(true);
    }
  });
});
