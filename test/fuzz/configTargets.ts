import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadEnvironment, type AlembicEnvironment } from '../../server/src/core/config';
import { DEFAULT_SECTION, readIniFile, type IniFile } from '../../server/src/core/config/ini';
import { createDateFor, revisionFileName } from '../../server/src/core/template/fileName';
import { CompiledTemplate } from '../../server/src/core/template/mako';
import { decodeTemplate, mergeTemplateData } from '../../server/src/core/template/revisionTemplate';
import { TemplateError } from '../../server/src/core/template/errors';
import { Document } from './bounds';
import type { Seeds } from './corpus';
import type { FuzzTarget } from './target';

/**
 * The configuration readers and the Mako renderer. Their documented errors are ConfigError
 * (Alembic could not use the file either; discovery shows it as a broken environment, the CLI
 * exits 2 with its message) and TemplateError (New Revision and Merge Heads fall back to
 * running Alembic, or say why). The line either of them names must be a line of the file.
 *
 * The readers are driven through real files, so that reading and decoding bytes is fuzzed too.
 */

let folder: string | undefined;

function workFolder(): string {
  folder ??= mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-fuzz-'));
  return folder;
}

function disposeFolder(): void {
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
}

/** The file's text as a person reading it would count its lines (invalid UTF-8 replaced). */
function documentOf(name: string, bytes: Uint8Array): Document {
  return new Document(name, new TextDecoder('utf-8').decode(bytes));
}

function checkEnvironment(env: AlembicEnvironment, file: string, doc: Document): void {
  for (const p of env.problems) if (p.file === file) doc.line1(p.line, `problem "${p.message.slice(0, 80)}"`);
}

/** Runs `read`; a ConfigError is the documented outcome for a bad file, and must point inside it. */
function expectingConfigError(doc: Document, file: string, step: string, read: () => void): string | undefined {
  try {
    read();
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (error.file === file) doc.line1(error.line, `ConfigError "${error.message.slice(0, 80)}"`);
    return `ConfigError (${step})`;
  }
}

export const iniTarget: FuzzTarget = {
  name: 'ini',
  entryPoints: 'readIniFile, IniFile.get on every option, loadEnvironment (core/config)',
  expectedErrors: ['ConfigError'],
  seeds: (s: Seeds) => s.ini,
  run(_c, bytes) {
    const file = path.join(workFolder(), 'alembic.ini');
    writeFileSync(file, bytes);
    const doc = documentOf('alembic.ini', bytes);
    const errors = new Set<string>();
    const note = (kind: string | undefined): void => void (kind && errors.add(kind));
    let ini: IniFile | undefined;
    note(expectingConfigError(doc, file, 'read', () => (ini = readIniFile(file, { here: workFolder() }))));
    for (const section of ini ? [DEFAULT_SECTION, ...ini.sections.keys()] : []) {
      const options = section === DEFAULT_SECTION ? ini!.defaults.options : ini!.sections.get(section)!.options;
      for (const name of options.keys()) note(expectingConfigError(doc, file, 'get', () => ini!.get(section, name)));
    }
    note(expectingConfigError(doc, file, 'load', () => checkEnvironment(loadEnvironment(file), file, doc)));
    return [...errors].join(',') || undefined;
  },
  dispose: disposeFolder,
};

export const pyprojectTarget: FuzzTarget = {
  name: 'pyproject',
  entryPoints: 'readPyproject, [tool.alembic] settings, loadEnvironment (core/config)',
  expectedErrors: ['ConfigError'],
  seeds: (s: Seeds) => s.toml,
  run(_c, bytes) {
    const file = path.join(workFolder(), 'pyproject.toml');
    writeFileSync(file, bytes);
    const doc = documentOf('pyproject.toml', bytes);
    return expectingConfigError(doc, file, 'load', () => checkEnvironment(loadEnvironment(file), file, doc));
  },
  dispose: disposeFolder,
};

const NOW = new Date(Date.UTC(2026, 0, 10, 12, 30, 5));

function expectingTemplateError(doc: Document | undefined, step: string, run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    doc?.line1(error.line, `TemplateError "${error.message.slice(0, 80)}"`);
    return `TemplateError (${step})`;
  }
}

export const templateTarget: FuzzTarget = {
  name: 'template',
  entryPoints: 'decodeTemplate, CompiledTemplate.compile/render with merge data, revisionFileName, createDateFor (core/template)',
  expectedErrors: ['TemplateError'],
  seeds: (s: Seeds) => s.mako,
  run(_c, bytes) {
    let text = '';
    const errors = new Set<string>();
    const note = (kind: string | undefined): void => void (kind && errors.add(kind));
    note(
      expectingTemplateError(undefined, 'decode', () => {
        text = decodeTemplate(bytes);
      }),
    );
    if (errors.size > 0) text = new TextDecoder('utf-8').decode(bytes);
    const doc = new Document('script.py.mako', text);
    note(
      expectingTemplateError(doc, 'render', () => {
        const data = mergeTemplateData({
          revId: 'ae1027a6acf',
          downRevisions: ['27c6a30d7c24', '3f2a1c'],
          message: 'merge heads',
          createDate: createDateFor(undefined, NOW),
          mainOption: (name) => (name === 'sqlalchemy.url' ? 'postgresql://localhost/db' : undefined),
        });
        const rendered = CompiledTemplate.compile(text).render(data);
        if (typeof rendered !== 'string') throw new Error('render() did not return a string');
      }),
    );
    // The first line of the input also serves as a file_template and as a timezone setting.
    const firstLine = text.split(/\r\n|\r|\n/, 1)[0]!.slice(0, 200);
    note(expectingTemplateError(undefined, 'timezone', () => createDateFor(firstLine, NOW)));
    note(
      expectingTemplateError(undefined, 'file_template', () => {
        revisionFileName({ fileTemplate: firstLine, truncateSlugLength: 40, revId: 'ae1027a6acf', message: text.slice(0, 300), createDate: createDateFor(undefined, NOW) });
      }),
    );
    return [...errors].join(',') || undefined;
  },
};
