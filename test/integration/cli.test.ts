import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SETTLE_MS } from '../../server/src/cli/stamp';

/**
 * The bundled CLI (dist/cli.js, built by `npm test` before vitest runs) as a CI job runs it:
 * a separate process, its stdout, stderr and exit code.
 */

const repo = path.resolve(__dirname, '../..');
const sample = path.join(repo, 'migrations-sample');
let work: string;

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repo, 'dist/cli.js'), ...args], { cwd: work, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function revisionFile(dir: string, name: string, body: string): void {
  writeFileSync(path.join(dir, name), body);
}

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-cli-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('graph on migrations-sample', () => {
  it('prints the whole graph as JSON', () => {
    const r = cli('graph', '--json', sample);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const g = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(g).toMatchObject({
      config: path.join(sample, 'alembic.ini'),
      heads: ['ab93e5d7c162', 'e6a3f8c1b920'],
      bases: ['001', '9b2c41e7d05f'],
      realHeads: ['ab93e5d7c162', 'e6a3f8c1b920'],
      realBases: ['001', '9b2c41e7d05f'],
      problems: [],
    });
    const revisions = g['revisions'] as Record<string, unknown>[];
    expect(revisions.map((r) => r['id'])).toEqual(['e6a3f8c1b920', 'ab93e5d7c162', '41f7c2d9e8b3', '7d40e9b1f3a6', '5e1d9a0c7b24', 'c83f2b6e4a17', '002', '001', '9b2c41e7d05f']);
    expect(revisions.find((r) => r['id'] === '7d40e9b1f3a6')).toEqual({
      id: '7d40e9b1f3a6',
      file: 'alembic/versions/2025_03_04_0915-7d40e9b1f3a6_merge_feedback_and_turn_cost.py',
      downRevisions: ['5e1d9a0c7b24', 'c83f2b6e4a17'],
      dependsOn: [],
      branchLabels: [],
      message: 'merge feedback and turn cost',
      problems: [],
    });
    expect(revisions.find((r) => r['id'] === '41f7c2d9e8b3')).toMatchObject({ dependsOn: ['9b2c41e7d05f'] });
    expect(revisions.find((r) => r['id'] === '9b2c41e7d05f')).toMatchObject({ branchLabels: ['analytics'], downRevisions: [] });
  });

  it('prints the same history as `alembic history`', () => {
    const python = inject('alembicPython');
    const alembic = spawnSync(python, ['-m', 'alembic', '-c', path.join(sample, 'alembic.ini'), 'history'], { cwd: sample, encoding: 'utf8' });
    expect(alembic.status, alembic.stderr).toBe(0);
    const r = cli('graph', path.join(sample, 'alembic.ini'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(alembic.stdout);
  });

  it('finds the environment by section name', () => {
    expect(cli('graph', '--name', 'alembic', '--json', sample).code).toBe(0);
    const missing = cli('graph', '--name', 'nosuch', sample);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/nosuch/);
  });
});

describe('graph on broken histories', () => {
  function project(name: string, files: Record<string, string>): string {
    const dir = path.join(work, name);
    mkdirSync(path.join(dir, 'versions'), { recursive: true });
    writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s\n');
    for (const [file, body] of Object.entries(files)) revisionFile(path.join(dir, 'versions'), file, body);
    return dir;
  }

  it.each([
    ['an unknown parent', { 'a.py': 'revision = "a"\ndown_revision = None\n', 'b.py': 'revision = "b"\ndown_revision = "zzz"\n' }, 'unknown-down-revision', 'versions/b.py', 2],
    ['an unknown dependency', { 'a.py': 'revision = "a"\ndown_revision = None\n', 'b.py': 'revision = "b"\ndown_revision = "a"\n\ndepends_on = ["nope"]\n' }, 'unknown-dependency', 'versions/b.py', 4],
    ['a duplicate id', { 'a.py': 'revision = "a"\ndown_revision = None\n', 'b.py': '\nrevision = "a"\ndown_revision = None\n' }, 'duplicate-revision', 'versions/b.py', 2],
    ['a cycle', { 'a.py': 'revision = "a"\ndown_revision = "b"\n', 'b.py': 'revision = "b"\ndown_revision = "a"\n' }, 'revision-cycle', 'versions/a.py', 2],
    ['a label clash', { 'a.py': 'revision = "a"\ndown_revision = None\nbranch_labels = ("x",)\n', 'b.py': 'revision = "b"\ndown_revision = None\nbranch_labels = ("x",)\n' }, 'branch-label-conflict', 'versions/b.py', 3],
    ['a file with no revision', { 'a.py': 'revision = "a"\ndown_revision = None\n', 'helpers.py': 'X = 1\n' }, 'python-syntax', 'versions/helpers.py', undefined],
  ])('reports %s with file and line, exit 1', (name, files, code, file, line) => {
    const r = cli('graph', '--json', project(name.replace(/\W+/g, '-'), files));
    expect(r.code).toBe(1);
    const g = JSON.parse(r.stdout) as { problems: { code: string; file?: string; line?: number }[] };
    expect(g.problems).toContainEqual(expect.objectContaining({ code, file, ...(line === undefined ? {} : { line }) }));
  });

  it('reports several heads as a state, not a problem', () => {
    const dir = project('two-heads', { 'a.py': 'revision = "a"\ndown_revision = None\n', 'b.py': 'revision = "b"\ndown_revision = "a"\n', 'c.py': 'revision = "c"\ndown_revision = "a"\n' });
    const r = cli('graph', '--json', dir);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { heads: string[] }).heads).toEqual(['b', 'c']);
  });
});

