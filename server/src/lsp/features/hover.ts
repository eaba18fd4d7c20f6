import path from 'node:path';
import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver/node';
import type { Revision } from '../../core/graph/revision';
import type { RevisionProject } from '../../core/project/revisionProject';
import { revisionMessage } from '../graphView';
import type { WorkspaceModel } from '../workspaceModel';
import { idAt, resolveId } from './locate';
import { pathOf, uriOf } from './uris';

/**
 * Hover on a revision id: what the revision is (message, file, creation date, labels) and where
 * it sits (parents, dependencies, children), so that a reader of `down_revision = "3f2a…"`
 * need not open the file to know what it names.
 */
export function handleHover(model: WorkspaceModel, params: HoverParams): Hover | null {
  const file = pathOf(params.textDocument.uri);
  const open = file === undefined ? undefined : model.revision(file);
  if (!open) return null;
  const at = idAt(open.file, params.position);
  if (!at) return null;
  const rev = resolveId(open.project, at.value);
  const value = rev
    ? describe(open.project, rev, at.value)
    : `Alembic Pilot: no revision or branch label \`${at.value}\` in the environment of ${path.basename(open.env.configFile)}.`;
  return { contents: { kind: MarkupKind.Markdown, value }, range: at.range };
}

function describe(project: RevisionProject, rev: Revision, asWritten: string): string {
  const map = project.script.map;
  const line = (id: string): string => {
    const r = map.revisions.get(id);
    const message = r ? revisionMessage(project, r) : '';
    return `\`${id}\`${message ? ` ${escape(message)}` : ''}`;
  };
  const list = (ids: Iterable<string>): string => [...ids].map(line).join(', ') || 'none';
  const entry = project.entry(rev.path);
  const created = entry?.header.headers.createDate?.value;
  const dependents = [...rev.allNextrev].filter((id) => !rev.nextrev.has(id));
  const out = [
    `**${escape(revisionMessage(project, rev) || '(no message)')}**`,
    '',
    `Revision \`${rev.revision}\`${asWritten !== rev.revision ? ` (branch label \`${asWritten}\`)` : ''}${rev.isHead ? ', a head' : ''}${rev.isBase ? ', a base' : ''}`,
    '',
    `File: [${escape(path.basename(rev.path))}](${uriOf(rev.path)})`,
  ];
  if (created) out.push('', `Created: ${escape(created)}`);
  if (rev.branchLabels.size > 0) out.push('', `Branch labels: ${[...rev.branchLabels].map((l) => `\`${l}\``).join(', ')}`);
  out.push('', `Parents: ${list(rev.downRevision)}`);
  if (rev.dependencies.length > 0) out.push('', `Depends on: ${rev.dependencies.map((d) => `\`${d}\``).join(', ')}`);
  out.push('', `Children: ${list(rev.nextrev)}`);
  if (dependents.length > 0) out.push('', `Depended on by: ${list(dependents)}`);
  return out.join('\n');
}

/** Messages are the user's text; Markdown in them must show as written. */
function escape(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, '\\$&');
}
