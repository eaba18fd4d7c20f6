import path from 'node:path';
import { DEFAULT_FILE_TEMPLATE, DEFAULT_TRUNCATE_SLUG_LENGTH, type AlembicEnvironment } from '../../server/src/core/config';
import { parser as pythonParser } from '@lezer/python';
import { parseRevisionFile, parseRevisionFileIncremental } from '../../server/src/core/parse';
import { blankRegions, deepBracketRegions } from '../../server/src/core/parse/nesting';
import { UNREADABLE_MESSAGE } from '../../server/src/core/parse/revisionFile';
import type { CallArg, PyLiteralValue, RevisionFile } from '../../server/src/core/parse/types';
import { RevisionProject } from '../../server/src/core/project/revisionProject';
import { toRevision } from '../../server/src/core/project/toRevision';
import type { RevisionHeader } from '../../server/src/core/revisionHeader';
import { DEFAULT_TARGETS, lintFile, type LintOptions } from '../../server/src/core/rules/runner';
import type { SqlParser } from '../../server/src/core/rules/types';
import { decodePythonSource } from '../../server/src/core/scan/decode';
import { scanRevisionHeader } from '../../server/src/core/scan/headerScanner';
import { analyzeSql, loadSqlParser } from '../../server/src/core/sql';
import { sqlRange } from '../../server/src/core/sql/edits';
import { cachedSqlParser } from '../../server/src/lsp/sqlCache';
import { Document, offset } from './bounds';
import type { Seeds } from './corpus';
import { materialize, withLoneSurrogate, type Case } from './mutate';
import { Disagreement, timed, type FuzzTarget } from './target';

/**
 * The entry points that read revision files: the full parser (from scratch and incremental),
 * the header scanner, SQL extraction and analysis, and the lint rules over all of it. None of
 * them has a documented error: broken input must come back as problems and findings.
 */

const FILE = '/fuzz/versions/a1_fuzz.py';

/** The text a case gives a reader of Python: bytes decoded as Python imports them. */
function pythonText(c: Case, bytes: Uint8Array): string {
  return withLoneSurrogate(c, decodePythonSource(bytes).text);
}

function checkValue(doc: Document, value: PyLiteralValue | undefined, what: string): void {
  if (Array.isArray(value)) value.forEach((v, i) => checkValue(doc, v, `${what}[${i}]`));
  else if (value !== null && typeof value === 'object') checkArgs(doc, value.args, `${what} ${value.call}()`);
}

function checkArgs(doc: Document, args: readonly CallArg[], what: string): void {
  args.forEach((a, i) => {
    doc.range(a.range, `${what} argument ${i}`);
    checkValue(doc, a.value, `${what} argument ${i}`);
  });
}

function checkHeader(doc: Document, header: RevisionHeader): void {
  for (const [name, a] of [['revision', header.revision], ['down_revision', header.downRevision], ['branch_labels', header.branchLabels], ['depends_on', header.dependsOn]] as const) {
    if (!a) continue;
    doc.range(a.range, name);
    doc.range(a.valueRange, `${name} value`);
    a.literals.forEach((l, i) => doc.range(l.range, `${name} literal ${i}`));
  }
  if (header.docstringRange) doc.range(header.docstringRange, 'docstring');
  for (const [name, h] of Object.entries(header.headers)) if (h) doc.range(h.range, `docstring header ${name}`);
  header.problems.forEach((p, i) => p.range && doc.range(p.range, `problem ${i} (${p.message.slice(0, 60)})`));
}

function checkFile(doc: Document, file: RevisionFile): void {
  checkHeader(doc, file);
  for (const fn of file.functions) {
    doc.range(fn.range, `${fn.name}()`);
    doc.range(fn.nameRange, `${fn.name}() name`);
    doc.range(fn.bodyRange, `${fn.name}() body`);
    for (const call of fn.opCalls) {
      doc.range(call.range, `op.${call.name}()`);
      doc.range(call.calleeRange, `op.${call.name}() callee`);
      checkArgs(doc, call.args, `op.${call.name}()`);
    }
    for (const s of fn.sql) {
      doc.range(s.range, 'SQL string');
      doc.range(s.callRange, 'SQL call');
      for (let i = 0; i <= s.text.length; i++) doc.position(s.positionAt(i), `SQL offset ${i} of ${s.text.length}`);
    }
  }
}

