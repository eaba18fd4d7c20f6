import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { environmentArg, revisionArg } from './args';

/** Commands that only read: refresh, paging, opening and copying. */

export async function refresh(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const env = args.length > 0 ? await environmentArg(ctx, args, 'Refresh') : undefined;
  if (!env) {
    await ctx.loadEnvironments();
    await Promise.all(ctx.environments.map((e) => ctx.states.refresh(e, true)));
    return;
  }
  await Promise.all([ctx.view.historyChanged(env), ctx.states.refresh(env, true)]);
}

export async function loadMore(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const env = await environmentArg(ctx, args, 'Load More');
  if (env) await ctx.view.loadMore(env);
}

export async function openFile(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const rev = await revisionArg(ctx, args);
  if (!rev) return;
  await vscode.window.showTextDocument(vscode.Uri.file(rev.file), { preview: true });
}

export async function copyRevisionId(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const rev = await revisionArg(ctx, args);
  if (!rev) return;
  await vscode.env.clipboard.writeText(rev.id);
  vscode.window.setStatusBarMessage(`Copied ${rev.id}`, 3000);
}

export function showOutput(ctx: Ctx): void {
  ctx.output.show(true);
}
