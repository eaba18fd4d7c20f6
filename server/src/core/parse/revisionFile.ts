import type { ChangedRange, Tree } from '@lezer/common';
import type { Problem } from '../types';
import { migrationFunction } from './functions';
import { readModule } from './moduleLevel';
import { LineIndex } from './positions';
import type { Source } from './pyValues';
import { type ParseState, parsePython } from './syntax';
import { findSyntaxProblem } from './syntaxProblems';
import type { MigrationFunction, RevisionFile } from './types';

export type { ParseState } from './syntax';

/** The result of an incremental parse: the file, and the state to pass to the next parse. */
export interface IncrementalParse {
  file: RevisionFile;
  state: ParseState;
}

const BOM = '\uFEFF';

/**
 * Parses a revision file completely: the module-level header (revision variables, docstring
 * and its headers) and the migration functions with their op calls and SQL strings.
 *
 * A leading byte order mark is dropped before parsing and ranges refer to the text without
 * it, matching VS Code's document text (which never contains the BOM) and the file as Python
 * reads it. `RevisionFile.text` is that text.
 */
export function parseRevisionFile(path: string, text: string): RevisionFile {
  return parseRevisionFileIncremental(path, text).file;
}

/**
 * {@link parseRevisionFile} reusing the tree of the previous parse of the same document.
 *
 * `changes` describes the edits from `previous.text` to `text` in lezer's form (old offsets,
 * new offsets; see `ChangedRange` in @lezer/common). Without it the edit is inferred from the
 * common prefix and suffix of the two texts, which costs one pass over the text and is what
 * most callers should do. Offsets in both are relative to the text without a BOM.
 *
 * Only the syntax tree is reused: lezer reparses just the statements around the edit (about
 * 1 ms in a 2,000-line migration). Extraction then runs again over the whole new tree, which
 * costs a few milliseconds for such a file; call arguments are computed only when read.
 */
export function parseRevisionFileIncremental(
  path: string,
  text: string,
  previous?: ParseState,
  changes?: readonly ChangedRange[],
): IncrementalParse {
  const bomProblem = bomCookieProblem(path, text);
  const source = text.startsWith(BOM) ? text.slice(1) : text;
  const tree = parsePython(source, previous, changes);
  const file = extract(path, source, tree);
  if (bomProblem) file.problems.unshift(bomProblem);
  return { file, state: { text: source, tree } };
}

function extract(path: string, text: string, tree: Tree): RevisionFile {
  const lines = new LineIndex(text);
  const src: Source = { text, lines };
  const facts = readModule(src, tree);
  const scope = { opNames: facts.opNames, bindings: facts.bindings };

  const byName = new Map<string, MigrationFunction>();
  for (const node of facts.functionNodes) {
    const fn = migrationFunction(src, scope, node);
    if (!fn) continue;
    // A later definition replaces an earlier one, as in Python; it also takes its place in
    // the order, since that is where the effective definition is.
    byName.delete(fn.name);
    byName.set(fn.name, fn);
  }

  const problems: Problem[] = [];
  const syntax = findSyntaxProblem(tree, text, lines, path);
  if (syntax) problems.push(syntax);

  const file: RevisionFile = {
    path,
    text,
    headers: facts.headers,
    problems,
    functions: [...byName.values()],
  };
  if (facts.revision) file.revision = facts.revision;
  if (facts.downRevision) file.downRevision = facts.downRevision;
  if (facts.branchLabels) file.branchLabels = facts.branchLabels;
  if (facts.dependsOn) file.dependsOn = facts.dependsOn;
  if (facts.docstring !== undefined) {
    file.docstring = facts.docstring;
    if (facts.docstringRange) file.docstringRange = facts.docstringRange;
  }
  return file;
}

/**
 * Python refuses a file that starts with a UTF-8 BOM but declares another encoding in its
 * coding cookie (first two lines), so such a file never loads in Alembic.
 */
function bomCookieProblem(path: string, text: string): Problem | undefined {
  if (!text.startsWith(BOM)) return undefined;
  const firstLines = text.slice(1).split(/\r\n|\r|\n/, 2);
  for (let i = 0; i < firstLines.length; i++) {
    const m = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/.exec(firstLines[i]);
    if (!m) continue;
    if (/^utf[-_]?8([-_]|$)/i.test(m[1])) return undefined;
    const start = { line: i, character: m.index + m[0].length - m[1].length };
    return {
      code: 'python-syntax',
      message: `Python cannot read the file: it starts with a UTF-8 byte order mark but line ${i + 1} declares the encoding '${m[1]}'`,
      file: path,
      range: { start, end: { line: i, character: start.character + m[1].length } },
    };
  }
  return undefined;
}
