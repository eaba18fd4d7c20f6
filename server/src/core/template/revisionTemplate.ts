import { readFileSync } from 'node:fs';
import path from 'node:path';
import { statOrUndefined } from '../fsStat';
import type { AlembicEnvironment } from '../config';
import { readIniFile } from '../config/ini';
import { asPosix } from '../config/pyText';
import { failed, TemplateError } from './errors';
import { createDateFor, newRevisionId, revisionFileName } from './fileName';
import { CompiledTemplate } from './mako';
import { pyFunction } from './pyModules';
import { dateTimeObject, isTuple, type PyDateTime, type PyObject, type PyValue } from './pyValue';

/**
 * A new revision file as `alembic merge` (ScriptDirectory.generate_revision) writes it: the
 * environment's script.py.mako rendered with the variables Alembic passes, named by its
 * file_template, in the folder Alembic picks. Post-write hooks and `revision_environment`
 * (which runs env.py) are not reproduced.
 */

export interface TemplateValues {
  revId: string;
  /** The revisions the new one sits on, in the order Alembic was given them. */
  downRevisions: readonly string[];
  message: string | undefined;
  createDate: PyDateTime;
  /** `config.get_main_option(name)`; undefined when the environment has no ini section. */
  mainOption: ((name: string) => string | undefined) | undefined;
}

/** `util.format_as_comma`, the `comma` filter Alembic hands to every template. */
export const COMMA_FILTER = pyFunction('comma', (args, line) => {
  const v = args[0] ?? null;
  if (v === null) return '';
  if (typeof v === 'string') return v;
  const items = isTuple(v) ? v : typeof v === 'object' && v.kind === 'list' ? v.items : undefined;
  if (!items) throw failed("Don't know how to comma-format this value (Alembic raises ValueError)", line);
  if (!items.every((x): x is string => typeof x === 'string')) throw failed('comma() of items that are not strings (Python raises TypeError)', line);
  return items.join(', ');
});

/** `revision.tuple_rev_as_scalar`: None for none, the id for one, the tuple for several. */
function scalarOrTuple(ids: readonly string[]): PyValue {
  return ids.length === 0 ? null : ids.length === 1 ? ids[0]! : [...ids];
}

/** The keyword arguments `command.merge` makes Alembic render script.py.mako with. */
export function mergeTemplateData(v: TemplateValues): Map<string, PyValue> {
  return new Map<string, PyValue>([
    ['up_revision', v.revId],
    ['down_revision', scalarOrTuple(v.downRevisions)],
    ['branch_labels', null],
    ['depends_on', null],
    ['create_date', dateTimeObject(v.createDate)],
    ['comma', COMMA_FILTER],
    ['message', v.message ?? 'empty message'],
    ['config', configObject(v.mainOption)],
    // generate_revision passes its unknown keyword arguments on, and merge gives refresh=True.
    ['refresh', true],
  ]);
}

/** Alembic's `Config` as templates use it: `get_main_option(name, default=None)` and nothing else. */
export function configObject(mainOption: TemplateValues['mainOption']): PyObject {
  return {
    kind: 'object',
    typeName: 'config',
    attr: (name) =>
      name === 'get_main_option'
        ? pyFunction('config.get_main_option', (args, line) => {
            const key = args[0];
            if (typeof key !== 'string' || args.length > 2) throw failed('config.get_main_option() needs an option name', line);
            if (!mainOption) throw failed('config.get_main_option() needs an alembic.ini section, and this environment has none (Alembic raises CommandError)', line);
            return mainOption(key) ?? args[1] ?? null;
          })
        : undefined,
  };
}

const compiled = new Map<string, { mtimeMs: number; size: number; template: CompiledTemplate | TemplateError }>();

