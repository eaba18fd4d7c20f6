import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from 'vscode-languageserver-protocol/node';
import { GraphRequest, type GraphEnvironment } from '../../server/src/protocol';
import {
  brokenLongLine,
  chainedAssignment,
  cyclicChain,
  hugeMigration,
  hugeSqlString,
  missingVersionLocation,
  symlinkLoop,
  type PathologicalProject,
} from '../helpers/pathological';
import { cpuMsOf, runMeasured } from '../helpers/cpuTime';
import { eventually, TestClient } from './lsp/harness';

/**
 * Pathological inputs, through the bundled CLI (graph, lint) and the bundled language server:
 * each gets a clear finding or message within 10 s, and nothing hangs.
 *
 * The 10 s bound is on the CPU time the CLI or the server spends (all threads), which the rest
 * of a shared machine does not change; a hang is caught by a wall-clock limit of a minute. Both
 * times are printed for docs/RELIABILITY.md.
 */

const LIMIT_MS = 10_000;
const HANG_MS = 60_000;
const CLI = path.resolve(__dirname, '../../dist/cli.js');

let huge: ReturnType<typeof hugeMigration>;
let sql: ReturnType<typeof hugeSqlString>;
let cycle: PathologicalProject;
let loop: PathologicalProject;
let missing: PathologicalProject;
let broken: PathologicalProject;
let chained: ReturnType<typeof chainedAssignment>;

beforeAll(() => {
  huge = hugeMigration();
  sql = hugeSqlString();
  cycle = cyclicChain();
  loop = symlinkLoop();
  missing = missingVersionLocation();
  broken = brokenLongLine();
  chained = chainedAssignment();
});

