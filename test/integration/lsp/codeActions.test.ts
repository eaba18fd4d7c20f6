import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeActionKind, CodeActionRequest, type CodeAction, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { eventually, TestClient } from './harness';

/**
 * The quick-fix round trip an editor makes: edit a file with ranged changes, receive the
 * diagnostic, ask for code actions, apply the returned workspace edit as a new change, and see
 * the finding go without a new one taking its place.
 */

const MERGE = 'alembic/versions/2025_03_04_0915-7d40e9b1f3a6_merge_feedback_and_turn_cost.py';
let client: TestClient;

beforeAll(async () => {
  client = new TestClient({ capabilities: { workspace: { workspaceEdit: { documentChanges: true, resourceOperations: ['create'] } } } });
  await client.start();
  await client.sqlReady();
});

afterAll(() => client?.stop());

const codes = (d: Diagnostic[] | undefined): string[] => (d ?? []).map((x) => String(x.code)).sort();

async function diagnosticWith(uri: string, code: string): Promise<Diagnostic> {
  return eventually(`a ${code} diagnostic`, () => client.diagnostics(uri)?.find((d) => d.code === code));
}

async function actionsFor(uri: string, d: Diagnostic): Promise<CodeAction[]> {
  const result = await client.conn.sendRequest(CodeActionRequest.method, { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
  return (result as CodeAction[]).filter((a) => a.kind === CodeActionKind.QuickFix);
}

/** Applies an action and waits until `code` is gone; returns the file's diagnostic codes then. */
async function applyAndSettle(uri: string, action: CodeAction, code: string): Promise<string[]> {
  await client.apply(action.edit!);
  await eventually(`${code} to go`, () => (client.diagnostics(uri) !== undefined && !client.diagnostics(uri)!.some((d) => d.code === code) ? true : undefined));
  return codes(client.diagnostics(uri));
}

describe('code actions', () => {
  it('fixes a stale docstring header with the rule fix, as a versioned edit', async () => {
    const uri = client.uri(MERGE);
    await client.open(uri);
    const before = codes(client.diagnostics(uri));
    await client.replace(uri, 'Revises: 5e1d9a0c7b24, c83f2b6e4a17', 'Revises: 5e1d9a0c7b24');
    const d = await diagnosticWith(uri, 'revision-header-mismatch');
    const actions = await actionsFor(uri, d);
    const fix = actions.find((a) => a.title === 'Make the docstring header match the code')!;
    expect(fix.isPreferred).toBe(true);
    expect(fix.diagnostics).toEqual([d]);
    expect(fix.edit!.documentChanges![0]).toMatchObject({ textDocument: { uri, version: client.version(uri) } });
    // The finding sits inside the docstring, where a comment cannot go.
    expect(actions.some((a) => a.title.startsWith('Disable'))).toBe(false);
    expect(await applyAndSettle(uri, fix, 'revision-header-mismatch')).toEqual(before);
    expect(client.text(uri)).toContain('Revises: 5e1d9a0c7b24, c83f2b6e4a17');
  });

  it('disables a rule for one line with a suppression comment', async () => {
    const uri = client.uri(MERGE);
    const before = codes(client.diagnostics(uri));
    await client.replace(uri, "'c83f2b6e4a17')", "'c83f2b6e4a18')");
    const d = await diagnosticWith(uri, 'unknown-down-revision');
    const disable = (await actionsFor(uri, d)).find((a) => a.title === 'Disable unknown-down-revision for this line')!;
    expect(disable.isPreferred).toBeUndefined();
    expect(await applyAndSettle(uri, disable, 'unknown-down-revision')).toEqual(before);
    const line = client.text(uri).split('\n')[d.range.start.line]!;
    expect(line).toMatch(/'c83f2b6e4a18'\)  # alembic-pilot: ignore\[unknown-down-revision\]$/);
  });

  it('makes SQL DDL idempotent with the SQL rule fix once the SQL parser is loaded', async () => {
    const uri = client.uri('alembic/versions/2025_03_10_1100-9b2c41e7d05f_create_analytics_schema.py');
    await client.open(uri);
    await eventually('the published diagnostics', () => client.diagnostics(uri));
    const before = codes(client.diagnostics(uri));
    await client.replace(uri, 'def upgrade() -> None:\n', 'def upgrade() -> None:\n    op.execute("CREATE TABLE analytics.audit_log (id int)")\n');
    const d = await eventually('the new non-idempotent-ddl diagnostic', () => client.diagnostics(uri)?.find((x) => x.code === 'non-idempotent-ddl' && String(x.message).includes('audit_log')));
    const fix = (await actionsFor(uri, d)).find((a) => a.isPreferred)!;
    await client.apply(fix.edit!);
    await eventually('the finding to go', () => (client.diagnostics(uri)?.some((x) => String(x.message).includes('audit_log')) ? undefined : true));
    expect(client.text(uri)).toContain('CREATE TABLE IF NOT EXISTS analytics.audit_log');
    expect(codes(client.diagnostics(uri))).toEqual(before);
  });

  it('wraps a CREATE TYPE, which has no IF NOT EXISTS, in a DO block', async () => {
    const uri = client.uri('alembic/versions/2025_03_10_1100-9b2c41e7d05f_create_analytics_schema.py');
    await client.open(uri);
    await eventually('the published diagnostics', () => client.diagnostics(uri));
    const before = codes(client.diagnostics(uri));
    await client.replace(uri, 'def upgrade() -> None:\n', 'def upgrade() -> None:\n    op.execute("CREATE TYPE analytics.mood AS ENUM (\'calm\')")\n');
    const d = await eventually('the CREATE TYPE diagnostic', () => client.diagnostics(uri)?.find((x) => x.code === 'non-idempotent-ddl' && String(x.message).includes('analytics.mood')));
    const fix = (await actionsFor(uri, d)).find((a) => a.title === 'Wrap in a DO block that ignores duplicate_object')!;
    expect(fix.isPreferred).toBe(true);
    await client.apply(fix.edit!);
    await eventually('the finding to go', () => (client.diagnostics(uri)?.some((x) => String(x.message).includes('analytics.mood')) ? undefined : true));
    expect(client.text(uri)).toContain(`op.execute("DO $$ BEGIN CREATE TYPE analytics.mood AS ENUM ('calm'); EXCEPTION WHEN duplicate_object THEN NULL; END $$")`);
    expect(codes(client.diagnostics(uri))).toEqual(before);
  });

  it('answers only for quick fixes when the client asks for another kind', async () => {
    const uri = client.uri(MERGE);
    const result = await client.conn.sendRequest(CodeActionRequest.method, {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 40, character: 0 } },
      context: { diagnostics: [], only: [CodeActionKind.Refactor] },
    });
    expect(result).toEqual([]);
  });
});
