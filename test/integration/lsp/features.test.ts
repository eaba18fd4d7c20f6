import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CodeLensRequest,
  CompletionRequest,
  DefinitionRequest,
  DocumentSymbolRequest,
  HoverRequest,
  ReferencesRequest,
  type CodeLens,
  type CompletionItem,
  type DocumentSymbol,
  type Hover,
  type Location,
  type MarkupContent,
} from 'vscode-languageserver-protocol/node';
import { GraphRequest, RevisionCommands } from '../../../server/src/protocol';
import { eventually, positionAt, TestClient } from './harness';

/**
 * Hover, navigation, completion, outline and CodeLens on a copy of migrations-sample, through
 * the real server. The client declares the revision commands, so CodeLenses are shown.
 */

const EXPOSE = 'alembic/versions/2025_03_25_0840-41f7c2d9e8b3_expose_tool_calls_to_analytics.py';
const MERGE = 'alembic/versions/2025_03_04_0915-7d40e9b1f3a6_merge_feedback_and_turn_cost.py';
const DAILY = 'alembic/versions/2025_03_18_1545-e6a3f8c1b920_add_analytics_daily_usage.py';
let client: TestClient;
let uri: string;

beforeAll(async () => {
  client = new TestClient({ capabilities: { experimental: { alembicPilot: { commands: [RevisionCommands.upgradeTo, RevisionCommands.downgradeTo] } } } });
  await client.start();
  uri = client.uri(EXPOSE);
  await client.open(uri);
  await eventually('the environment', async () => ((await client.conn.sendRequest(GraphRequest.method, {})) as GraphRequest.Result).environments[0]);
});

afterAll(() => client?.stop());

/** The position inside the n-th occurrence of `needle` in the open document (plus `shift` characters). */
function at(needle: string, shift = 1, nth = 0): { line: number; character: number } {
  const text = client.text(uri);
  let offset = -1;
  for (let i = 0; i <= nth; i++) offset = text.indexOf(needle, offset + 1);
  if (offset < 0) throw new Error(`${needle} not found`);
  return positionAt(text, offset + shift);
}

const request = <T>(method: string, params: object): Promise<T> => client.conn.sendRequest(method, { textDocument: { uri }, ...params }) as Promise<T>;

describe('hover', () => {
  it('describes the parent a down_revision names', async () => {
    const hover = await request<Hover>(HoverRequest.method, { position: at('"7d40e9b1f3a6"') });
    const text = (hover.contents as MarkupContent).value;
    expect(text).toContain('**merge feedback and turn cost**');
    expect(text).toContain('Created: 2025-03-04 09:15:12.530671');
    expect(text).toContain('Parents: `5e1d9a0c7b24` create kraken\\_feedback, `c83f2b6e4a17` widen turn cost, add reasoning tokens');
    expect(text).toContain('Children: `41f7c2d9e8b3` expose tool calls to analytics');
    expect(text).toContain('2025_03_04_0915-7d40e9b1f3a6_merge_feedback_and_turn_cost.py');
  });

  it('shows branch labels and dependents of a depends_on target', async () => {
    const text = ((await request<Hover>(HoverRequest.method, { position: at('"9b2c41e7d05f"') })).contents as MarkupContent).value;
    expect(text).toContain('Branch labels: `analytics`');
    expect(text).toContain('Children: `e6a3f8c1b920`');
    expect(text).toContain('Depended on by: `41f7c2d9e8b3`');
  });

  it('works on the docstring header and says nothing elsewhere', async () => {
    const header = await request<Hover>(HoverRequest.method, { position: at('Revises: 7d40e9b1f3a6', 'Revises: '.length + 2) });
    expect((header.contents as MarkupContent).value).toContain('merge feedback and turn cost');
    expect(await request<Hover | null>(HoverRequest.method, { position: at('def upgrade') })).toBeNull();
  });
});

