import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphRequest } from '../../../server/src/protocol';
import { eventually, TestClient } from './harness';

/**
 * The language server on a history long enough to be read in many slices at start-up and
 * linted in the background over many rounds: its graph must be `graph --json`'s, and once the
 * background lint is done, its diagnostics `lint`'s.
 */

const repo = path.resolve(__dirname, '../../..');
let client: TestClient;

beforeAll(async () => {
  const generator = (await import(pathToFileURL(path.join(repo, 'bench/history.mjs')).href)) as { ensureHistory(count: number): { dir: string } };
  client = new TestClient({ project: generator.ensureHistory(1200).dir, settings: () => ({}) });
  await client.start();
}, 180_000);

afterAll(() => client.stop());

function cli(...args: string[]): string {
  const r = spawnSync(process.execPath, [path.join(repo, 'dist/cli.js'), ...args], { cwd: client.work, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0 && r.status !== 1) throw new Error(r.stderr);
  return r.stdout;
}

describe('a 1,200-revision history', () => {
  it('has the graph `graph --json` prints', async () => {
    const served = (await client.conn.sendRequest(GraphRequest.method, {})) as GraphRequest.Result;
    const printed = JSON.parse(cli('graph', '--json', client.work)) as { heads: string[]; revisions: { id: string }[] };
    expect(served.environments).toHaveLength(1);
    const env = served.environments[0]!;
    expect([...env.heads].sort()).toEqual(printed.heads);
    expect(env.revisions.map((r) => r.id)).toEqual(printed.revisions.map((r) => r.id));
    expect(client.logs.filter((l) => /failed/i.test(l))).toEqual([]);
    expect(client.logs).toContainEqual(expect.stringMatching(/^Alembic Pilot read 1200 revision files of .* in \d+ ms\.$/));
  });

  it('publishes, once the history is linted in the background, what `lint` reports', async () => {
    await eventually('the background lint', () => (client.logs.some((l) => /up to date in the background/.test(l)) ? true : undefined), 170_000);
    const lint = JSON.parse(cli('lint', '--format', 'json', '.')) as { file: string; line: number; column: number; rule: string }[];
    const expected = lint.map((f) => `${f.file}:${f.line}:${f.column} ${f.rule}`).sort();
    const served = [...client.allDiagnostics()].flatMap(([uri, list]) =>
      list.map((d) => `${path.relative(client.work, new URL(uri).pathname)}:${d.range.start.line + 1}:${d.range.start.character + 1} ${String(d.code)}`),
    );
    expect(served.sort()).toEqual(expected);
  }, 180_000);
});
