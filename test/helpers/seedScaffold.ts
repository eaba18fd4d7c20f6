import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DidChangeWatchedFilesNotification, FileChangeType } from 'vscode-languageserver-protocol/node';
import { EnvironmentsRequest, RevisionRequest, ScaffoldRequest, type EnvironmentInfo } from '../../server/src/protocol';
import { eventually, TestClient } from '../integration/lsp/harness';

/**
 * New Revision through the real language server (dist/server.js): a copy of a seed project is
 * opened as the workspace, `alembicPilot/scaffold` renders the file, and it is written as the
 * client writes it, then announced as the file watcher would.
 */

export interface ScaffoldSession {
  client: TestClient;
  /** The workspace (a copy of the project). */
  root: string;
  environments(): Promise<EnvironmentInfo[]>;
  scaffold(params: ScaffoldRequest.Params): Promise<ScaffoldRequest.Result>;
  /** Writes a rendered file and waits until the server's graph has the new revision. */
  create(result: ScaffoldRequest.Result, configFile: string): Promise<string>;
  stop(): void;
}

export async function scaffoldSession(projectDir: string): Promise<ScaffoldSession> {
  const client = new TestClient({ project: projectDir });
  await client.start();
  const environments = async (): Promise<EnvironmentInfo[]> => (await client.conn.sendRequest<EnvironmentsRequest.Result>(EnvironmentsRequest.method, {})).environments;
  await eventually('the environment', async () => ((await environments()).length > 0 ? true : undefined), 30_000);
  return {
    client,
    root: client.work,
    environments,
    scaffold: (params) => client.conn.sendRequest<ScaffoldRequest.Result>(ScaffoldRequest.method, params),
    async create(result, configFile) {
      if (!result.ok) throw new Error(result.reason);
      writeFileSync(result.file, result.text);
      await client.conn.sendNotification(DidChangeWatchedFilesNotification.method, { changes: [{ uri: pathToFileURL(result.file).toString(), type: FileChangeType.Created }] });
      await eventually(
        'the new revision in the graph',
        async () => ((await client.conn.sendRequest<RevisionRequest.Result | null>(RevisionRequest.method, { configFile, revision: result.revId })) ? true : undefined),
        30_000,
      );
      return result.file;
    },
    stop: () => client.stop(),
  };
}

/** A path of the session's workspace. */
export function inWorkspace(session: ScaffoldSession, relative: string): string {
  return path.join(session.root, relative);
}