/**
 * Where two parses of one text differ, as JSON would show them (lazy arguments included, through
 * toJSON), or undefined when they are the same. Compared in place: the JSON of a file with a
 * few hundred nested calls, each quoting its arguments, is longer than a string can be.
 */
function difference(a: unknown, b: unknown, where: string): string | undefined {
  const x = hasToJson(a) ? a.toJSON() : a;
  const y = hasToJson(b) ? b.toJSON() : b;
  if (typeof x === 'function' && typeof y === 'function') return undefined;
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return Object.is(x, y) ? undefined : where;
  if (Array.isArray(x) !== Array.isArray(y)) return where;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const key of keys) {
    const d = difference((x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key], `${where}.${key}`);
    if (d) return d;
  }
  return undefined;
}

function hasToJson(value: unknown): value is { toJSON(): unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/**
 * The parser gives up on a file (see UNREADABLE_MESSAGE) only where lezer itself cannot build
 * or walk the tree, or where lezer's error recovery ran past the parse budget (parseBudget);
 * a file lezer reads in time must be read. Otherwise our own code failed on it.
 */
function checkUnreadable(file: RevisionFile): void {
  const problem = file.problems.find((p) => p.message.startsWith(UNREADABLE_MESSAGE));
  if (!problem || problem.message.includes('its parser gave up on a very long line')) return;
  try {
    const tree = pythonParser.parse(blankRegions(file.text, deepBracketRegions(file.text)));
    tree.cursor().iterate((node) => void node.name);
  } catch {
    return;
  }
  throw new Disagreement(`the parser gave up although lezer reads the file: ${problem.message}`);
}

export const parserTarget: FuzzTarget = {
  name: 'parser',
  entryPoints: 'parseRevisionFile, parseRevisionFileIncremental (core/parse)',
  expectedErrors: [],
  seeds: (s: Seeds) => s.python,
  run(c, bytes, seeds) {
    const text = pythonText(c, bytes);
    const fresh = timed(() => parseRevisionFile(FILE, text));
    const doc = new Document('the file', fresh.text);
    checkFile(doc, fresh);
    checkUnreadable(fresh);
    // An editor reaches the same text by an edit: the text before the last mutation is parsed
    // first, and the incremental parse of the final text must equal the parse from scratch.
    // A file with a syntax error is parsed from scratch on each edit by design, so for most of
    // those (three in four) the costly check is left out: lezer's error recovery is most of
    // the time a case takes.
    if (fresh.problems.some((p) => p.code === 'python-syntax') && bytes.length % 4 !== 0) return undefined;
    const before = pythonText({ ...c, mutations: c.mutations.slice(0, -1) }, materialize({ ...c, mutations: c.mutations.slice(0, -1) }, seeds));
    const previous = timed(() => parseRevisionFileIncremental(FILE, before).state);
    const incremental = timed(() => parseRevisionFileIncremental(FILE, text, previous).file);
    checkFile(doc, incremental);
    const differs = difference(incremental, fresh, 'file');
    if (differs) throw new Disagreement(`the incremental parse differs from the parse from scratch at ${differs}`);
    return undefined;
  },
};

export const scannerTarget: FuzzTarget = {
  name: 'scanner',
  entryPoints: 'decodePythonSource, scanRevisionHeader (core/scan), toRevision (core/project)',
  expectedErrors: [],
  seeds: (s: Seeds) => s.python,
  run(c, bytes) {
    const text = pythonText(c, bytes);
    const header = timed(() => scanRevisionHeader(FILE, text));
    const doc = new Document('the file', text);
    checkHeader(doc, header);
    toRevision(header).problems.forEach((p, i) => p.range && doc.range(p.range, `revision problem ${i}`));
    return undefined;
  },
};

let sqlParser: SqlParser | undefined;

async function sqlParserOnce(): Promise<SqlParser> {
  sqlParser ??= cachedSqlParser(await loadSqlParser(), { maxEntries: 2_000 });
  return sqlParser;
}

/** Extra seeds for SQL: each SQL string of the seed files alone in a small migration. */
function sqlSeeds(s: Seeds): Uint8Array[] {
  const withSql = s.python.filter((b) => Buffer.from(b).includes('execute('));
  const wrapped: Uint8Array[] = [];
  for (const bytes of withSql) {
    const file = parseRevisionFile(FILE, decodePythonSource(bytes).text);
    for (const fn of file.functions) {
      for (const sql of fn.sql) {
        const quote = sql.text.includes('"""') ? "'''" : '"""';
        wrapped.push(new TextEncoder().encode(`revision = "a1"\ndown_revision = None\n\ndef upgrade():\n    op.execute(sa.text(${quote}${sql.text}${quote}))\n`));
      }
    }
  }
  return [...withSql, ...wrapped];
}

export const sqlTarget: FuzzTarget = {
  name: 'sql',
  entryPoints: 'SQL strings of parseRevisionFile, analyzeSql, sqlRange (core/sql)',
  expectedErrors: [],
  seeds: sqlSeeds,
  async prepare() {
    await sqlParserOnce();
  },
  run(c, bytes) {
    const file = timed(() => parseRevisionFile(FILE, pythonText(c, bytes)));
    const doc = new Document('the file', file.text);
    for (const fn of file.functions) {
      for (const s of fn.sql) {
        const analyzed = timed(() => analyzeSql(sqlParser!, s));
        const n = s.text.length;
        if (analyzed.prepared.length !== n) throw new Disagreement(`the prepared SQL has ${analyzed.prepared.length} characters, the SQL ${n}`);
        for (const st of analyzed.statements) {
          offset(st.start, n, `${st.kind} start`);
          offset(st.end, n, `${st.kind} end`);
          doc.range(sqlRange(s, st.start, st.end), `${st.kind} range`);
        }
        if (analyzed.error) {
          offset(analyzed.error.offset, n, 'SQL error');
          doc.range(sqlRange(s, analyzed.error.offset, analyzed.error.offset), 'SQL error range');
        }
        for (const r of analyzed.lex.regions) {
          offset(r.start, n, `${r.kind} region start`);
          offset(r.end, n, `${r.kind} region end`);
        }
        for (const b of analyzed.lex.binds) offset(b.end, n, `bind :${b.name}`);
      }
    }
    return undefined;
  },
};

function fuzzEnvironment(): AlembicEnvironment {
  const folder = path.dirname(FILE);
  return {
    configFile: path.join(folder, 'alembic.ini'),
    section: 'alembic',
    here: folder,
    scriptLocation: folder,
    versionLocations: [folder],
    recursiveVersionLocations: false,
    fileTemplate: DEFAULT_FILE_TEMPLATE,
    truncateSlugLength: DEFAULT_TRUNCATE_SLUG_LENGTH,
    prependSysPath: [],
    problems: [],
  };
}

export const lintTarget: FuzzTarget = {
  name: 'lint',
  entryPoints: 'lintFile with every rule, opt-in ones included (core/rules)',
  expectedErrors: [],
  seeds: (s: Seeds) => s.python,
  async prepare() {
    await sqlParserOnce();
  },
  run(c, bytes) {
    const errors: string[] = [];
    const options: LintOptions = {
      settings: { 'seed-insert-without-conflict': 'warning' },
      targets: { ...DEFAULT_TARGETS, alembicVersion: [1, 20, 0] },
      sql: sqlParser,
      onRuleError: (e) => errors.push(`rule ${e.rule} threw: ${e.error instanceof Error ? (e.error.stack ?? e.error.message) : String(e.error)}`),
    };
    const project = new RevisionProject(parseRevisionFile);
    const text = pythonText(c, bytes);
    timed(() => project.updateFile(FILE, text));
    const file = project.entry(FILE)!.header as RevisionFile;
    const findings = timed(() => lintFile(file, fuzzEnvironment(), project, options));
    // The runner keeps going when a rule throws; for the fuzzer that is an escape all the same.
    if (errors.length > 0) throw new Error(errors[0]);
    const doc = new Document('the file', file.text);
    for (const f of findings) {
      doc.range(f.range, `${f.rule} finding`);
      for (const fix of f.fixes ?? []) for (const e of fix.edits) if (e.file === FILE) for (const edit of e.edits) doc.range(edit.range, `${f.rule} fix "${fix.title}"`);
    }
    return undefined;
  },
};
