import type { ChangedRange, Tree } from '@lezer/common';
import type { Problem } from '../types';
import { scanRevisionHeader } from '../scan/headerScanner';
import { dialectScope } from './dialectGuards';
import { migrationFunction } from './functions';
import { blankRegions, deepBracketRegions, TOO_DEEP_MESSAGE, type DeepRegion } from './nesting';
import { readModule } from './moduleLevel';
import { shiftStatementResult } from './opCalls';
import { LineIndex } from './positions';
import type { Source } from './pyValues';
import { StatementCache, StatementReuse } from './statementCache';
import { inferChanges, parseBudget, type ParsedText, parsePython, ParseTooSlowError } from './syntax';
import { findSyntaxProblem } from './syntaxProblems';
import type { MigrationFunction, RevisionFile } from './types';

/**
 * What a parse keeps for the next parse of the same document: the syntax tree, whose
 * unchanged subtrees lezer reuses, and what the statements of the migration functions
 * yielded, which extraction reuses for the statements the edit did not touch.
 */
export interface ParseState extends ParsedText {
  readonly statements: StatementCache;
}

/** The result of an incremental parse: the file, and the state to pass to the next parse. */
export interface IncrementalParse {
  file: RevisionFile;
  state: ParseState;
}

const BOM = '\uFEFF';

const lineIndexes = new WeakMap<RevisionFile, LineIndex>();

/**
 * The line table of a parsed file: the one its parse built, so that rules converting between
 * offsets and positions do not build another on every lint; a new one for a RevisionFile
 * made some other way.
 */
export function lineIndexOf(file: RevisionFile): LineIndex {
  let lines = lineIndexes.get(file);
  if (!lines) {
    lines = new LineIndex(file.text);
    lineIndexes.set(file, lines);
  }
  return lines;
}

/**
 * Parses a revision file completely: the module-level header (revision variables, docstring
 * and its headers) and the migration functions with their op calls and SQL strings.
 *
 * A leading byte order mark is dropped before parsing and ranges refer to the text without
 * it, matching VS Code's document text (which never contains the BOM) and the file as Python
 * reads it. `RevisionFile.text` is that text.
 */
export function parseRevisionFile(path: string, text: string): RevisionFile {
  try {
    return parseFresh(path, text);
  } catch (e) {
    return withBomProblem(unreadable(path, withoutBom(text), e), path, text);
  }
}

function parseFresh(path: string, text: string): RevisionFile {
  const source = withoutBom(text);
  const deep = deepBracketRegions(source);
  if (deep.length > 0) return withBomProblem(parseTooDeep(path, source, deep).file, path, text);
  const file = extract(path, source, parsePython(source, undefined, undefined, parseBudget(source.length)), undefined);
  return withBomProblem(file, path, text);
}

/**
 * A file with brackets nested past Python's limit: the parser reads it with the too-deep parts
 * blanked (same offsets and lines), and the file reports what Python reports, unless a syntax
 * error comes earlier in the file, which Python would report first.
 */
function parseTooDeep(path: string, source: string, deep: readonly DeepRegion[]): IncrementalParse {
  const shallow = blankRegions(source, deep);
  const tree = parsePython(shallow, undefined, undefined, parseBudget(shallow.length));
  const statements = new StatementCache(undefined);
  const file = extract(path, shallow, tree, { previous: undefined, next: statements, edits: [] });
  const lines = lineIndexOf(file);
  const at = deep[0]!.from;
  const earlier = file.problems.find((p) => p.code === 'python-syntax' && p.range && lines.offsetAt(p.range.start) < at);
  if (!earlier) {
    file.problems = file.problems.filter((p) => p.code !== 'python-syntax');
    file.problems.push({ code: 'python-syntax', message: TOO_DEEP_MESSAGE, file: path, range: lines.rangeOf(at, at + 1) });
  }
  // Ranges are the same in both texts; the file keeps its real text, for rules and fixes.
  file.text = source;
  return { file, state: { text: shallow, tree, statements } };
}

/**
 * {@link parseRevisionFile} reusing the tree of the previous parse of the same document.
 *
 * `changes` describes the edits from `previous.text` to `text` in lezer's form (old offsets,
 * new offsets; see `ChangedRange` in @lezer/common). Without it the edit is inferred from the
 * common prefix and suffix of the two texts, which costs one pass over the text and is what
 * most callers should do. Offsets in both are relative to the text without a BOM.
 *
 * Lezer reparses just the statements around the edit, and extraction takes the op calls and
 * SQL strings of every statement of the migration functions that the edit did not touch
 * from the previous parse (see StatementReuse), so a keystroke costs little more than the
 * statement it is in. The result is what extracting everything from the new tree gives,
 * positions included; call arguments are computed only when read. While the file has a
 * syntax error it is parsed from scratch instead, because lezer's incremental tree can recover
 * from an error differently than a parse from scratch (the CLI's) would.
 */
