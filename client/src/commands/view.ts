import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { VIEW_ID } from '../tree/revisionsView';
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

/**
 * Shows the Revisions view with the keyboard in it (the status bar item's command). The first
 * time the view opens, VS Code's own focus command runs while the view has no items yet (it
 * shows its welcome text), and the focus lands nowhere; so once the workbench has drawn the
 * environments and asked for their revisions, the view is focused again. (Revealing an item
 * with focus instead fails with "Data tree node not found" at that moment.)
 */
export async function showRevisions(ctx: Ctx): Promise<void> {
  // Only the first time: later, a redraw of the view would take the focus from wherever the user went.
  const drawn = ctx.view.hasBeenShown ? undefined : ctx.view.whenItemsServed(10_000);
  await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
  if (drawn && (await drawn)) await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
}

export function showOutput(ctx: Ctx): void {
  ctx.output.show(true);
}