describe('navigation', () => {
  it('goes from down_revision and Revises: to the revision assignment', async () => {
    const mergeLine = readFileSync(client.file(MERGE), 'utf8').split('\n').findIndex((l) => l.startsWith('revision'));
    for (const position of [at('"7d40e9b1f3a6"'), at('Revises: 7d40e9b1f3a6', 'Revises: '.length)]) {
      const loc = await request<Location>(DefinitionRequest.method, { position });
      expect(loc.uri).toBe(client.uri(MERGE));
      expect(loc.range.start.line).toBe(mergeLine);
    }
  });

  it('has no definition for the file’s own revision id', async () => {
    expect(await request<Location | null>(DefinitionRequest.method, { position: at('"41f7c2d9e8b3"') })).toBeNull();
  });

  it('finds the children and dependents of a revision as references', async () => {
    const refs = await request<Location[]>(ReferencesRequest.method, { position: at('"9b2c41e7d05f"'), context: { includeDeclaration: false } });
    expect(refs.map((r) => r.uri).sort()).toEqual([client.uri(DAILY), client.uri(EXPOSE)].sort());
    const withDecl = await request<Location[]>(ReferencesRequest.method, { position: at('"41f7c2d9e8b3"'), context: { includeDeclaration: true } });
    expect(withDecl.map((r) => r.uri)).toEqual([client.uri(EXPOSE), client.uri('alembic/versions/2025_04_07_1720-ab93e5d7c162_conversation_timestamps_with_time_zone.py')]);
  });
});

describe('completion', () => {
  it('offers revision ids in a half-typed down_revision, heads first, with messages', async () => {
    await client.replace(uri, '= "7d40e9b1f3a6"', '= "');
    try {
      const position = at('down_revision', 0);
      const line = client.text(uri).split('\n')[position.line]!;
      const items = await request<CompletionItem[]>(CompletionRequest.method, { position: { line: position.line, character: line.length } });
      // While the parent is being typed, this file hangs off nothing, so its old parent is a head too.
      const heads = ((await client.conn.sendRequest(GraphRequest.method, {})) as GraphRequest.Result).environments[0]!.heads.filter((h) => h !== '41f7c2d9e8b3');
      const sorted = [...items].sort((a, b) => (a.sortText! < b.sortText! ? -1 : 1));
      expect(sorted.slice(0, heads.length).map((i) => i.label).sort()).toEqual([...heads].sort());
      expect(sorted.slice(0, heads.length).every((i) => i.labelDetails?.description === 'head')).toBe(true);
      expect(items.map((i) => i.label)).not.toContain('41f7c2d9e8b3');
      expect(items).toHaveLength(8);
      expect(items.find((i) => i.label === '7d40e9b1f3a6')!.detail).toBe('merge feedback and turn cost');
    } finally {
      await client.replace(uri, '= "\n', '= "7d40e9b1f3a6"\n');
    }
  });

  it('offers branch labels in depends_on, and nothing outside the revision strings', async () => {
    const items = await request<CompletionItem[]>(CompletionRequest.method, { position: at('"9b2c41e7d05f"') });
    expect(items.map((i) => i.label)).toContain('analytics');
    expect(await request<CompletionItem[] | null>(CompletionRequest.method, { position: at('def upgrade', 4) })).toBeNull();
  });
});

describe('outline and CodeLens', () => {
  it('lists the revision and its migration functions', async () => {
    const symbols = await request<DocumentSymbol[]>(DocumentSymbolRequest.method, {});
    expect(symbols.map((s) => s.name)).toEqual(['revision 41f7c2d9e8b3', 'down_revision', 'branch_labels', 'depends_on', 'upgrade()', 'downgrade()']);
    expect(symbols.find((s) => s.name === 'down_revision')!.detail).toBe('7d40e9b1f3a6');
  });

  it('puts the declared commands above upgrade() and downgrade()', async () => {
    const lenses = await request<CodeLens[]>(CodeLensRequest.method, {});
    expect(lenses.map((l) => [l.range.start.line, l.command!.command, l.command!.arguments])).toEqual([
      [at('def upgrade').line, RevisionCommands.upgradeTo, ['41f7c2d9e8b3', client.file('alembic.ini')]],
      [at('def downgrade').line, RevisionCommands.downgradeTo, ['41f7c2d9e8b3', client.file('alembic.ini')]],
    ]);
  });
});
