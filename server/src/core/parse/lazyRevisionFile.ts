import type { RevisionHeader } from '../revisionHeader';
import type { RevisionFile } from './types';

/**
 * A RevisionFile that answers from a kept header and parses the file only when something
 * past the header is read. The rules that read the graph (heads, unknown parents, cycles,
 * labels, the docstring header) mostly read the header, so running them again after the graph
 * changed costs no parse of every file in the history.
 *
 * `header` must be the full parser's header of exactly `text` (problems included), so that
 * every field read here is the one a full parse would give; `parse` must parse that text.
 */

/** Every field of RevisionHeader; the record makes the compiler insist the list is complete. */
const HEADER_FIELDS: Record<keyof RevisionHeader, true> = {
  path: true,
  revision: true,
  downRevision: true,
  branchLabels: true,
  dependsOn: true,
  docstring: true,
  docstringRange: true,
  headers: true,
  problems: true,
};

/**
 * The fields of RevisionFile besides the header's and `text`, which come from the full parse.
 * A field added to RevisionFile fails to compile here until it is added below as well.
 */
const BODY_FIELDS: Record<Exclude<keyof RevisionFile, keyof RevisionHeader | 'text'>, true> = {
  functions: true,
};

export function lazyRevisionFile(header: RevisionHeader, text: string | (() => string), parse: (text: string) => RevisionFile): RevisionFile {
  let known: string | undefined = typeof text === 'string' ? text : undefined;
  const textOf = (): string => (known ??= (text as () => string)());
  let parsed: RevisionFile | undefined;
  const full = (): RevisionFile => (parsed ??= parse(textOf()));
  // A plain object with getters rather than a proxy: the graph rules read it for every file of
  // the history after each header edit, and a getter costs little more than a field.
  const file = {} as Record<string, unknown>;
  for (const key of Object.keys(HEADER_FIELDS) as (keyof RevisionHeader)[]) {
    if (header[key] !== undefined) file[key] = header[key];
  }
  Object.defineProperty(file, 'text', { get: textOf, enumerable: true });
  for (const key of Object.keys(BODY_FIELDS) as (keyof typeof BODY_FIELDS)[]) {
    Object.defineProperty(file, key, { get: () => full()[key], enumerable: true });
  }
  return file as unknown as RevisionFile;
}

/** The header part of a full parse: what `lazyRevisionFile` needs to stand in for it. */
export function headerOf(file: RevisionFile): RevisionHeader {
  const out: Partial<Record<keyof RevisionHeader, unknown>> = {};
  for (const key of Object.keys(HEADER_FIELDS) as (keyof RevisionHeader)[]) {
    if (key in file) out[key] = file[key];
  }
  return out as RevisionHeader;
}
