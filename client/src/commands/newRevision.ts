import * as vscode from 'vscode';
import type { EnvironmentInfo, ScaffoldRequest } from '../../../server/src/protocol';
import type { AlembicOperation } from '../../../server/src/runner';
import type { Ctx } from '../ctx';
import { shortId } from '../tree/model';
import { environmentArg } from './args';

/**
 * New Revision and Merge Heads. The server renders the environment's script.py.mako and names
 * the file as Alembic would (`alembicPilot/scaffold`); the client writes it and opens it with
 * the cursor in `upgrade()`. A template beyond our Mako subset falls back to `alembic revision`.
 */

const REV_ID = /^[A-Za-z0-9_]+$/;

export async function newRevision(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const env = await environmentArg(ctx, args, 'New Revision');
  const api = ctx.api;
  if (!env || !api) return;
  if (env.mergeHeads.length > 0) {
    const choice = await vscode.window.showQuickPick(
      [
        { label: '$(git-merge) Merge Heads first', description: env.mergeHeads[0]!.map(shortId).join(' + '), merge: true },
        { label: '$(new-file) New revision on one of the heads', merge: false },
      ],
      { title: 'New Revision', placeHolder: `${env.label} has several heads that should be merged` },
    );
    if (!choice) return;
    if (choice.merge) return mergeHeads(ctx, ...args);
  }
  const message = await vscode.window.showInputBox({
    title: 'New Revision (message)',
    prompt: 'What the revision does, as `alembic revision -m` takes it',
    placeHolder: 'add orders table',
    validateInput: (v) => (v.trim() === '' ? 'A revision needs a message.' : undefined),
  });
  if (message === undefined) return;
  const parent = await pickParent(ctx, env);
  if (parent === undefined) return;
  const how = await vscode.window.showQuickPick(
    [
      { label: '$(new-file) Empty revision', description: 'a fresh 12-hex id', mode: 'empty' as const },
      { label: '$(symbol-key) Empty revision with my own id…', description: 'as --rev-id, e.g. 20260110_001', mode: 'own-id' as const },
      ...(ctx.trusted ? [{ label: '$(sparkle) Autogenerate', description: 'runs alembic revision --autogenerate against the database', mode: 'autogenerate' as const }] : []),
    ],
    { title: 'New Revision', placeHolder: 'How should the revision be created?' },
  );
  if (!how) return;
  let revId: string | undefined;
  if (how.mode === 'own-id') {
    revId = await vscode.window.showInputBox({
      title: 'New Revision (id)',
      prompt: 'Letters, digits and underscores',
      validateInput: (v) => (REV_ID.test(v) ? undefined : 'Use letters, digits and underscores only.'),
    });
    if (revId === undefined) return;
  }
  let versionLocation: string | undefined;
  if (parent.value === 'base' && env.newBaseLocations.length > 1) {
    versionLocation = await vscode.window.showQuickPick(env.newBaseLocations, { title: 'New Revision', placeHolder: 'Which version location gets the new base?' });
    if (versionLocation === undefined) return;
  }
  if (how.mode === 'autogenerate') {
    await runAlembicRevision(ctx, env, { kind: 'revision', message: message.trim(), autogenerate: true, head: parent.value, ...(versionLocation ? { versionPath: versionLocation } : {}) });
    return;
  }
  const params: ScaffoldRequest.Params = { configFile: env.configFile, section: env.section, kind: 'revision', message: message.trim(), parent: parent.value };
  if (revId !== undefined) params.revId = revId;
  if (versionLocation !== undefined) params.versionLocation = versionLocation;
  await scaffold(ctx, env, params, { kind: 'revision', message: message.trim(), head: parent.value, ...(revId ? { revId } : {}), ...(versionLocation ? { versionPath: versionLocation } : {}) });
}

