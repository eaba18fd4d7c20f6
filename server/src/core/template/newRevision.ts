import path from 'node:path';
import type { AlembicEnvironment } from '../config';
import { readIniFile } from '../config/ini';
import { readPyproject } from '../config/pyproject';
import { asPosix } from '../config/pyText';
import { illegalCharsIn, type Revision } from '../graph/revision';
import { CommandError, type ScriptDirectory } from '../graph/scriptDirectory';
import { parseRevisionFile } from '../parse';
import type { Position } from '../types';
import { failed, TemplateError } from './errors';
import { createDateFor, newRevisionId, revisionFileName } from './fileName';
import { COMMA_FILTER, configObject, loadScriptTemplate, mainOptionReader } from './revisionTemplate';
import { dateTimeObject, type PyValue } from './pyValue';
import { codeShape } from './codeShape';
import { isInside, unsafeIdentifier } from './identifiers';

/**
 * A new revision file as `alembic revision -m MESSAGE [--head PARENT] [--rev-id ID]
 * [--branch-label LABEL] [--version-path DIR]` or `alembic merge -m MESSAGE HEADS...` writes it
 * (`ScriptDirectory.generate_revision`): same checks and messages, same template variables,
 * same file name and folder. Where Alembic would do more than we reproduce (post-write hooks,
 * `revision_environment`, Mako beyond our subset) the answer is a fallback to Alembic itself.
 */

export interface NewRevisionRequest {
  env: AlembicEnvironment;
  script: ScriptDirectory;
  kind: 'revision' | 'merge';
  message: string;
  revId?: string;
  /** For `revision`: `--head`; `head` when absent. */
  parent?: string;
  /** For `merge`: the revisions to merge. */
  heads?: readonly string[];
  branchLabel?: string;
  /** `--version-path`. */
  versionLocation?: string;
  /** Fixed for tests. */
  now?: Date;
}

export type NewRevisionResult =
  | { ok: true; file: string; text: string; revId: string; downRevisions: string[]; cursor: Position }
  | { ok: false; fallback: boolean; reason: string };

/** `Multiple heads are present...`: generate_revision's own wording for an ambiguous `head`. */
const MULTIPLE_HEADS =
  'Multiple heads are present; please specify the head revision on which the new revision should be based, or perform a merge.';

export function renderNewRevision(req: NewRevisionRequest): NewRevisionResult {
  const refuse = (reason: string): NewRevisionResult => ({ ok: false, fallback: false, reason });
  const { env, script } = req;
  if (env.scriptLocation === undefined) return refuse('the environment has no script_location');
  const hooks = alembicDoesMore(env);
  if (hooks !== undefined) return { ok: false, fallback: true, reason: hooks };

  const revId = req.revId?.trim() || newRevisionId();
  const illegal = illegalCharsIn(revId);
  if (illegal.length > 0) return refuse(`Character(s) '${[...illegal].sort().join(', ')}' not allowed in revision identifier '${revId}'`);
  const unsafe = unsafeIdentifier(revId, 'revision id') ?? (req.branchLabel !== undefined ? unsafeIdentifier(req.branchLabel.trim(), 'branch label') : undefined);
  if (unsafe !== undefined) return refuse(unsafe);
  const clash = script.map.revisions.get(revId);
  if (clash) return refuse(`Revision ${revId} already exists (${clash.path})`);

  let heads: (Revision | null)[];
  try {
    heads = parents(req);
  } catch (e) {
    if (e instanceof CommandError) return refuse(/^Multiple head revisions/.test(e.message) && req.kind === 'revision' ? MULTIPLE_HEADS : e.message);
    throw e;
  }
  const ids = heads.filter((h): h is Revision => h !== null);
  if (new Set(ids).size !== ids.length) return refuse('Duplicate head revisions specified');
  if (req.kind === 'merge' && ids.length < 2) return refuse('A merge needs at least two heads');
  for (const h of ids) {
    if (!h.isHead) return refuse(`Revision ${h.revision} is not a head revision; please specify --splice to create a new branch from this revision`);
  }
  if (req.branchLabel !== undefined) {
    const label = req.branchLabel.trim();
    const owner = [...script.map.revisions.values()].find((r) => r.origBranchLabels.includes(label) || r.revision === label);
    if (owner) return refuse(`Branch name '${label}' is already used by revision ${owner.revision}`);
  }

  try {
    const folder = versionFolder(env, ids, req.versionLocation);
    const template = loadScriptTemplate(path.join(env.scriptLocation, 'script.py.mako'));
    const createDate = createDateFor(env.timezone, req.now);
    const name = revisionFileName({ fileTemplate: env.fileTemplate, truncateSlugLength: env.truncateSlugLength, revId, message: req.message, createDate });
    const downRevisions = ids.map((h) => h.revision);
    const data = (message: string): Map<string, PyValue> =>
      new Map<string, PyValue>([
        ['up_revision', revId],
        ['down_revision', downRevisions.length === 0 ? null : downRevisions.length === 1 ? downRevisions[0]! : [...downRevisions]],
        ['branch_labels', req.branchLabel === undefined ? null : [req.branchLabel.trim()]],
        ['depends_on', null],
        ['create_date', dateTimeObject(createDate)],
        ['comma', COMMA_FILTER],
        ['message', message],
        ['config', configObject(mainOptionReader(env))],
        // Both commands hand generate_revision refresh=True, which reaches the template too.
        ['refresh', true],
      ]);
    const text = template.render(data(req.message));
    // The message goes where the template puts it (a docstring, a comment); one that closes it
    // would turn the rest into code, which Alembic runs as soon as it loads the file.
    if (codeShape(text) !== codeShape(template.render(data('message')))) {
      return refuse('The message would change the code of the new revision, not only its text (it closes the string or comment script.py.mako puts it in); leave out its quotes or line breaks');
    }
    const file = path.join(folder, name);
    if (!isInside(folder, file)) return refuse(`file_template names ${name}, which is outside the version location ${folder}`);
    return { ok: true, file, text, revId, downRevisions, cursor: upgradeCursor(file, text) };
  } catch (error) {
    if (error instanceof TemplateError) return { ok: false, fallback: error.kind === 'unsupported', reason: error.message };
    throw error;
  }
}

