import type { DefinitionParams, Location, ReferenceParams } from 'vscode-languageserver/node';
import type { Revision } from '../../core/graph/revision';
import type { WorkspaceModel } from '../workspaceModel';
import { declaration, idAt, REFERRING, resolveId } from './locate';
import { pathOf, uriOf } from './uris';

/**
 * Go to definition leads from a parent or dependency (`down_revision`, `depends_on`, the
 * docstring's `Revises:`) to the `revision = ...` line of the revision it names; find
 * references lists the files that name a revision as parent or dependency, its children.
 */

export function handleDefinition(model: WorkspaceModel, params: DefinitionParams): Location | null {
  const file = pathOf(params.textDocument.uri);
  const open = file === undefined ? undefined : model.revision(file);
  if (!open) return null;
  const at = idAt(open.file, params.position);
  if (!at || !REFERRING.has(at.field)) return null;
  const rev = resolveId(open.project, at.value);
  const range = rev ? declaration(open.project, rev) : undefined;
  return rev && range ? { uri: uriOf(rev.path), range } : null;
}

export function handleReferences(model: WorkspaceModel, params: ReferenceParams): Location[] | null {
  const file = pathOf(params.textDocument.uri);
  const open = file === undefined ? undefined : model.revision(file);
  if (!open) return null;
  const at = idAt(open.file, params.position);
  if (!at) return null;
  const target: Revision | undefined = resolveId(open.project, at.value);
  if (!target) return null;
  const out: Location[] = [];
  if (params.context.includeDeclaration) {
    const range = declaration(open.project, target);
    if (range) out.push({ uri: uriOf(target.path), range });
  }
  for (const entry of open.project.entries()) {
    const { downRevision, dependsOn, path } = entry.header;
    for (const literal of [...(downRevision?.literals ?? []), ...(dependsOn?.literals ?? [])]) {
      if (resolveId(open.project, literal.value) === target) out.push({ uri: uriOf(path), range: literal.range });
    }
  }
  return out;
}