describe('heads', () => {
  it('prints what `alembic heads` prints, on the sample and on a generated history with a labelled branch', async () => {
    const generator = (await import(pathToFileURL(path.join(repo, 'bench/history.mjs')).href)) as { ensureHistory(count: number): { dir: string } };
    for (const dir of [sample, generator.ensureHistory(60).dir]) {
      const alembic = spawnSync(inject('alembicPython'), ['-m', 'alembic', '-c', path.join(dir, 'alembic.ini'), 'heads'], { cwd: dir, encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
      expect(alembic.status, alembic.stderr).toBe(0);
      const r = cli('heads', dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(alembic.stdout);
    }
    expect(JSON.parse(cli('heads', '--json', sample).stdout)).toEqual({ config: path.join(sample, 'alembic.ini'), heads: ['e6a3f8c1b920', 'ab93e5d7c162'] });
  });

  it('reports problems as graph does, exit 1', () => {
    const dir = path.join(work, 'heads-broken');
    mkdirSync(path.join(dir, 'versions'), { recursive: true });
    writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s\n');
    revisionFile(path.join(dir, 'versions'), 'a.py', 'revision = "a"\ndown_revision = "zzz"\n');
    const r = cli('heads', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('a (head)\n');
    expect(r.stderr).toMatch(/^versions\/a\.py:2: error\[unknown-down-revision\]/m);
  });
});

describe('graph --cache', () => {
  it('prints what graph prints without it, cold, warm and after an edit', () => {
    const dir = path.join(work, 'graph-cache');
    cpSync(sample, dir, { recursive: true });
    const cache = path.join(work, 'graph-cache-file');
    for (const args of [['--json'], []]) {
      const plain = cli('graph', ...args, dir);
      expect(cli('graph', '--cache', '--cache-location', cache, ...args, dir)).toEqual(plain);
      expect(cli('graph', '--cache', '--cache-location', cache, ...args, dir)).toEqual(plain);
      expect(cli('heads', '--cache', '--cache-location', cache, ...args, dir)).toEqual(cli('heads', ...args, dir));
    }
    const merge = path.join(dir, 'alembic/versions/2025_03_04_0915-7d40e9b1f3a6_merge_feedback_and_turn_cost.py');
    writeFileSync(merge, readFileSync(merge, 'utf8').replace("'c83f2b6e4a17')", "'c83f2b6e4a18')"));
    const edited = cli('graph', '--json', dir);
    expect(edited.code).toBe(1);
    expect(cli('graph', '--cache', '--cache-location', cache, '--json', dir)).toEqual(edited);
  });

  it('prints the new graph after an edit that keeps the size and the modification time of a file it had stamped', async () => {
    const dir = path.join(work, 'graph-cache-stamps');
    cpSync(sample, dir, { recursive: true });
    const cache = path.join(work, 'graph-cache-stamps-file');
    const merge = path.join(dir, 'alembic/versions/2025_03_04_0915-7d40e9b1f3a6_merge_feedback_and_turn_cost.py');
    // A whole second, which utimes can set back exactly after the change below.
    const mtime = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    utimesSync(merge, mtime, mtime);
    // Stamps are recorded only for files left alone for SETTLE_MS (server/src/cli/stamp.ts).
    await new Promise((r) => setTimeout(r, SETTLE_MS + 200));
    const plain = cli('graph', '--json', dir);
    expect(cli('graph', '--cache', '--cache-location', cache, '--json', dir)).toEqual(plain);
    expect(readFileSync(cache, 'utf8'), 'the stamp was recorded').toContain(`"${merge}":"`);
    const { mtimeNs, size } = statSync(merge, { bigint: true });
    writeFileSync(merge, readFileSync(merge, 'utf8').replace("'c83f2b6e4a17')", "'c83f2b6e4a18')"));
    utimesSync(merge, mtime, mtime);
    expect(statSync(merge, { bigint: true })).toMatchObject({ mtimeNs, size });
    const edited = cli('graph', '--json', dir);
    expect(edited).not.toEqual(plain);
    expect(cli('graph', '--cache', '--cache-location', cache, '--json', dir)).toEqual(edited);
  });
});

describe('usage errors exit 2 with the reason on stderr and nothing on stdout', () => {
  it.each([
    ['no arguments', []],
    ['an unknown command', ['frobnicate']],
    ['a missing folder', ['graph', 'does-not-exist']],
    ['an unknown option', ['graph', '--jsn', '.']],
    ['two targets', ['graph', 'a', 'b']],
  ])('%s', (_name, args) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    if (args.length > 0) expect(r.stdout).toBe('');
    expect(r.stderr.length).toBeGreaterThan(0);
  });

  it('names the file and line of a broken alembic.ini', () => {
    const dir = path.join(work, 'bad-ini');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(nope)s\n');
    const r = cli('graph', dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${path.join(dir, 'alembic.ini')}:2`);
  });
});

describe('an internal error', () => {
  it('exits 2, not 1, so that a CI job cannot take a crash for findings', () => {
    // A preloaded module breaks JSON output, which no input can do: the CLI's own code throws.
    const preload = path.join(work, 'break-json.cjs');
    writeFileSync(preload, "JSON.stringify = () => { throw new Error('stringify is broken'); };\n");
    const r = spawnSync(process.execPath, ['--require', preload, path.join(repo, 'dist/cli.js'), 'graph', '--json', sample], { cwd: work, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^alembic-pilot: internal error, please report it: Error: stringify is broken\n\s+at /);
  });
});

describe('help and version', () => {
  it('prints help', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('alembic-pilot graph');
  });

  it('prints the package version', () => {
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
    expect(cli('--version').stdout.trim()).toBe(pkg.version);
  });
});

