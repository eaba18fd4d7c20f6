import * as vscode from 'vscode';
import type { EnvironmentInfo } from '../../../server/src/protocol';
import type { Ctx } from '../ctx';
import { envKey } from '../environments';

/**
 * Command arguments arrive as `unknown`: a tree node when run from the view, the
 * `[revision, configFile]` of a CodeLens, or nothing from the command palette. These helpers
 * validate them and ask the user for what is missing.
 */

export interface RevisionRef {
  env: EnvironmentInfo;
  id: string;
  file: string;
  message: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function envOfNode(ctx: Ctx, value: unknown): EnvironmentInfo | undefined {
  if (!isRecord(value) || !isRecord(value['env'])) return undefined;
  const ref = value['env'];
  if (typeof ref['configFile'] !== 'string' || typeof ref['section'] !== 'string') return undefined;
  const key = envKey({ configFile: ref['configFile'], section: ref['section'] });
  return ctx.environments.find((e) => envKey(e) === key);
}

/**
 * The environment a command is about: the node's, the one named by a config file argument,
 * the only one, or the one the user picks (the active editor's first).
 */
export async function environmentArg(ctx: Ctx, args: readonly unknown[], title: string): Promise<EnvironmentInfo | undefined> {
  const fromNode = envOfNode(ctx, args[0]);
  if (fromNode) return fromNode;
  const configFile = args.find((a): a is string => typeof a === 'string' && /(?:\.ini|\.toml)$/.test(a));
  if (configFile !== undefined) {
    const found = ctx.environments.find((e) => e.configFile === configFile);
    if (found) return found;
  }
  const envs = ctx.environments;
  if (envs.length === 0) {
    void vscode.window.showInformationMessage('Alembic Pilot has found no Alembic environment in this workspace yet.');
    return undefined;
  }
  if (envs.length === 1) return envs[0];
  const active = ctx.statusBar.activeEnvironment();
  const ordered = active ? [active, ...envs.filter((e) => e !== active)] : [...envs];
  const picked = await vscode.window.showQuickPick(
    ordered.map((env) => ({ label: env.label, description: `${env.revisionCount} revisions`, detail: env.configFile, env })),
    { title, placeHolder: 'Which Alembic environment?' },
  );
  return picked?.env;
}

/** The revision a command is about: a tree node's, or a CodeLens's `[revision, configFile]`. */
export async function revisionArg(ctx: Ctx, args: readonly unknown[]): Promise<RevisionRef | undefined> {
  const node = args[0];
  if (isRecord(node) && node['kind'] === 'revision' && isRecord(node['revision'])) {
    const env = envOfNode(ctx, node);
    const rev = node['revision'];
    if (env && typeof rev['id'] === 'string' && typeof rev['file'] === 'string') {
      return { env, id: rev['id'], file: rev['file'], message: typeof rev['message'] === 'string' ? rev['message'] : '' };
    }
  }
  if (typeof args[0] === 'string' && typeof args[1] === 'string') {
    const env = ctx.environments.find((e) => e.configFile === args[1]);
    const api = ctx.api;
    if (!env || !api) return undefined;
    const found = await api.revision({ configFile: env.configFile, section: env.section, revision: args[0] });
    if (!found) {
      void vscode.window.showErrorMessage(`Revision ${args[0]} is not in ${env.label} any more.`);
      return undefined;
    }
    return { env, id: found.id, file: found.file, message: found.message };
  }
  return undefined;
}
