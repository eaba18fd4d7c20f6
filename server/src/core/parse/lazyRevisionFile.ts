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

/** The fields of RevisionFile besides the header's, which are read from the full parse. */
const BODY_FIELDS: Record<Exclude<keyof RevisionFile, keyof RevisionHeader | 'text'>, true> = {
  functions: true,
};

function isHeaderField(prop: PropertyKey): prop is keyof RevisionHeader {
  return typeof prop === 'string' && Object.hasOwn(HEADER_FIELDS, prop);
}

export function lazyRevisionFile(header: RevisionHeader, text: string | (() => string), parse: (text: string) => RevisionFile): RevisionFile {
  let known: string | undefined = typeof text === 'string' ? text : undefined;
  const textOf = (): string => (known ??= (text as () => string)());
  let parsed: RevisionFile | undefined;
  const full = (): RevisionFile => (parsed ??= parse(textOf()));
  // The target is only a shape for the proxy: every read is answered by the traps, and any
  // field this module does not know (one added to RevisionFile later) comes from the full parse.
  return new Proxy({} as RevisionFile, {
    get(_, prop) {
      if (isHeaderField(prop)) return header[prop];
      if (prop === 'text') return textOf();
      return Reflect.get(full(), prop) as unknown;
    },
    has(_, prop) {
      return isHeaderField(prop) || prop === 'text' || (typeof prop === 'string' && Object.hasOwn(BODY_FIELDS, prop)) || prop in full();
    },
    ownKeys() {
      return Reflect.ownKeys(full());
    },
    getOwnPropertyDescriptor(_, prop) {
      const descriptor = Reflect.getOwnPropertyDescriptor(full(), prop);
      return descriptor ? { ...descriptor, configurable: true } : undefined;
    },
  });
}

/** The header part of a full parse: what `lazyRevisionFile` needs to stand in for it. */
export function headerOf(file: RevisionFile): RevisionHeader {
  const out: Partial<Record<keyof RevisionHeader, unknown>> = {};
  for (const key of Object.keys(HEADER_FIELDS) as (keyof RevisionHeader)[]) {
    if (key in file) out[key] = file[key];
  }
  return out as RevisionHeader;
}
