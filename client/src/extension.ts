import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { Ctx } from './ctx';
import { CHANNEL_NAME } from './lsp';

let ctx: Ctx | undefined;

/** Set by the bundle's first line (esbuild.mjs), to log what loading the bundle cost. */
declare const __alembicPilotLoadStart: number | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  // One channel for the extension's and the client's logs and for protocol traces. It is created
  // here rather than by the client so that "Show Output" works even if the server never starts.
  const output = vscode.window.createOutputChannel(CHANNEL_NAME, { log: true });
  context.subscriptions.push(output);
  ctx = new Ctx(context, output);
  context.subscriptions.push(...registerCommands(ctx));
  // The server starts in the background: activation must not wait for it.
  void ctx.start();
  const loading = typeof __alembicPilotLoadStart === 'number' ? `; loading the bundle took ${(started - __alembicPilotLoadStart).toFixed(1)} ms` : '';
  output.info(`activate() returned in ${(performance.now() - started).toFixed(1)} ms${loading}`);
}

export function deactivate(): Thenable<void> | undefined {
  return ctx?.dispose();
}
