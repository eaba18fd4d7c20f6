import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from 'vscode-languageserver-protocol/node';
import { eventually, positionAt, TestClient } from './harness';

/**
 * A keystroke re-parses only around the edit and re-lints from what the last keystroke left
 * (statements, SQL analyses, the graph). After any run of keystrokes the diagnostics must be
 * the ones a server that opens the resulting text fresh publishes.
 */

const FILE = 'alembic/versions/2025_02_21_1630-c83f2b6e4a17_widen_turn_cost_add_reasoning_tokens.py';
let typing: TestClient;
let fresh: TestClient;

beforeAll(async () => {
  typing = new TestClient();
  fresh = new TestClient();
  await Promise.all([typing.start(), fresh.start()]);
  await Promise.all([typing.sqlReady(), fresh.sqlReady()]);
});

afterAll(() => {
  typing?.stop();
  fresh?.stop();
});

/** Diagnostics in a stable order, so that two servers' lists compare as equal. */
function sorted(list: Diagnostic[] | undefined): Diagnostic[] {
  const key = (d: Diagnostic): string => `${d.range.start.line}:${d.range.start.character}:${String(d.code)}:${d.message}`;
  return [...(list ?? [])].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Types `text` one character at a time at `offset` of the open document. */
async function type(uri: string, offset: number, text: string): Promise<void> {
  for (let i = 0; i < text.length; i++) {
    const at = positionAt(typing.text(uri), offset + i);
    await typing.change(uri, [{ range: { start: at, end: at }, newText: text[i]! }]);
  }
}

/** Deletes `length` characters at `offset`, one keystroke each. */
async function erase(uri: string, offset: number, length: number): Promise<void> {
  for (let i = 0; i < length; i++) {
    const text = typing.text(uri);
    await typing.change(uri, [{ range: { start: positionAt(text, offset), end: positionAt(text, offset + 1) }, newText: '' }]);
  }
}

describe('keystrokes', () => {
  it('end with the diagnostics of the same text opened fresh', async () => {
    const uri = typing.uri(FILE);
    await typing.open(uri);
    const upgradeCall = () => typing.text(uri).indexOf('    op.alter_column(\n        "kraken_conversations"');
    const added = [
      '    op.create_table("extra", sa.Column("id", sa.Integer()))',
      '    op.execute("CREATE INDEX ix_extra ON extra (id)")',
      // Statements no keystroke touches, whose findings point into their SQL after lines move.
      '    op.execute("CREATE TABLE audit (id int)")',
      '    op.execute("CREATE INDEX CONCURRENTLY ix_turns ON kraken_turns (id)")',
      '',
    ].join('\n');
    await typing.change(uri, [{ range: { start: positionAt(typing.text(uri), upgradeCall()), end: positionAt(typing.text(uri), upgradeCall()) }, newText: added }]);
    await type(uri, typing.text(uri).indexOf('ix_extra') + 'ix_extra'.length, '_id');
    await type(uri, typing.text(uri).indexOf('"extra", sa.Column') + '"extra'.length, 's');
    // A line break above every statement moves them all, then goes again.
    const body = typing.text(uri).indexOf('    """Upgrade schema."""');
    await type(uri, body, '\n\n');
    await erase(uri, body, 1);
    await type(uri, typing.text(uri).indexOf('def downgrade'), '# moved\n');
    await erase(uri, typing.text(uri).indexOf('"extras"') + '"extra'.length, 1);
    // The last keystroke breaks the SQL, so its diagnostic says the server has caught up.
    await type(uri, typing.text(uri).indexOf('CREATE INDEX') + 'CREATE'.length, 'X');
    const hasSyntaxError = (list: Diagnostic[] | undefined): true | undefined => (list?.some((d) => d.code === 'sql-syntax') ? true : undefined);
    await eventually('the SQL syntax error while typing', () => hasSyntaxError(typing.diagnostics(uri)));

    const freshUri = fresh.uri(FILE);
    await fresh.open(freshUri, typing.text(uri));
    await eventually('the SQL syntax error when opened', () => hasSyntaxError(fresh.diagnostics(freshUri)));
    const typed = sorted(typing.diagnostics(uri));
    expect(typed.map((d) => d.code)).toEqual(expect.arrayContaining(['concurrently-in-transaction', 'incomplete-downgrade', 'non-idempotent-ddl', 'sql-syntax']));
    expect(typed).toEqual(sorted(fresh.diagnostics(freshUri)));
  });
});