export function parseRevisionFileIncremental(
  path: string,
  text: string,
  previous?: ParseState,
  changes?: readonly ChangedRange[],
): IncrementalParse {
  let failure: unknown;
  try {
    return parseIncrementally(path, text, previous, changes);
  } catch (e) {
    failure = e;
    // Lezer reusing the previous tree can fail where a parse from scratch does not; the editor
    // must then say what the CLI says (its parse budget included).
    if (previous) {
      try {
        return parseIncrementally(path, text, undefined, undefined);
      } catch (again) {
        // Unreadable from scratch too, and for the reason a parse from scratch gives.
        failure = again;
      }
    }
    // An empty state makes the next parse start from scratch.
    return { file: withBomProblem(unreadable(path, withoutBom(text), failure), path, text), state: { text: '', tree: parsePython(''), statements: new StatementCache(undefined) } };
  }
}

function parseIncrementally(path: string, text: string, previous: ParseState | undefined, changes: readonly ChangedRange[] | undefined): IncrementalParse {
  const source = withoutBom(text);
  const deep = deepBracketRegions(source);
  if (deep.length > 0) {
    // The state keeps the blanked text its tree was parsed from, so the next edit's changes
    // are computed against that text.
    const parsed = parseTooDeep(path, source, deep);
    return { file: withBomProblem(parsed.file, path, text), state: parsed.state };
  }
  const edits = previous ? (changes ?? inferChanges(previous.text, source)) : [];
  const budget = parseBudget(source.length);
  let tree = parsePython(source, previous, edits, budget);
  let statements = new StatementCache(previous?.statements);
  let file = extract(path, source, tree, { previous: previous?.statements, next: statements, edits });
  if (previous && file.problems.some((p) => p.code === 'python-syntax')) {
    // Lezer's incremental parse may recover from a syntax error differently than a parse from
    // scratch, and the CLI parses from scratch. While the file does not parse, every keystroke
    // parses it whole, so the editor and CI always report the same thing.
    tree = parsePython(source, undefined, undefined, budget);
    statements = new StatementCache(undefined);
    file = extract(path, source, tree, { previous: undefined, next: statements, edits: [] });
  }
  return { file: withBomProblem(file, path, text), state: { text: source, tree, statements } };
}

/** The start of the message of {@link unreadable}, by which tests recognise it. */
export const UNREADABLE_MESSAGE = 'Alembic Pilot cannot read this file';

/**
 * A file the parser failed on. Lezer and our walks over its tree recurse, and an expression
 * chained thousands deep (`f()()()…`, which Python refuses too, with RecursionError) overflows
 * the stack or leaves lezer with a broken tree. Rather than fail the editor or the whole lint,
 * the file gets the header scanner's reading (which does not recurse), no migration functions,
 * and one problem saying why it was not read.
 */
function unreadable(path: string, source: string, failure: unknown): RevisionFile {
  const header = scanRevisionHeader(path, source);
  const start = { line: 0, character: 0 };
  // The message names no error: whether lezer overflows the stack or breaks its tree depends on
  // how deep the stack already is, and the editor and the CLI must say the same thing.
  const why =
    failure instanceof ParseTooSlowError
      ? 'its parser gave up on a very long line that does not parse (unbalanced quotes or brackets), where it would have taken seconds to minutes, so it is not linted. Python reports the first error in it.'
      : 'an expression in it is chained or nested thousands deep, beyond what its parser can follow, so it is not linted. Python refuses such expressions too.';
  const problem: Problem = {
    code: 'python-syntax',
    message: `${UNREADABLE_MESSAGE}: ${why}`,
    file: path,
    range: { start, end: start },
  };
  return { ...header, problems: [problem, ...header.problems], text: source, functions: [] };
}

/** The previous parse's statements, the cache this parse fills, and the edits in between. */
interface Statements {
  previous: StatementCache | undefined;
  next: StatementCache;
  edits: readonly ChangedRange[];
}

/**
 * Reads everything a RevisionFile holds from the tree. With `statements`, statements of the
 * migration functions come from the previous parse where they can, and what this parse
 * extracted is kept for the next one.
 */
function extract(path: string, text: string, tree: Tree, statements: Statements | undefined): RevisionFile {
  const lines = new LineIndex(text);
  const src: Source = { text, lines };
  const facts = readModule(src, tree);
  const scope = { opNames: facts.opNames, bindings: facts.bindings, dialects: dialectScope(src, facts.functionNodes, facts.bindings) };
  const reuse =
    statements && new StatementReuse(statements.previous, statements.next, statements.edits, lines, facts.opNames, shiftStatementResult);

  const byName = new Map<string, MigrationFunction>();
  for (const node of facts.functionNodes) {
    const fn = migrationFunction(src, scope, node, reuse);
    if (!fn) continue;
    // A later definition replaces an earlier one, as in Python; it also takes its place in
    // the order, since that is where the effective definition is.
    byName.delete(fn.name);
    byName.set(fn.name, fn);
  }

  const problems: Problem[] = [];
  const syntax = findSyntaxProblem(tree, text, lines, path, statements?.next.knownClean());
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
  lineIndexes.set(file, lines);
  return file;
}

function withoutBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}

function withBomProblem(file: RevisionFile, path: string, text: string): RevisionFile {
  const problem = bomCookieProblem(path, text);
  if (problem) file.problems.unshift(problem);
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
