/**
 * Tests for syntaxes/sql-in-python.injection.tmLanguage.json.
 *
 * The grammar is injected into the real grammars VS Code ships, MagicPython (source.python) and
 * the built-in SQL grammar (source.sql), taken from the `tm-grammars` package. An injection is
 * only right if it composes with the grammar it is injected into, and a hand-written stand-in
 * for MagicPython would only test our own assumptions about it.
 *
 * Snapshots: every test/fixtures/grammar/NAME.py is tokenized and compared with NAME.py.snap.
 * Run with UPDATE_SNAPSHOTS=1 to rewrite them, then review the diff.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';

const root = path.resolve(__dirname, '../../..');
const fixtureDir = path.join(root, 'test/fixtures/grammar');
const injectionPath = path.join(root, 'syntaxes/sql-in-python.injection.tmLanguage.json');
const injectionScope = 'alembic-pilot.sql-in-python.injection';
const embeddedScope = 'meta.embedded.sql.alembic-pilot';
const updating = process.env.UPDATE_SNAPSHOTS === '1';
const require = createRequire(__filename);

const grammarFiles: Record<string, string> = {
  'source.python': require.resolve('tm-grammars/grammars/python.json'),
  'source.sql': require.resolve('tm-grammars/grammars/sql.json'),
  [injectionScope]: injectionPath,
};

let registryPromise: Promise<vsctm.Registry> | undefined;

/** One registry per test file: vscode-oniguruma's WASM can only be loaded once per process. */
function registry(): Promise<vsctm.Registry> {
  registryPromise ??= (async () => {
    const wasm = await readFile(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    return new vsctm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
        createOnigString: (text) => new oniguruma.OnigString(text),
      }),
      loadGrammar: async (scopeName) => {
        const file = grammarFiles[scopeName];
        return file ? vsctm.parseRawGrammar(await readFile(file, 'utf8'), file) : null;
      },
      // What package.json's `injectTo: ["source.python"]` makes VS Code do.
      getInjections: (scopeName) => (scopeName === 'source.python' ? [injectionScope] : undefined),
    });
  })();
  return registryPromise;
}

// Language ids for token metadata, mapped the way package.json's `embeddedLanguages` asks VS Code to.
const [PYTHON, SQL] = [1, 2];

/** The registry caches a grammar by scope name, so it is always loaded with the same configuration. */
async function python(): Promise<vsctm.IGrammar> {
  const grammar = await (await registry()).loadGrammarWithEmbeddedLanguages('source.python', PYTHON, {
    [embeddedScope]: SQL,
  });
  if (!grammar) throw new Error('source.python did not load');
  return grammar;
}

interface Token {
  text: string;
  start: number;
  scopes: string[];
}

async function tokenize(source: string): Promise<Array<{ line: string; tokens: Token[] }>> {
  const grammar = await python();
  let state = vsctm.INITIAL;
  return source.split(/\r?\n/).map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    const tokens = result.tokens.map((t) => ({
      text: line.slice(t.startIndex, t.endIndex),
      start: t.startIndex,
      scopes: t.scopes,
    }));
    return { line, tokens };
  });
}

/**
 * The vscode-tmgrammar-snap layout: each source line prefixed with `>`, then one `#` line per
 * token with carets under it. Whitespace-only tokens are left out to keep snapshots readable.
 */
function render(lines: Array<{ line: string; tokens: Token[] }>): string {
  const out: string[] = [];
  for (const { line, tokens } of lines) {
    out.push(`>${line}`);
    for (const t of tokens) {
      if (t.text.trim() === '') continue;
      out.push(`#${' '.repeat(t.start)}${'^'.repeat(t.text.length)} ${t.scopes.join(' ')}`);
    }
  }
  return out.join('\n') + '\n';
}

/** The scopes of the `nth` token (from 0, across lines) whose text contains `needle`. */
async function scopesAt(source: string, needle: string, nth = 0): Promise<string[]> {
  const lines = await tokenize(source);
  const token = lines.flatMap(({ tokens }) => tokens.filter((t) => t.text.includes(needle)))[nth];
  if (!token) throw new Error(`no token #${nth} contains ${JSON.stringify(needle)} in ${JSON.stringify(source)}`);
  return token.scopes;
}

const fixtures = readdirSync(fixtureDir).filter((f) => f.endsWith('.py')).sort();

describe('snapshots', () => {
  test.each(fixtures)('%s', async (fixture) => {
    const actual = render(await tokenize(await readFile(path.join(fixtureDir, fixture), 'utf8')));
    const snapshot = path.join(fixtureDir, `${fixture}.snap`);
    if (updating) {
      await writeFile(snapshot, actual);
      return;
    }
    const expected = existsSync(snapshot) ? await readFile(snapshot, 'utf8') : undefined;
    expect(expected, `${snapshot} is missing; run with UPDATE_SNAPSHOTS=1 to write it`).toBeDefined();
    expect(actual).toBe(expected);
  });

  test('every snapshot belongs to a fixture', () => {
    const snapshots = readdirSync(fixtureDir).filter((f) => f.endsWith('.snap'));
    expect(fixtures.length).toBeGreaterThan(0);
    expect(snapshots.filter((s) => !fixtures.includes(s.replace(/\.snap$/, '')))).toEqual([]);
  });
});

