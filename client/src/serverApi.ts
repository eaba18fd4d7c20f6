import type { LanguageClient } from 'vscode-languageclient/node';
import {
  EnvironmentsChangedNotification,
  EnvironmentsRequest,
  GraphChangedNotification,
  GraphRequest,
  PlanRequest,
  RevisionRequest,
  ScaffoldRequest,
  type EnvironmentInfo,
  type GraphEnvironment,
} from '../../server/src/protocol';

/**
 * The language server's custom requests, typed. The server owns the model of the migrations;
 * the client only asks (see docs/ARCHITECTURE.md, "Custom LSP messages").
 */
export class ServerApi {
  constructor(readonly client: LanguageClient) {}

  async environments(configFile?: string): Promise<EnvironmentInfo[]> {
    const params: EnvironmentsRequest.Params = configFile === undefined ? {} : { configFile };
    const result = await this.client.sendRequest<EnvironmentsRequest.Result>(EnvironmentsRequest.method, params);
    return result.environments;
  }

  /** One page of an environment's history, newest first; undefined when the environment is gone. */
  async graphPage(env: { configFile: string; section: string }, offset: number, limit: number): Promise<GraphEnvironment | undefined> {
    const params: GraphRequest.Params = { configFile: env.configFile, section: env.section, offset, limit };
    const result = await this.client.sendRequest<GraphRequest.Result>(GraphRequest.method, params);
    return result.environments.find((e) => e.section === env.section) ?? result.environments[0];
  }

  revision(params: RevisionRequest.Params): Promise<RevisionRequest.Result | null> {
    return this.client.sendRequest<RevisionRequest.Result | null>(RevisionRequest.method, params);
  }

  plan(params: PlanRequest.Params): Promise<PlanRequest.Result> {
    return this.client.sendRequest<PlanRequest.Result>(PlanRequest.method, params);
  }

  scaffold(params: ScaffoldRequest.Params): Promise<ScaffoldRequest.Result> {
    return this.client.sendRequest<ScaffoldRequest.Result>(ScaffoldRequest.method, params);
  }

  onGraphChanged(listener: (configFile: string) => void): { dispose(): void } {
    return this.client.onNotification(GraphChangedNotification.method, (p: GraphChangedNotification.Params) => listener(p.configFile));
  }

  onEnvironmentsChanged(listener: () => void): { dispose(): void } {
    return this.client.onNotification(EnvironmentsChangedNotification.method, () => listener());
  }
}
