import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tempDir';

/**
 * The throwaway cluster of test/helpers/postgres.ts is stopped and its folder removed when the
 * process that started it is ended by a signal (Ctrl+C, a CI runner's SIGTERM), which skips
 * Node's 'exit' event: before, each such run left a data folder of about 40 MB in the temp dir.
 * A child process starts a cluster through the real helper, bundled, and is sent the signal.
 */

const repo = path.resolve(__dirname, '../..');

function clusterFolders(): Set<string> {
  return new Set(readdirSync(os.tmpdir()).filter((name) => name.startsWith('alembic-pilot-pg-')));
}

async function refused(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.end();
    return false;
  } catch {
    return true;
  }
}

describe('a cluster started by the test harness', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('is stopped and removed when its process gets %s, which then ends the process', async (signal) => {
    const dir = tempDir('alembic-pilot-harness-');
    const bundle = path.join(dir, 'postgres.cjs');
    buildSync({ entryPoints: [path.join(repo, 'test/helpers/postgres.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'silent' });
    const script = path.join(dir, 'start.cjs');
    writeFileSync(script, `require(${JSON.stringify(bundle)}).startPostgres().then((h) => { console.log(h.url); setInterval(() => {}, 1000); });\n`);

    const before = clusterFolders();
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['TEST_DATABASE_URL'];
    const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      void exited.then(() => reject(new Error(`the child ended before its cluster started: ${stderr}`)));
    });
    const ours = [...clusterFolders()].filter((name) => !before.has(name));
    expect(ours).toHaveLength(1);
    expect(await refused(url), 'the cluster accepts connections while its process runs').toBe(false);

    child.kill(signal);
    const end = await exited;
    expect(end.signal, stderr).toBe(signal);
    expect(existsSync(path.join(os.tmpdir(), ours[0]!))).toBe(false);
    expect(await refused(url)).toBe(true);
  }, 180_000);
});
