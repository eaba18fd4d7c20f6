import { CompletionItemKind, type CompletionItem, type CompletionParams, type Position } from 'vscode-languageserver/node';
import type { RevisionFile } from '../../core/parse';
import { revisionMessage } from '../graphView';
import type { WorkspaceModel } from '../workspaceModel';
import { contains } from './locate';
import { pathOf } from './uris';

/**
 * Revision ids inside the strings of `down_revision` and `depends_on`: heads first (a new
 * revision usually goes on top of one), then the rest newest first, each with its message.
 * The line is read as text, because the string being typed is usually not closed yet and the
 * parser then does not see an assignment.
 */
export function handleCompletion(model: WorkspaceModel, params: CompletionParams): CompletionItem[] | null {
  const path = pathOf(params.textDocument.uri);
  const file = path === undefined ? undefined : model.revision(path);
  if (!file) return null;
  const { project } = file;
  const pos = params.position;
  const lineText = lineAt(file.file.text, pos.line);
  const typed = /(['"])([A-Za-z0-9_-]*)$/.exec(lineText.slice(0, pos.character));
  if (!typed || !opensString(lineText.slice(0, typed.index), typed[1]!)) return null;
  const field = fieldAt(file.file, pos, lineText);
  if (!field) return null;
  const after = /^[A-Za-z0-9_-]*/.exec(lineText.slice(pos.character))![0];
  const range = { start: { line: pos.line, character: typed.index + 1 }, end: { line: pos.line, character: pos.character + after.length } };
  const own = file.file.revision?.ids?.[0];
  const script = project.script;
  const heads = new Set(script.getHeads());
  const ordered = script.historyOrder().revisions;
  const items: CompletionItem[] = [];
  ordered.forEach((rev, i) => {
    if (rev.revision === own) return;
    const order = String(i).padStart(6, '0');
    items.push({
      label: rev.revision,
      kind: CompletionItemKind.Value,
      detail: revisionMessage(project, rev),
      ...(heads.has(rev.revision) ? { labelDetails: { description: 'head' } } : {}),
      sortText: `${heads.has(rev.revision) ? 0 : 1}${order}`,
      filterText: rev.revision,
      textEdit: { range, newText: rev.revision },
    });
  });
  if (field === 'depends_on') {
    for (const rev of ordered) {
      for (const label of rev.origBranchLabels) {
        items.push({ label, kind: CompletionItemKind.Constant, detail: `branch label of ${rev.revision}`, sortText: `2${label}`, filterText: label, textEdit: { range, newText: label } });
      }
    }
  }
  return items;
}

/** True when the quote just typed opens a string rather than closing one on the same line. */
function opensString(before: string, quote: string): boolean {
  let count = 0;
  for (let i = 0; i < before.length; i++) {
    if (before[i] === '\\') i++;
    else if (before[i] === quote) count++;
  }
  return count % 2 === 0;
}

function fieldAt(file: RevisionFile, pos: Position, lineText: string): 'down_revision' | 'depends_on' | undefined {
  if (file.downRevision && contains(file.downRevision.range, pos)) return 'down_revision';
  if (file.dependsOn && contains(file.dependsOn.range, pos)) return 'depends_on';
  const m = /^\s*(down_revision|depends_on)\b[^=]*=/.exec(lineText);
  return m ? (m[1] as 'down_revision' | 'depends_on') : undefined;
}

function lineAt(text: string, line: number): string {
  let start = 0;
  for (let i = 0; i < line; i++) {
    const next = text.indexOf('\n', start);
    if (next < 0) return '';
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end).replace(/\r$/, '');
}
