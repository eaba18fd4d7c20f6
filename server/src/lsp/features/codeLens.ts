import type { CodeLens, CodeLensParams } from 'vscode-languageserver/node';
import { RevisionCommands } from '../../protocol';
import type { WorkspaceModel } from '../workspaceModel';
import { pathOf } from './uris';

/**
 * "Upgrade to" above `upgrade()` and "Downgrade to" above `downgrade()`, for the client's
 * commands. A lens appears only for a command the client declared it can run
 * (`ClientCapabilities`), and only for a file whose revision id is a known literal.
 */
export function handleCodeLens(model: WorkspaceModel, params: CodeLensParams, clientCommands: ReadonlySet<string>): CodeLens[] {
  const path = pathOf(params.textDocument.uri);
  const open = path === undefined ? undefined : model.revision(path);
  const id = open?.file.revision?.ids?.length === 1 ? open.file.revision.ids[0] : undefined;
  if (!open || id === undefined || open.project.script.map.revisions.get(id)?.path !== open.file.path) return [];
  const args: RevisionCommands.Arguments = [id, open.env.configFile];
  const lenses: CodeLens[] = [];
  for (const f of open.file.functions) {
    const command = f.direction === 'upgrade' ? RevisionCommands.upgradeTo : RevisionCommands.downgradeTo;
    if (!clientCommands.has(command)) continue;
    const title = f.direction === 'upgrade' ? `Upgrade database to ${id}` : `Downgrade database to ${id}`;
    lenses.push({ range: f.nameRange, command: { title, command, arguments: args } });
  }
  return lenses;
}