/** The revisions the new one sits on: `get_revisions(head)` for a revision, the merged heads for a merge. */
function parents(req: NewRevisionRequest): (Revision | null)[] {
  const specs = req.kind === 'merge' ? [...(req.heads ?? [])] : [req.parent?.trim() || 'head'];
  const out: (Revision | null)[] = [];
  for (const spec of specs) {
    const found = req.script.getRevisions(spec);
    if (found.length === 0) out.push(null);
    for (const r of found) out.push(r === 'base' ? null : r);
  }
  return out;
}

/**
 * generate_revision's folder: `--version-path` when given (it must be a version location), the
 * only version location, or the folder of the first parent's file.
 */
function versionFolder(env: AlembicEnvironment, heads: readonly Revision[], versionLocation: string | undefined): string {
  if (versionLocation !== undefined) {
    const wanted = path.resolve(env.here, versionLocation);
    if (!env.versionLocations.some((v) => path.resolve(v) === wanted)) throw failed(`Path ${versionLocation} is not represented in current version locations`);
    return wanted;
  }
  if (env.versionLocations.length === 1) return env.versionLocations[0]!;
  if (env.versionLocations.length === 0) throw failed('the environment has no version location');
  const first = heads[0];
  if (!first) throw failed('Multiple version locations present, please specify --version-path');
  const folder = path.dirname(first.path);
  if (!env.versionLocations.some((v) => path.resolve(v) === path.resolve(folder))) throw failed(`Path ${folder} is not represented in current version locations`);
  return folder;
}

const TRUE = /^(true|yes|on|y|t|1)$/i;

/** Why Alembic would do more than render the template (and so must write the file itself), if it would. */
function alembicDoesMore(env: AlembicEnvironment): string | undefined {
  try {
    if (env.iniFile !== undefined) {
      const ini = readIniFile(env.iniFile, { here: asPosix(path.dirname(env.iniFile)) });
      if (TRUE.test(ini.get(env.section, 'revision_environment')?.trim() ?? '')) return 'revision_environment is set, so Alembic runs env.py to create revisions';
      if (ini.hasSection('post_write_hooks')) {
        const hooks = ini.get('post_write_hooks', 'hooks')?.trim() ?? '';
        return hooks === '' ? undefined : `post-write hooks (${hooks}) are configured, and only Alembic runs them`;
      }
    }
    if (env.pyprojectFile !== undefined) {
      const table = readPyproject(env.pyprojectFile).alembic;
      if (table?.['revision_environment'] === true) return 'revision_environment is set, so Alembic runs env.py to create revisions';
      const hooks = table?.['post_write_hooks'];
      if (Array.isArray(hooks) && hooks.length > 0) return 'post-write hooks are configured, and only Alembic runs them';
    }
  } catch (e) {
    return `the configuration cannot be read (${(e as Error).message})`;
  }
  return undefined;
}

/** Inside `upgrade()`: at its `pass`, else at the start of its body. */
function upgradeCursor(file: string, text: string): Position {
  const upgrade = parseRevisionFile(file, text).functions.find((f) => f.direction === 'upgrade' && f.engine === '');
  if (!upgrade) return { line: 0, character: 0 };
  const lines = text.split(/\r\n|\r|\n/);
  for (let line = upgrade.bodyRange.start.line; line <= upgrade.bodyRange.end.line; line++) {
    const l = lines[line] ?? '';
    if (l.trim() === 'pass') return { line, character: l.indexOf('pass') };
  }
  return upgrade.bodyRange.start;
}
