import * as vscode from 'vscode';
import type { ResolvedDatabase } from '../../../server/src/db';
import type { EnvironmentInfo } from '../../../server/src/protocol';
import type { Ctx } from '../ctx';
import { confirmText, nameToType, needsConfirmation, needsTypedName, stampText, type ConfirmText } from '../run/confirmText';
import { shortId } from '../tree/model';
import { environmentArg, revisionArg } from './args';

/** Upgrade, downgrade and stamp: plan, confirm, run, refresh. */

interface Ready {
  db: ResolvedDatabase;
  current: string[];
}

/**
 * The database to run against and its current rows, read fresh: a plan made from a stale
 * state would list the wrong revisions. Undefined after telling the user what is missing.
 */
async function ready(ctx: Ctx, env: EnvironmentInfo): Promise<Ready | undefined> {
  await ctx.states.refresh(env, true);
  const state = ctx.states.get(env);
  const view = state.view;
  if (view.kind === 'none' || !state.db) {
    const choice = await vscode.window.showErrorMessage(`No database is configured for ${env.label}, so there is nothing to migrate.`, 'Configure Database');
    if (choice) await vscode.commands.executeCommand('alembicPilot.configureDatabase', ctx.view.envNode(env));
    return undefined;
  }
  if (view.kind === 'unreachable') {
    void vscode.window.showErrorMessage(`The database of ${env.label} is unreachable: ${view.reason}`, 'Show Log').then((c) => c && ctx.output.show(true));
    return undefined;
  }
  if (view.kind !== 'ok') return undefined;
  if (view.problem !== undefined) {
    void vscode.window.showErrorMessage(view.problem);
    return undefined;
  }
  return { db: state.db, current: [...view.current] };
}

/** A modal; production databases, and a downgrade that reverts everything, then ask for the name to be typed. */
async function confirm(text: ConfirmText, db: ResolvedDatabase, typeName = db.production): Promise<boolean> {
  const choice = await vscode.window.showWarningMessage(text.title, { modal: true, detail: text.detail }, text.button);
  if (choice !== text.button) return false;
  if (!typeName) return true;
  const name = nameToType(db);
  const typed = await vscode.window.showInputBox({
    title: db.production ? `${name} is a production database` : `This reverts every revision of ${name}`,
    prompt: `Type ${name} to ${text.button.toLowerCase()} it`,
    ignoreFocusOut: true,
    validateInput: (v) => (v === name ? undefined : `Type ${name} exactly.`),
  });
  return typed === name;
}

async function migrate(ctx: Ctx, env: EnvironmentInfo, direction: 'upgrade' | 'downgrade', destination: string, shown: string): Promise<void> {
  const api = ctx.api;
  if (!api) return;
  const r = await ready(ctx, env);
  if (!r) return;
  const plan = await api.plan({ configFile: env.configFile, section: env.section, direction, destination, current: r.current });
  if (!plan.ok) {
    void vscode.window.showErrorMessage(`Alembic cannot ${direction} ${env.label} to ${shown}: ${plan.error}`);
    return;
  }
  const database = r.db.name ?? r.db.display;
  if (plan.steps.length === 0) {
    void vscode.window.showInformationMessage(`Nothing to ${direction}: ${database} is already at ${shown}.`);
    return;
  }
  const input = {
    direction,
    database,
    destination: shown,
    steps: plan.steps,
    crossesMergePoint: plan.crossesMergePoint,
    crossesBranchPoint: plan.crossesBranchPoint,
    production: r.db.production,
    revertsEverything: direction === 'downgrade' && plan.expectedCurrent.length === 0,
  };
  if (needsConfirmation(input) && !(await confirm(confirmText(input), r.db, needsTypedName(input)))) return;
  const verb = direction === 'upgrade' ? 'Upgrading' : 'Downgrading';
  await ctx.operations.run({
    env,
    operation: { kind: direction, target: destination },
    title: `${verb} ${database} to ${shown}`,
    database: r.db,
    expectedCurrent: plan.expectedCurrent,
  });
  await ctx.afterOperation(env);
}

export async function upgradeHeads(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const env = await environmentArg(ctx, args, 'Upgrade to Head(s)');
  if (env) await migrate(ctx, env, 'upgrade', 'heads', env.heads.length > 1 ? 'heads' : 'head');
}

export async function downgradeBase(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const env = await environmentArg(ctx, args, 'Downgrade to Base');
  if (env) await migrate(ctx, env, 'downgrade', 'base', 'base');
}

/**
 * One step back. With several current heads `alembic downgrade -1` is ambiguous, so the user
 * picks the branch and only that head moves (`<head>@-1`).
 */
export async function downgradeOne(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const env = await environmentArg(ctx, args, 'Downgrade One Step');
  if (!env) return;
  const r = await ready(ctx, env);
  if (!r) return;
  if (r.current.length === 0) {
    void vscode.window.showInformationMessage(`${r.db.name ?? r.db.display} is at base: there is nothing to downgrade.`);
    return;
  }
  let head = r.current[0]!;
  if (r.current.length > 1) {
    const items = await Promise.all(
      r.current.map(async (id) => {
        const rev = await ctx.api?.revision({ configFile: env.configFile, section: env.section, revision: id });
        return { label: shortId(id), description: rev?.message ?? '', detail: rev?.branchLabels.length ? `branch ${rev.branchLabels.join(', ')}` : undefined, id };
      }),
    );
    const picked = await vscode.window.showQuickPick(items, { title: 'Downgrade One Step', placeHolder: 'The database is at several heads: which branch steps back?' });
    if (!picked) return;
    head = picked.id;
  }
  await migrate(ctx, env, 'downgrade', `${head}@-1`, `one step below ${shortId(head)}`);
}

export async function upgradeTo(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const rev = await revisionArg(ctx, args);
  if (rev) await migrate(ctx, rev.env, 'upgrade', rev.id, shortId(rev.id));
}

export async function downgradeTo(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const rev = await revisionArg(ctx, args);
  if (rev) await migrate(ctx, rev.env, 'downgrade', rev.id, shortId(rev.id));
}

export async function stamp(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const rev = await revisionArg(ctx, args);
  if (!rev) return;
  const r = await ready(ctx, rev.env);
  if (!r) return;
  if (!(await confirm(stampText(r.db.name ?? r.db.display, rev.id, r.current), r.db))) return;
  await ctx.operations.run({ env: rev.env, operation: { kind: 'stamp', revisions: [rev.id] }, title: `Stamping ${r.db.name ?? r.db.display} at ${shortId(rev.id)}`, database: r.db });
  await ctx.afterOperation(rev.env);
}
