import {
  CodeActionKind,
  CreateFile,
  TextDocumentEdit,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type Range,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { Finding, Fix } from '../../core/rules/types';
import { toDiagnostic } from '../diagnostics';
import { suppressionEdit } from './suppressionEdit';
import { uriOf } from './uris';

/**
 * Quick fixes from the findings of the last lint (never a new lint): each `Finding.fixes` as a
 * workspace edit, and "Disable <rule> for this line" as a suppression comment.
 */

/** What the client said it can apply (`workspace.workspaceEdit` capabilities). */
export interface EditSupport {
  documentChanges: boolean;
  createFiles: boolean;
}

export interface CodeActionInput {
  /** The findings of the document, from the model's cache. */
  findings: readonly Finding[];
  /** The document's current text, for placing suppression comments. */
  text: string;
  /** The version of an open document, or null when the editor does not have it open. */
  versionOf: (uri: string) => number | null;
  support: EditSupport;
}

export function handleCodeAction(params: CodeActionParams, input: CodeActionInput): CodeAction[] {
  const only = params.context.only;
  if (only && !only.some((k) => k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${k}.`) || k === CodeActionKind.Empty)) return [];
  const actions: CodeAction[] = [];
  const suppressed = new Set<string>();
  for (const f of input.findings) {
    if (!overlaps(f.range, params.range)) continue;
    const diagnostic = linked(f, params.context.diagnostics);
    for (const fix of f.fixes ?? []) {
      const edit = workspaceEdit(fix, input);
      if (edit) actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], ...(fix.isPreferred ? { isPreferred: true } : {}), edit });
    }
    const key = `${f.rule}:${f.range.start.line}`;
    if (f.rule === 'unused-suppression' || suppressed.has(key)) continue;
    suppressed.add(key);
    const edit = suppressionEdit(input.text, f.range.start.line, f.rule);
    if (!edit) continue;
    const fix: Fix = { title: `Disable ${f.rule} for this line`, edits: [{ file: f.file, edits: [edit] }] };
    actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit: workspaceEdit(fix, input)! });
  }
  return actions;
}

/** The client's own diagnostic for the finding when it sent one, so the editor can tie them together. */
function linked(f: Finding, sent: readonly Diagnostic[]): Diagnostic {
  const own = toDiagnostic(f);
  return sent.find((d) => d.code === f.rule && sameRange(d.range, f.range) && d.message === own.message) ?? own;
}

/**
 * A fix as a workspace edit: versioned document edits for open documents (so a stale fix is
 * refused rather than misapplied), unversioned ones for the others, and a created file followed
 * by its content. A fix the client cannot apply (a new file without `create` support) is left out.
 */
export function workspaceEdit(fix: Fix, input: Pick<CodeActionInput, 'versionOf' | 'support'>): WorkspaceEdit | undefined {
  const creates = fix.creates ?? [];
  if (creates.length > 0 && !(input.support.documentChanges && input.support.createFiles)) return undefined;
  if (!input.support.documentChanges) {
    const changes: NonNullable<WorkspaceEdit['changes']> = {};
    for (const e of fix.edits) changes[uriOf(e.file)] = [...(changes[uriOf(e.file)] ?? []), ...e.edits];
    return { changes };
  }
  const documentChanges: NonNullable<WorkspaceEdit['documentChanges']> = [];
  for (const c of creates) {
    const uri = uriOf(c.file);
    documentChanges.push(CreateFile.create(uri, { overwrite: false, ignoreIfExists: false }));
    const start = { line: 0, character: 0 };
    documentChanges.push(TextDocumentEdit.create({ uri, version: null }, [{ range: { start, end: start }, newText: c.text }]));
  }
  for (const e of fix.edits) {
    const uri = uriOf(e.file);
    documentChanges.push(TextDocumentEdit.create({ uri, version: input.versionOf(uri) }, e.edits));
  }
  return { documentChanges };
}

function overlaps(a: Range, b: Range): boolean {
  return !before(a.end, b.start) && !before(b.end, a.start);
}

function before(a: Range['start'], b: Range['start']): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}