afterAll(() => {
  for (const p of [huge, sql, cycle, loop, missing, broken, chained]) if (p) rmSync(p.root, { recursive: true, force: true });
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** CPU time, all threads. */
  ms: number;
}

/** Runs the CLI on a project; a run still going after HANG_MS is killed and fails the test. */
async function cli(project: PathologicalProject, ...args: string[]): Promise<CliRun> {
  const result = await runMeasured(process.execPath, [CLI, ...args, '.'], { cwd: project.root, timeoutMs: HANG_MS });
  console.log(
    `${project.name}: alembic-pilot ${args.join(' ')} exited ${String(result.code)} after ${Math.round(result.cpuMs)} ms of CPU (${Math.round(result.wallMs)} ms wall)`,
  );
  expect(result.code, `alembic-pilot ${args.join(' ')} was killed after ${HANG_MS} ms`).not.toBeNull();
  return { code: result.code, stdout: result.stdout, stderr: result.stderr, ms: result.cpuMs };
}

describe('pathological inputs through the CLI', () => {
  it('a 50,000-line migration', async () => {
    const graph = await cli(huge, 'graph');
    expect([graph.code, graph.stdout.trim()]).toEqual([0, '<base> -> a1 (head), a1']);
    const lint = await cli(huge, 'lint');
    expect(lint.code).toBe(1);
    expect(lint.stdout).toMatch(new RegExp(`a1_huge\\.py:${huge.downgradeLine + 1}:5: warning\\[missing-downgrade\\] downgrade\\(\\) does nothing`));
    expect(Math.max(graph.ms, lint.ms)).toBeLessThan(LIMIT_MS);
  });

  it('a 5 MB single-line SQL string', async () => {
    const lint = await cli(sql, 'lint');
    expect(lint.code).toBe(1);
    expect(lint.stdout).toContain(`a1_sql.py:${sql.line + 1}:${sql.errorColumn + 1}: error[sql-syntax] PostgreSQL rejects this SQL (syntax error at end of input)`);
    expect(lint.ms).toBeLessThan(LIMIT_MS);
  });

  it('a 160,000-character line that does not parse', async () => {
    const lint = await cli(broken, 'lint');
    expect(lint.code).toBe(1);
    // The parser's budget of reads of the text ends lezer's error recovery.
    expect(lint.stdout).toMatch(/a1_broken\.py:1:1: error\[python-syntax\] Alembic Pilot cannot read this file: its parser gave up on a very long line that does not parse/);
    expect(lint.ms).toBeLessThan(LIMIT_MS);
  });

  it('a chained assignment of 10,000 names to a 6,000-piece string', async () => {
    const graph = await cli(chained, 'graph');
    expect([graph.code, graph.stdout.trim()]).toEqual([0, '<base> -> a1 (head), a1']);
    const lint = await cli(chained, 'lint');
    expect(lint.code).toBe(1);
    expect(lint.stdout).toMatch(new RegExp(`a1_chained\\.py:${chained.downgradeLine + 1}:5: warning\\[missing-downgrade\\]`));
    expect(Math.max(graph.ms, lint.ms)).toBeLessThan(LIMIT_MS);
  });

  it('a 10,000-long chain with a cycle', async () => {
    const graph = await cli(cycle, 'graph');
    expect(graph.code).toBe(1);
    expect(graph.stderr).toContain('error[revision-cycle] Cycle is detected in revisions (r00000, r00001,');
    expect(graph.stderr).toContain('and 9980 more); Alembic refuses to load this history.');
    const lint = await cli(cycle, 'lint');
    expect(lint.code).toBe(1);
    expect(lint.stdout.split('\n').filter((l) => l.includes('error[revision-cycle]'))).toHaveLength(10_000);
    expect(Math.max(graph.ms, lint.ms)).toBeLessThan(LIMIT_MS);
  });

  it('a symlink loop under a version location, walked recursively', async () => {
    const graph = await cli(loop, 'graph');
    expect(graph.stdout).toContain('a1 -> b2 (head)');
    const lint = await cli(loop, 'lint');
    expect(lint.code).toBe(1);
    expect(lint.stdout).toMatch(/c3_loop\.py:1:1: error\[python-syntax\] Cannot read the file: ELOOP/);
    expect(Math.max(graph.ms, lint.ms)).toBeLessThan(LIMIT_MS);
  });

  it('a version location that does not exist', async () => {
    const graph = await cli(missing, 'graph');
    // Alembic skips it silently; a CI gate should not, so graph and lint exit 1 with the warning.
    expect(graph.code).toBe(1);
    expect(graph.stderr).toMatch(/warning: .*alembic\.ini:4: The version location .*nowhere does not exist; Alembic skips it without a warning/);
    expect(graph.stdout.trim()).toBe('<base> -> a1 (head), a1');
    const lint = await cli(missing, 'lint');
    expect(lint.code).toBe(1);
    expect(lint.stderr).toMatch(/The version location .*nowhere does not exist/);
    expect(Math.max(graph.ms, lint.ms)).toBeLessThan(LIMIT_MS);
  });
});

describe('pathological inputs through the language server', () => {
  const clients: TestClient[] = [];
  afterAll(() => {
    for (const c of clients) c.stop();
  });

  interface Served {
    client: TestClient;
    /** Wall clock and the server's CPU time when `initialize` was sent. */
    started: number;
    cpuAtStart: number;
  }

  /** Starts a server on a copy of the project; the clocks start at `initialize`. */
  async function serve(project: PathologicalProject, sqlRules = false): Promise<Served> {
    const client = new TestClient({ project: project.root });
    clients.push(client);
    const cpuAtStart = cpuMsOf(client.pid);
    const started = performance.now();
    await client.start();
    if (sqlRules) await client.sqlReady();
    return { client, started, cpuAtStart };
  }

  /** Waits for a diagnostic with `code` on `file`; the server must have spent under 10 s of CPU on it. */
  async function finding(project: PathologicalProject, served: Served, file: string, code: string, message?: RegExp): Promise<Diagnostic> {
    const { client, started, cpuAtStart } = served;
    const uri = client.uri(file);
    const found = await eventually(
      `${code} on ${file}`,
      () => client.diagnostics(uri)?.find((d) => d.code === code && (!message || message.test(String(d.message)))),
      HANG_MS,
    );
    const cpu = cpuMsOf(client.pid) - cpuAtStart;
    console.log(`${project.name}: the language server published ${code} after ${Math.round(cpu)} ms of CPU (${Math.round(performance.now() - started)} ms wall) from initialize`);
    expect(cpu).toBeLessThan(LIMIT_MS);
    expect(client.alive).toBe(true);
    expect(client.logs.filter((l) => l.includes('Alembic Pilot failed while'))).toEqual([]);
    return found;
  }

  async function graphOf(client: TestClient): Promise<GraphEnvironment> {
    const result: GraphRequest.Result = await client.conn.sendRequest(GraphRequest.method, {});
    expect(result.environments).toHaveLength(1);
    return result.environments[0]!;
  }

  it('a 50,000-line migration, opened', async () => {
    const served = await serve(huge);
    await served.client.open(served.client.uri(huge.file!));
    const d = await finding(huge, served, huge.file!, 'missing-downgrade');
    expect(d.range.start.line).toBe(huge.downgradeLine);
  });

  it('a 5 MB single-line SQL string, opened', async () => {
    const served = await serve(sql, true);
    await served.client.open(served.client.uri(sql.file!));
    const d = await finding(sql, served, sql.file!, 'sql-syntax');
    expect(d.range.start).toEqual({ line: sql.line, character: sql.errorColumn });
  });

  it('a 160,000-character line that does not parse, opened', async () => {
    const served = await serve(broken);
    await served.client.open(served.client.uri(broken.file!));
    await finding(broken, served, broken.file!, 'python-syntax', /its parser gave up on a very long line/);
  });

  it('a chained assignment of 10,000 names to a 6,000-piece string, opened', async () => {
    const served = await serve(chained);
    await served.client.open(served.client.uri(chained.file!));
    await finding(chained, served, chained.file!, 'missing-downgrade', /downgrade\(\) does nothing/);
  });

  it('a 10,000-long chain with a cycle', async () => {
    const served = await serve(cycle);
    await finding(cycle, served, cycle.file!, 'revision-cycle', /and 9980 more/);
    expect((await graphOf(served.client)).problemCount).toBe(10_000);
  });

  it('a symlink loop under a version location', async () => {
    const served = await serve(loop);
    await finding(loop, served, 'alembic/versions/c3_loop.py', 'python-syntax', /ELOOP/);
    expect((await graphOf(served.client)).heads).toEqual(['b2']);
  });

  it('a version location that does not exist', async () => {
    const { client, started, cpuAtStart } = await serve(missing);
    const env = await graphOf(client);
    const cpu = cpuMsOf(client.pid) - cpuAtStart;
    console.log(`${missing.name}: the language server answered alembicPilot/graph after ${Math.round(cpu)} ms of CPU (${Math.round(performance.now() - started)} ms wall) from initialize`);
    expect([env.heads, env.revisions.map((r) => r.id)]).toEqual([['a1'], ['a1']]);
    expect(cpu).toBeLessThan(LIMIT_MS);
    expect(client.alive).toBe(true);
  });
});