/** The parent: the single head without asking; otherwise a head, a branch label's head, or a new base. */
async function pickParent(ctx: Ctx, env: EnvironmentInfo): Promise<{ value: string } | undefined> {
  if (env.heads.length === 1 && env.branchLabels.length === 0) return { value: 'head' };
  const api = ctx.api!;
  const heads = await Promise.all(
    env.heads.map(async (id) => {
      const info = await api.revision({ configFile: env.configFile, section: env.section, revision: id });
      return { label: `$(git-commit) ${shortId(id)}`, description: info?.message ?? '', detail: info?.branchLabels.length ? `branch ${info.branchLabels.join(', ')}` : undefined, value: id };
    }),
  );
  const picked = await vscode.window.showQuickPick(
    [
      ...heads,
      ...env.branchLabels.map((l) => ({ label: `$(tag) ${l}@head`, description: `the head of branch ${l}`, detail: undefined, value: `${l}@head` })),
      { label: '$(add) New base', description: 'a revision with no parent (a new branch)', detail: undefined, value: 'base' },
    ],
    { title: 'New Revision (parent)', placeHolder: 'Which revision does the new one build on?' },
  );
  return picked ? { value: picked.value } : undefined;
}

export async function mergeHeads(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const env = await environmentArg(ctx, args, 'Merge Heads');
  if (!env || !ctx.api) return;
  if (env.mergeHeads.length === 0) {
    void vscode.window.showInformationMessage(`${env.label} has no heads to merge: independent labelled branches stay apart.`);
    return;
  }
  let heads = env.mergeHeads[0]!;
  if (env.mergeHeads.length > 1) {
    const picked = await vscode.window.showQuickPick(
      env.mergeHeads.map((group) => ({ label: group.map(shortId).join(' + '), group })),
      { title: 'Merge Heads', placeHolder: 'Which heads?' },
    );
    if (!picked) return;
    heads = picked.group;
  }
  const message = await vscode.window.showInputBox({
    title: `Merge Heads (${heads.map(shortId).join(' + ')})`,
    prompt: 'The merge revision’s message',
    value: 'merge heads',
    validateInput: (v) => (v.trim() === '' ? 'A revision needs a message.' : undefined),
  });
  if (message === undefined) return;
  await scaffold(
    ctx,
    env,
    { configFile: env.configFile, section: env.section, kind: 'merge', message: message.trim(), heads },
    { kind: 'merge', message: message.trim(), revisions: heads },
  );
}

async function scaffold(ctx: Ctx, env: EnvironmentInfo, params: ScaffoldRequest.Params, fallback: AlembicOperation): Promise<void> {
  const result = await ctx.api!.scaffold(params);
  if (!result.ok) {
    if (!result.fallback) {
      void vscode.window.showErrorMessage(`Cannot create the revision: ${result.reason}`);
      return;
    }
    ctx.output.info(`New revision through Alembic: ${result.reason}`);
    await runAlembicRevision(ctx, env, fallback);
    return;
  }
  const uri = vscode.Uri.file(result.file);
  const exists = await vscode.workspace.fs.stat(uri).then(() => true, () => false);
  if (exists) {
    void vscode.window.showErrorMessage(`${result.file} exists already; nothing was written.`);
    return;
  }
  await vscode.workspace.fs.writeFile(uri, Buffer.from(result.text, 'utf8'));
  ctx.output.info(`Created ${result.file} (revision ${result.revId}, parents ${result.downRevisions.join(', ') || 'none'}).`);
  await openAt(uri, new vscode.Position(result.cursor.line, result.cursor.character));
}

/** The fallback and Autogenerate: Alembic writes the file, then it is opened in `upgrade()`. */
async function runAlembicRevision(ctx: Ctx, env: EnvironmentInfo, operation: AlembicOperation): Promise<void> {
  if (!ctx.trusted) {
    void vscode.window.showWarningMessage('This template needs Alembic itself, which runs only in a trusted workspace.');
    return;
  }
  const needsDb = operation.kind === 'revision' && operation.autogenerate === true;
  const db = needsDb ? await ctx.databases.resolve(env) : undefined;
  const result = await ctx.operations.run({ env, operation, title: `alembic ${operation.kind}`, database: db });
  const file = result?.ok ? result.files?.[0] : undefined;
  if (!file) return;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const line = doc.getText().split('\n').findIndex((l) => /^def upgrade\(/.test(l));
  await openAt(doc.uri, new vscode.Position(line < 0 ? 0 : line + 1, 4));
}

async function openAt(uri: vscode.Uri, position: vscode.Position): Promise<void> {
  const editor = await vscode.window.showTextDocument(uri, { preview: false });
  editor.selection = new vscode.Selection(position, position);
  editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
