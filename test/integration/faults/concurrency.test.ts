import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import type { AlembicCommand } from '../../../server/src/runner/command';
import { AlembicRunner } from '../../../server/src/runner/runner';
import { createDatabase, withClient } from '../../helpers/postgres';
import { runChecked } from '../../helpers/run';
import { eventually } from '../lsp/harness';
import { countingCommand, database, faultArea, labProject, startLab, type Lab, type LabProject } from './lab';

/**
 * Concurrency: two upgrade requests at once on one environment start exactly one Alembic
 * process; two windows (two processes) on one database: the second is refused by the runner's
 * advisory lock, and both read the true state afterwards.
 */

const python = inject('alembicPython');
const command: AlembicCommand = { argv: [python, '-m', 'alembic'], source: 'interpreter', description: 'the test venv' };

let lab: Lab;
let project: LabProject;
let bundle: string;
let counter = 0;

beforeAll(async () => {
  lab = await startLab();
  project = labProject();
  // A revision that holds its run for a few seconds, so that the two requests overlap.
  project.add('r4', 'r3', 'op.create_table("slowly", sa.Column("id", sa.Integer(), primary_key=True))\nop.execute("SELECT pg_sleep(4)")', 'op.drop_table("slowly")');
  bundle = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-window-'));
  await esbuild.build({ entryPoints: [path.join(__dirname, 'window.ts')], outfile: path.join(bundle, 'window.js'), bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
}, 240_000);

afterAll(async () => {
  if (bundle) rmSync(bundle, { recursive: true, force: true });
  project?.remove();
  await lab?.stop();
});

const scenario = faultArea('concurrency', () => lab.url, async () => undefined);

async function freshDatabase(): Promise<string> {
  return createDatabase(lab.url, `cc_${counter++}`);
}

const rows = (url: string): Promise<string[]> => withClient(url, async (c) => (await c.query<{ v: string }>('SELECT version_num AS v FROM alembic_version ORDER BY 1')).rows.map((r) => r.v));

/** `alembic current` as Alembic itself answers it, the truth both windows must show. */
async function alembicCurrent(url: string): Promise<string[]> {
  const env = { ...process.env, DATABASE_URL: url };
  const out = await runChecked(python, ['-m', 'alembic', '-c', project.ini, 'current'], { cwd: project.dir, env, timeoutMs: 60_000 });
  return out.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter(Boolean).sort();
}

interface WindowResult {
  ok: boolean;
  errorKind: string | null;
  message: string;
}

class Window {
  private readonly child: ChildProcess;
  private readonly lines: Interface;
  private readonly received: unknown[] = [];

  constructor(url: string) {
    const job = { request: { env: project.env(), operation: { kind: 'upgrade', target: 'heads' }, command, database: database(url) }, table: { table: 'alembic_version', source: 'default' } };
    this.child = spawn(process.execPath, [path.join(bundle, 'window.js'), JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout! });
    this.lines.on('line', (l) => this.received.push(JSON.parse(l)));
  }

  result(): Promise<WindowResult> {
    return eventually('the window’s run to finish', () => (this.received.find((m) => typeof m === 'object' && m !== null && 'result' in m) as { result: WindowResult } | undefined)?.result, 120_000);
  }

  /** Asks the window to read the state again, as its Refresh does. */
  async refresh(): Promise<string[]> {
    const before = this.received.length;
    this.child.stdin!.write('refresh\n');
    const message = await eventually('the window’s refresh', () => (this.received.length > before ? this.received[this.received.length - 1] : undefined), 30_000);
    return (message as { state: string[] }).state;
  }

  async close(): Promise<void> {
    this.child.stdin!.end();
    if (this.child.exitCode === null) await new Promise((resolve) => this.child.once('exit', resolve));
  }
}

async function lockHolders(url: string): Promise<number> {
  return withClient(url, async (c) => (await c.query(`SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()`)).rows[0].n as number);
}

describe('concurrency', () => {
  scenario('two upgrade requests at once on one environment: exactly one Alembic process runs, the other request is refused', async () => {
    const url = await freshDatabase();
    const counting = countingCommand(python, project.dir);
    const before = counting.starts();
    const runner = new AlembicRunner();
    const request = { env: project.env(), operation: { kind: 'upgrade', target: 'heads' } as const, command: counting.command, database: database(url), expectedCurrent: ['r4'] };
    const [first, second] = await Promise.all([runner.run(request), runner.run(request)]);
    expect(counting.starts() - before).toBe(1);
    expect([first.ok, second.ok]).toEqual([true, false]);
    expect(second.errorKind).toBe('busy');
    expect(second.message).toMatch(/^An Alembic operation is already running for .*alembic\.ini; wait for it to finish or cancel it\.$/);
    expect(await rows(url)).toEqual(['r4']);
  });

  scenario('two windows on one database: the second is refused by the advisory lock, and both show the true state afterwards', async () => {
    const url = await freshDatabase();
    const first = new Window(url);
    let second: Window | undefined;
    try {
      // The second starts once the first holds the lock (its run sleeps for a few seconds).
      await eventually('the first window to hold the run lock', async () => ((await lockHolders(url)) > 0 ? true : undefined), 60_000);
      second = new Window(url);
      const refused = await second.result();
      expect(refused.errorKind).toBe('locked');
      expect(refused.message).toMatch(/^Another Alembic Pilot \(.*\) is running an operation on postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/cc_\d+ right now/);
      const ran = await first.result();
      expect(ran.ok, ran.message).toBe(true);
      const truth = await alembicCurrent(url);
      expect(truth).toEqual(['r4']);
      expect([await first.refresh(), await second.refresh()]).toEqual([truth, truth]);
      expect(await lockHolders(url)).toBe(0);
    } finally {
      await Promise.all([first.close(), second?.close()]);
    }
  }, 240_000);
});
