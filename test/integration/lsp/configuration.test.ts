import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticSeverity, DidChangeConfigurationNotification } from 'vscode-languageserver-protocol/node';
import { eventually, TestClient } from './harness';

/**
 * The editor's `alembicPilot.*` settings, answered by the test client over
 * `workspace/configuration`, layered over `[tool.alembic-pilot]` key by key, and read again
 * on `workspace/didChangeConfiguration`.
 */

const ADD_USER = 'alembic/versions/2025_02_03_1412-002_add_user_id_to_conversations.py';
const EXPOSE = 'alembic/versions/2025_03_25_0840-41f7c2d9e8b3_expose_tool_calls_to_analytics.py';
let client: TestClient;
let rules: Record<string, string> = { 'non-idempotent-op': 'off', 'not-a-rule': 'error' };
const scopes: (string | undefined)[] = [];

beforeAll(async () => {
  client = new TestClient({
    settings: (scopeUri) => {
      scopes.push(scopeUri);
      return { rules, alembicVersion: '', postgresVersion: null };
    },
  });
  const pyproject = client.file('pyproject.toml');
  // The sample's own [tool.alembic-pilot] (idempotency = "everywhere") gets rules of its own.
  const text = readFileSync(pyproject, 'utf8');
  if (!text.includes('[tool.alembic-pilot]\n')) throw new Error('the sample has no [tool.alembic-pilot] table to extend');
  writeFileSync(pyproject, text.replace('[tool.alembic-pilot]\n', '[tool.alembic-pilot]\nrules = { "non-idempotent-op" = "warning", "non-idempotent-ddl" = "error" }\n'));
  await client.start();
  await client.sqlReady();
});

afterAll(() => client?.stop());

describe('editor settings', () => {
  it('are asked for per environment, scoped to its config file', async () => {
    await eventually('a configuration request', () => (scopes.length > 0 ? true : undefined));
    expect(scopes[0]).toBe(client.uri('alembic.ini'));
  });

  it('override pyproject.toml for the rules they name and leave the others to it', async () => {
    const ddl = await eventually('the non-idempotent-ddl diagnostic', () => client.diagnostics(client.uri(EXPOSE))?.find((d) => d.code === 'non-idempotent-ddl'));
    expect(ddl.severity).toBe(DiagnosticSeverity.Error);
    // The editor switched non-idempotent-op off over the project's "warning"; the lock rules still report there.
    expect((client.diagnostics(client.uri(ADD_USER)) ?? []).filter((d) => d.code === 'non-idempotent-op')).toEqual([]);
  });

  it('report a bad setting in the log and ignore it', async () => {
    await eventually('the log line', () => client.logs.find((l) => l.includes("alembicPilot.rules") && l.includes("'not-a-rule' is not a rule id")));
  });

  it('are read again when the configuration changes', async () => {
    rules = { 'non-idempotent-op': 'hint' };
    await client.conn.sendNotification(DidChangeConfigurationNotification.method, { settings: null });
    const op = await eventually('the non-idempotent-op hint', () => client.diagnostics(client.uri(ADD_USER))?.find((d) => d.code === 'non-idempotent-op'));
    expect(op.severity).toBe(DiagnosticSeverity.Hint);
  });
});
