import { SymbolKind, type DocumentSymbol, type DocumentSymbolParams } from 'vscode-languageserver/node';
import type { RevisionAssignment } from '../../core/revisionHeader';
import type { WorkspaceModel } from '../workspaceModel';
import { pathOf } from './uris';

/** The outline of a revision file: the revision with its id and parents, then its migration functions. */
export function handleDocumentSymbols(model: WorkspaceModel, params: DocumentSymbolParams): DocumentSymbol[] | null {
  const path = pathOf(params.textDocument.uri);
  const open = path === undefined ? undefined : model.revision(path);
  if (!open) return null;
  const { file } = open;
  const out: DocumentSymbol[] = [];
  const variable = (name: string, a: RevisionAssignment | undefined, kind: SymbolKind): void => {
    if (!a) return;
    out.push({ name, detail: a.ids ? a.ids.join(', ') || 'None' : a.text, kind, range: a.range, selectionRange: a.range });
  };
  const id = file.revision?.ids?.[0];
  variable(id !== undefined ? `revision ${id}` : 'revision', file.revision, SymbolKind.Constant);
  variable('down_revision', file.downRevision, SymbolKind.Variable);
  variable('branch_labels', file.branchLabels, SymbolKind.Variable);
  variable('depends_on', file.dependsOn, SymbolKind.Variable);
  for (const f of file.functions) {
    out.push({ name: `${f.name}()`, detail: f.direction, kind: SymbolKind.Function, range: f.range, selectionRange: f.nameRange });
  }
  return out;
}
