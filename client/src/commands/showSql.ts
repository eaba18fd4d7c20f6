import * as vscode from 'vscode';
import type { AlembicOperation } from '../../../server/src/runner';
import type { Ctx } from '../ctx';
import { formatSql } from '../run/sqlText';
import { shortId } from '../tree/model';
import { revisionArg, type RevisionRef } from './args';

/**
 * Show SQL: what Upgrade to Here or Downgrade to Here would run, from Alembic's offline mode
 * (`--sql`, nothing touches the database), formatted and opened as an untitled SQL document.
 */
export async function showSql(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const rev = await revisionArg(ctx, args);
  const api = ctx.api;
  if (!rev || !api) return;
  await ctx.states.refresh(rev.env, false);
  const state = ctx.states.get(rev.env);
  const current = state.view.kind === 'ok' ? [...state.view.current] : undefined;
  const operation = await chooseOperation(ctx, rev, current);
  if (!operation) return;
  const result = await ctx.operations.run({
    env: rev.env,
    operation,
    title: `Generating the SQL for ${shortId(rev.id)}`,
    database: state.db,
    report: false,
  });
  if (!result) return;
  if (!result.ok) {
    const choice = await vscode.window.showErrorMessage(result.alembicError ?? result.message, 'Show Log');
    if (choice) ctx.output.show(true);
    return;
  }
  const dialect = state.db?.dialect ?? rev.env.dialect;
  const { text, formatted, error } = await formatSql(result.stdout, dialect);
  if (!formatted && error !== undefined) ctx.output.info(`Show SQL: the SQL is shown as Alembic wrote it, because sql-formatter could not format it: ${error}`);
  const doc = await vscode.workspace.openTextDocument({ language: 'sql', content: text });
  await vscode.window.showTextDocument(doc, { preview: false });
}

async function chooseOperation(ctx: Ctx, rev: RevisionRef, current: string[] | undefined): Promise<AlembicOperation | undefined> {
  const api = ctx.api!;
  const key = { configFile: rev.env.configFile, section: rev.env.section };
  if (current === undefined) return { kind: 'upgrade-sql', target: rev.id };
  if (current.includes(rev.id)) {
    // Already applied and current: show the revision's own upgrade(), from its parent.
    const info = await api.revision({ ...key, revision: rev.id });
    const parents = info?.downRevisions ?? [];
    return parents.length === 1 ? { kind: 'upgrade-sql', from: parents[0]!, target: rev.id } : { kind: 'upgrade-sql', target: rev.id };
  }
  const up = await api.plan({ ...key, direction: 'upgrade', destination: rev.id, current });
  const direction = up.ok && up.steps.length > 0 ? 'upgrade' : 'downgrade';
  if (direction === 'upgrade' && current.length === 0) return { kind: 'upgrade-sql', target: rev.id };
  const from = await pickStart(ctx, rev, current, direction);
  if (from === undefined) return undefined;
  return direction === 'upgrade' ? { kind: 'upgrade-sql', from, target: rev.id } : { kind: 'downgrade-sql', from, target: rev.id };
}

/** Offline mode starts from one revision, so with several current heads the user picks the branch. */
async function pickStart(ctx: Ctx, rev: RevisionRef, current: string[], direction: 'upgrade' | 'downgrade'): Promise<string | undefined> {
  if (current.length === 1) return current[0];
  const api = ctx.api!;
  const items = await Promise.all(
    current.map(async (id) => {
      const info = await api.revision({ configFile: rev.env.configFile, section: rev.env.section, revision: id });
      return { label: shortId(id), description: info?.message ?? '', id };
    }),
  );
  const picked = await vscode.window.showQuickPick(items, {
    title: `Show SQL for ${shortId(rev.id)}`,
    placeHolder: `The database is at several heads; offline mode ${direction}s from one. Which branch?`,
  });
  return picked?.id;
}
