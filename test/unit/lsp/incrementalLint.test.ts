import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlembicEnvironment } from '../../../server/src/core/config';
import { parseRevisionFile, parseRevisionFileIncremental, type ParseState } from '../../../server/src/core/parse';
import { RevisionProject } from '../../../server/src/core/project/revisionProject';
import { DEFAULT_TARGETS, fullParse, lintFile, type LintOptions } from '../../../server/src/core/rules/runner';
import type { Finding } from '../../../server/src/core/rules/types';
import { loadSqlParser } from '../../../server/src/core/sql';
import { StatementCache } from '../../../server/src/core/parse/statementCache';
import { cachedSqlParser } from '../../../server/src/lsp/sqlCache';
import { bareEnvironment } from '../../helpers/ruleFixtures';

/**
 * The language server lints each keystroke from an incremental parse, and the rules keep what
 * they read from op calls and SQL strings that the keystroke left alone (or only moved). After
 * any edits, the findings must be those of extracting everything again from the same syntax
 * tree, and those of a parse from scratch (a file with a syntax error is parsed from scratch,
 * since lezer's incremental tree may recover from the error differently; see incremental.test.ts).
 */

const FIXTURES = path.resolve(__dirname, '../../fixtures');
const CORPUS = [
  ...readdirSync(path.join(FIXTURES, 'revision-files')).map((f) => path.join(FIXTURES, 'revision-files', f)),
  ...readdirSync(path.join(FIXTURES, 'rules')).flatMap((rule) => readdirSync(path.join(FIXTURES, 'rules', rule)).map((f) => path.join(FIXTURES, 'rules', rule, f))),
]
  .filter((f) => f.endsWith('.py'))
  .map((f) => readFileSync(f, 'utf8'));

let options: LintOptions;
beforeAll(async () => {
  options = { settings: { 'seed-insert-without-conflict': 'warning' }, targets: { ...DEFAULT_TARGETS, alembicVersion: [1, 13, 3] }, sql: cachedSqlParser(await loadSqlParser()) };
});

/** How an editor parses: as the server does, reusing nothing but the tree, or from scratch. */
type Parsing = 'incremental' | 'tree only' | 'fresh';

/** One file alone in an environment, linted after each edit the way one server would. */
class Editor {
  readonly file: string;
  private readonly env: AlembicEnvironment;
  private readonly project: RevisionProject;
  private state: ParseState | undefined;

  constructor(folder: string, parsing: Parsing) {
    this.file = path.join(folder, 'a1_x.py');
    this.env = bareEnvironment(folder);
    this.project = new RevisionProject((file, text) => {
      if (parsing === 'fresh') return parseRevisionFile(file, text);
      const previous = parsing === 'tree only' && this.state ? { ...this.state, statements: new StatementCache() } : this.state;
      const next = parseRevisionFileIncremental(file, text, previous);
      this.state = next.state;
      return next.file;
    });
  }

  /** The findings for `text`, with this editor's folder written as `<dir>` so that two editors compare. */
  lint(text: string): unknown {
    this.project.updateFile(this.file, text);
    const found: Finding[] = lintFile(fullParse(this.project.entry(this.file)!.header), this.env, this.project, options);
    return JSON.parse(JSON.stringify(found).replaceAll(path.dirname(this.file), '<dir>'));
  }
}

// Besides typing, whole statements the rules read: op calls, SQL, helper calls and enum drops
// (which only the downgrade's text shows), and a module-level enum for such a drop to name.
const insertion = fc.constantFrom(
  '', 'x', '\n', '\n\n', '    ', '"', '(', ')', '#', ',', ';',
  'op.execute("DROP TABLE t")\n    ', 'op.drop_table("orders")\n    ', 'op.add_column("t", sa.Column("c"))\n    ',
  'helper()\n    ', 'kind.drop(op.get_bind())\n    ', '\nkind = sa.Enum("a", name="order_status")\n',
);
const edit = fc.record({ at: fc.nat(), remove: fc.nat({ max: 4 }), insert: insertion });

describe('linting after keystrokes', () => {
  it('finds what linting everything extracted again finds', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CORPUS), fc.array(edit, { minLength: 1, maxLength: 5 }), (start, edits) => {
        const typing = new Editor('/v/typing', 'incremental');
        const again = new Editor('/v/again', 'tree only');
        const fresh = new Editor('/v/fresh', 'fresh');
        let text = start;
        typing.lint(text);
        again.lint(text);
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(Math.min(at + e.remove, text.length));
          const found = typing.lint(text);
          expect(found).toEqual(again.lint(text));
          expect(found).toEqual(fresh.lint(text));
        }
      }),
      { numRuns: 400 },
    );
  });
});
