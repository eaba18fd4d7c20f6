import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeActionKind, CodeActionRequest, ExecuteCommandRequest, type CodeAction, type Diagnostic, type InitializeResult } from 'vscode-languageserver-protocol/node';
import { AcceptExistingCommand } from '../../../server/src/protocol';
import { eventually, TestClient } from './harness';

/**
 * The lock rules through the bundled language server: their quick fixes as an editor applies
 * them (the finding goes, nothing new appears), and "Accept Existing Migrations" as the command
 * the server advertises, after which the accepted revisions' lock findings are gone.
 */

const ADD_USER = 'alembic/versions/2025_02_03_1412-002_add_user_id_to_conversations.py';
const LOCK_RULES = ['index-without-concurrently', 'missing-lock-timeout', 'column-type-change'];
let client: TestClient;
let init: InitializeResult;

beforeAll(async () => {
  client = new TestClient({ capabilities: { workspace: { workspaceEdit: { documentChanges: true } } } });
  init = await client.start();
  await client.sqlReady();
});

afterAll(() => client?.stop());

const codes = (d: Diagnostic[] | undefined): string[] => (d ?? []).map((x) => String(x.code)).sort();

async function diagnosticWith(uri: string, code: string): Promise<Diagnostic> {
  return eventually(`a ${code} diagnostic`, () => client.diagnostics(uri)?.find((d) => d.code === code));
}

async function fixFor(uri: string, d: Diagnostic): Promise<CodeAction> {
  const actions = (await client.conn.sendRequest(CodeActionRequest.method, { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } })) as CodeAction[];
  const fix = actions.find((a) => a.kind === CodeActionKind.QuickFix && a.isPreferred);
  expect(fix, `a preferred quick fix for ${String(d.code)}`).toBeDefined();
  return fix!;
}

describe('lock rule quick fixes through the language server', () => {
  it('builds the index concurrently, then starts the function with a lock timeout', async () => {
    const uri = client.uri(ADD_USER);
    await client.open(uri);
    const before = codes(await eventually('the lock findings', () => (client.diagnostics(uri)?.some((d) => d.code === 'index-without-concurrently') ? client.diagnostics(uri) : undefined)));
    expect(before).toContain('missing-lock-timeout');

    await client.apply((await fixFor(uri, await diagnosticWith(uri, 'index-without-concurrently'))).edit!);
    await eventually('index-without-concurrently to go', () => (client.diagnostics(uri)?.some((d) => d.code === 'index-without-concurrently') ? undefined : true));
    expect(client.text(uri)).toContain('    with op.get_context().autocommit_block():\n        op.create_index(\n            "ix_kraken_conversations_user_id",');
    expect(client.text(uri)).toContain('postgresql_concurrently=True');

    await client.apply((await fixFor(uri, await diagnosticWith(uri, 'missing-lock-timeout'))).edit!);
    await eventually('missing-lock-timeout to go', () => (client.diagnostics(uri)?.some((d) => d.code === 'missing-lock-timeout') ? undefined : true));
    expect(client.text(uri)).toContain(`    """Upgrade schema."""\n    op.execute("SET lock_timeout = '5s'")\n    op.add_column(`);
    const after = codes(client.diagnostics(uri));
    expect(after.filter((c) => !before.includes(c))).toEqual([]);
  });
});

describe('Accept Existing Migrations', () => {
  it('is a command the server advertises', () => {
    expect(init.capabilities.executeCommandProvider?.commands).toContain(AcceptExistingCommand.command);
  });

  it('writes the heads as lock-rules-start-after, and the accepted revisions lose their lock findings', async () => {
    const timestamps = client.uri('alembic/versions/2025_04_07_1720-ab93e5d7c162_conversation_timestamps_with_time_zone.py');
    await client.open(timestamps);
    await diagnosticWith(timestamps, 'column-type-change');

    const result = (await client.conn.sendRequest(ExecuteCommandRequest.method, { command: AcceptExistingCommand.command, arguments: [] })) as AcceptExistingCommand.Result;
    expect(result.failed).toEqual([]);
    expect(result.accepted).toHaveLength(1);
    const { pyproject, heads } = result.accepted[0]!;
    expect(heads.length).toBeGreaterThan(0);
    expect(existsSync(pyproject)).toBe(true);
    expect(readFileSync(pyproject, 'utf8')).toContain(`lock-rules-start-after = ${heads.length === 1 ? JSON.stringify(heads[0]) : `[${heads.map((h) => JSON.stringify(h)).join(', ')}]`}`);
    await eventually('the accepted revision’s lock findings to go', () => (codes(client.diagnostics(timestamps)).some((c) => LOCK_RULES.includes(c)) ? undefined : true));
  });
});
