import path from 'node:path';
import * as vscode from 'vscode';
import { dialectOf, redactUrl } from '../../../server/src/db';
import type { Ctx } from '../ctx';
import { environmentArg } from './args';

/** Naming databases (`alembicPilot.databases`) and switching the active one. */

export async function selectDatabase(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const env = await environmentArg(ctx, args, 'Select Database');
  if (!env) return;
  const named = ctx.databases.named(env);
  const active = (await ctx.databases.resolve(env))?.name;
  const add = { label: '$(add) Add a database…', name: undefined };
  const picked = await vscode.window.showQuickPick(
    [
      ...named.map((d) => ({
        label: d.name,
        description: `${redactUrl(d.url)}${d.production ? ' · production' : ''}${d.name === active ? ' · active' : ''}`,
        name: d.name as string | undefined,
      })),
      add,
    ],
    { title: `Database for ${env.label}`, placeHolder: named.length === 0 ? 'No database is named yet' : 'The view, the status bar and every run use the active database' },
  );
  if (!picked) return;
  if (picked.name === undefined) {
    await configureDatabase(ctx, ...args);
    return;
  }
  await ctx.databases.setActive(env, picked.name);
}

/**
 * Adds a named database for the environment to the folder's settings. A password typed into
 * the URL is moved into SecretStorage, so settings.json never holds one.
 */
export async function configureDatabase(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const env = await environmentArg(ctx, args, 'Configure Database');
  if (!env) return;
  const existing = ctx.databases.named(env);
  const name = await vscode.window.showInputBox({
    title: `Configure Database for ${env.label} (1/3)`,
    prompt: 'A short name shown in the view and the status bar',
    value: existing.length === 0 ? 'dev' : '',
    validateInput: (v) => (v.trim() === '' ? 'Give it a name, such as dev or staging.' : existing.some((d) => d.name === v.trim()) ? `${v.trim()} exists already.` : undefined),
  });
  if (name === undefined) return;
  const raw = await vscode.window.showInputBox({
    title: `Configure Database for ${env.label} (2/3)`,
    prompt: 'A SQLAlchemy URL. Leave the password out: it is asked for when the server wants one and kept in secret storage.',
    placeHolder: 'postgresql+psycopg://app@localhost:5432/app_dev',
    ignoreFocusOut: true,
    validateInput: (v) => (dialectOf(v.trim()) === undefined ? 'Not a URL SQLAlchemy knows, such as postgresql://user@host:5432/db.' : undefined),
  });
  if (raw === undefined) return;
  const production = await vscode.window.showQuickPick(
    [
      { label: 'No', description: 'runs ask for a confirmation', production: false },
      { label: 'Yes, production', description: 'runs ask to type the database name', production: true },
    ],
    { title: `Configure Database for ${env.label} (3/3)`, placeHolder: `Is ${name.trim()} a production database?` },
  );
  if (!production) return;
  const { url, password } = splitPassword(raw.trim());
  const folder = ctx.databases.folderOf(env);
  const config = folder === undefined ? env.configFile : path.relative(folder, env.configFile);
  const entry: Record<string, unknown> = { name: name.trim(), config, url };
  if (env.section !== 'alembic') entry['section'] = env.section;
  if (production.production) entry['production'] = true;
  const settings = vscode.workspace.getConfiguration('alembicPilot', vscode.Uri.file(env.configFile));
  const current = settings.inspect<unknown>('databases')?.workspaceFolderValue;
  const list = Array.isArray(current) ? [...(current as unknown[]), entry] : [entry];
  const target = folder === undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.WorkspaceFolder;
  await settings.update('databases', list, target);
  if (password !== undefined) await ctx.databases.storePassword(redactUrl(url), password);
  await ctx.databases.setActive(env, name.trim());
  if (!env.envPy.readsDatabaseUrl) {
    void vscode.window.showWarningMessage(
      `${path.basename(env.envPy.file)} does not visibly read DATABASE_URL, so Alembic would not use ${name.trim()}: the view shows its state, but runs are refused until env.py reads os.environ["DATABASE_URL"].`,
      'Open env.py',
    ).then((choice) => choice && vscode.window.showTextDocument(vscode.Uri.file(env.envPy.file)));
  }
}

function splitPassword(url: string): { url: string; password?: string } {
  const m = /^([^:/]+:\/\/[^:@/]*):([^@]*)@/.exec(url);
  if (!m) return { url };
  return { url: url.replace(`${m[1]}:${m[2]}@`, `${m[1]}@`), password: decodeURIComponent(m[2]!) };
}