/** The environment's script.py.mako, compiled once per change of the file. */
export function loadScriptTemplate(file: string): CompiledTemplate {
  const stat = statOrUndefined(file);
  if (!stat?.isFile()) throw failed(`${file} does not exist, so Alembic cannot generate revisions either`);
  const cached = compiled.get(file);
  if (cached?.mtimeMs === stat.mtimeMs && cached.size === stat.size) {
    if (cached.template instanceof TemplateError) throw cached.template;
    return cached.template;
  }
  let template: CompiledTemplate | TemplateError;
  try {
    template = CompiledTemplate.compile(decodeTemplate(readFileSync(file)));
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    template = error;
  }
  compiled.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, template });
  if (template instanceof TemplateError) throw template;
  return template;
}

/** Mako reads a template file as UTF-8 after a BOM, unless a coding comment names another encoding. */
export function decodeTemplate(bytes: Uint8Array): string {
  let text: string;
  try {
    // The decoder drops a leading BOM, as Mako does.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw failed('the template is not valid UTF-8 (Mako raises a CompileException)');
  }
  const coding = /^#[^\n]*coding[:=]\s*([-\w.]+)/.exec(text)?.[1];
  if (coding !== undefined && !/^utf[-_]?8$/i.test(coding)) throw failed(`the template declares the encoding ${coding}, which Alembic Pilot does not read`);
  return text;
}

export interface MergeRequest {
  env: AlembicEnvironment;
  /** The heads to merge, with their files, in the order `alembic merge` would be given them. */
  heads: readonly { revision: string; path: string }[];
  message: string;
  /** Fixed for tests; a fresh id and the current time otherwise. */
  revId?: string;
  now?: Date;
}

export type NewRevision = { file: string; text: string; revId: string } | { reason: string };

/**
 * Renders the merge revision `alembic merge -m MESSAGE HEADS...` would write. On any problem
 * (no template, a construct outside the subset, a setting Alembic would reject) it returns the
 * reason instead, and never a file that differs from Alembic's.
 */
export function renderMergeRevision(req: MergeRequest): NewRevision {
  const { env } = req;
  if (env.scriptLocation === undefined) return { reason: 'the environment has no script_location' };
  try {
    const folder = versionFolder(env, req.heads);
    const template = loadScriptTemplate(path.join(env.scriptLocation, 'script.py.mako'));
    const revId = req.revId ?? newRevisionId();
    const createDate = createDateFor(env.timezone, req.now);
    const name = revisionFileName({ fileTemplate: env.fileTemplate, truncateSlugLength: env.truncateSlugLength, revId, message: req.message, createDate });
    const mainOption = mainOptionReader(env);
    const text = template.render(mergeTemplateData({ revId, downRevisions: req.heads.map((h) => h.revision), message: req.message, createDate, mainOption }));
    return { file: path.join(folder, name), text, revId };
  } catch (error) {
    if (error instanceof TemplateError) return { reason: error.message };
    throw error;
  }
}

/**
 * generate_revision's choice of folder: the only version location, or with several, the
 * folder of the first head's file, which must itself be one of the version locations.
 */
function versionFolder(env: AlembicEnvironment, heads: readonly { path: string }[]): string {
  if (env.versionLocations.length === 1) return env.versionLocations[0]!;
  if (env.versionLocations.length === 0) throw failed('the environment has no version location');
  const first = heads[0];
  if (!first) throw failed('Multiple version locations present, please specify --version-path');
  const folder = path.dirname(first.path);
  if (!env.versionLocations.some((v) => path.resolve(v) === path.resolve(folder))) {
    throw failed(`Path ${folder} is not represented in current version locations`);
  }
  return folder;
}

/** `config.get_main_option` for templates, reading the ini section when asked. */
export function mainOptionReader(env: AlembicEnvironment): ((name: string) => string | undefined) | undefined {
  const iniFile = env.iniFile;
  if (iniFile === undefined) return undefined;
  return (name) => {
    try {
      return readIniFile(iniFile, { here: asPosix(path.dirname(iniFile)) }).get(env.section, name);
    } catch (error) {
      throw failed(`config.get_main_option('${name}') cannot read ${iniFile}: ${(error as Error).message}`);
    }
  };
}