// Small spot checks that say what the snapshots mean: the `nth` (default first) token containing
// the `token` text must carry `scope`.
const sqlCases: Array<{ source: string; token: string; nth?: number; scope: string }> = [
  { source: 'op.execute("SELECT 1")', token: 'SELECT', scope: 'keyword.other.DML.sql' },
  { source: "op.execute('DROP TABLE t')", token: 'DROP', scope: 'keyword.other.create.sql' },
  { source: 'op.execute(\n    """\n    UPDATE t SET a = 1\n    """\n)', token: 'UPDATE', scope: 'keyword.other.DML.sql' },
  { source: 'op.execute(sa.text("DELETE FROM t"))', token: 'DELETE', scope: 'keyword.other.DML.sql' },
  { source: 'conn.exec_driver_sql("SELECT 1")', token: 'SELECT', scope: embeddedScope },
  { source: 'stmt = text("SELECT :id")', token: 'id', scope: 'variable.parameter.bind.sql' },
  { source: 'op.execute(rb"SELECT 1")', token: 'rb', scope: 'storage.type.string.python' },
  { source: 'op.execute(f"SELECT {n}")', token: 'n', scope: embeddedScope },
  { source: 'op.execute(f"SELECT {n}")', token: '{', scope: 'constant.character.format.placeholder.other.python' },
  { source: 'op.execute("SELECT 1 -- note")', token: 'note', scope: 'comment.line.double-dash.sql' },
  // An SQL line comment must not swallow the quote that closes the Python string.
  { source: 'op.execute("SELECT 1 -- note")', token: '"', nth: 1, scope: 'punctuation.definition.string.end.python' },
  { source: 'op.execute("""SELECT 1 -- note""")', token: '"""', nth: 1, scope: 'punctuation.definition.string.end.python' },
  { source: "op.execute('SELECT 1 -- note')", token: "'", nth: 1, scope: 'punctuation.definition.string.end.python' },
];

test.each(sqlCases)('$source: "$token" has $scope', async ({ source, token, nth, scope }) => {
  expect(await scopesAt(source, token, nth)).toContain(scope);
});

// Strings that must stay plain Python strings.
const pythonCases: Array<{ source: string; token: string }> = [
  { source: 'print("SELECT 1")', token: 'SELECT' },
  { source: 'response.text("SELECT 1")', token: 'SELECT' },
  { source: 'conn.execute(text("SELECT 1"), {"k": "DELETE"})', token: 'DELETE' },
  { source: '# op.execute("SELECT 1")', token: 'SELECT' },
  { source: '"""op.execute("SELECT 1")"""', token: 'SELECT' },
  { source: 'op.executemany("SELECT 1")', token: 'SELECT' },
  { source: 'def text(value="SELECT"):', token: 'SELECT' },
  // An SQL literal left open inside one Python string must not run on into the next line.
  { source: "op.execute(\"SELECT 'unclosed\")\nafter = 'SELECT'", token: 'after' },
];

test.each(pythonCases)('$source: "$token" is not SQL', async ({ source, token }) => {
  expect(await scopesAt(source, token)).not.toContain(embeddedScope);
});

describe('what VS Code sees', () => {
  // Token metadata layout from vscode-textmate's MetadataConsts: bits 0-7 language, 8-9 type.
  const languageOf = (metadata: number) => metadata & 0xff;
  const tokenTypeOf = (metadata: number) => (metadata >>> 8) & 0b11;
  const [OTHER, STRING] = [0, 2];

  test('SQL content is the embedded sql language and not a string token', async () => {
    const line = 'op.execute("SELECT 1")';
    const { tokens } = (await python()).tokenizeLine2(line, vsctm.INITIAL);
    const metadataAt = (offset: number) => {
      let found = 0;
      for (let i = 0; i < tokens.length; i += 2) if (tokens[i] <= offset) found = tokens[i + 1];
      return found;
    };
    const select = metadataAt(line.indexOf('SELECT'));
    const quote = metadataAt(line.indexOf('"'));
    expect([languageOf(select), tokenTypeOf(select)]).toEqual([SQL, OTHER]);
    expect([languageOf(quote), tokenTypeOf(quote)]).toEqual([PYTHON, STRING]);
  });

  test('package.json contributes this grammar with the embedded scope it uses', async () => {
    const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
      contributes?: { grammars?: Array<Record<string, unknown>> };
    };
    const entry = manifest.contributes?.grammars?.find((g) => g.scopeName === injectionScope);
    const grammar = JSON.parse(await readFile(injectionPath, 'utf8')) as { scopeName: string };
    expect(entry).toBeDefined();
    expect(path.resolve(root, String(entry!.path))).toBe(injectionPath);
    expect(grammar.scopeName).toBe(injectionScope);
    expect(entry!.injectTo).toEqual(['source.python']);
    expect(entry!.embeddedLanguages).toEqual({ [embeddedScope]: 'sql' });
  });
});
