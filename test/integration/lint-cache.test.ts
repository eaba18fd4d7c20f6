import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SETTLE_MS } from '../../server/src/cli/stamp';
import { run } from '../helpers/run';

/**
 * `lint --cache` through the bundled CLI. The output with a cache must be exactly the output
 * without one, cold or warm, on one thread or several. To show that a cached result is really
 * used, and really dropped when any part of its key changes, some tests plant a marker in one
 * cached finding (with a valid checksum, as if the cache had been written that way): the marker
 * shows while the key matches and must be gone when the file, the settings or the tool change.
 */

const repo = path.resolve(__dirname, '../..');
const CACHE_NAME = '.alembic-pilot-cache';
const MARKER = 'PLANTED IN THE CACHE';
let work: string;
let history: string;
let dist: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in its own process; async, so that the test worker stays responsive meanwhile. */
async function cli(cwd: string, args: string[]): Promise<Run> {
  const r = await run(process.execPath, [path.join(dist, 'cli.js'), ...args], { cwd, timeoutMs: 300_000 });
  return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function lint(cwd: string, ...args: string[]): Promise<Run> {
  return cli(cwd, ['lint', '--format', 'json', ...args]);
}

/** A run's report, without the notes a cache may add on stderr. */
function report(r: Run): { code: number; stdout: string } {
  return { code: r.code, stdout: r.stdout };
}

function versions(dir: string): string {
  return path.join(dir, 'migrations', 'versions');
}

async function fileWithFindings(dir: string): Promise<string> {
  const findings = JSON.parse((await lint(dir, '.')).stdout) as { file: string; rule: string }[];
  const local = findings.find((f) => f.rule === 'non-idempotent-ddl');
  if (!local) throw new Error('the generated history has no non-idempotent-ddl finding');
  return path.join(dir, local.file);
}

interface CacheFile {
  preamble: { sections: { name: string; length: number; checksum: string }[] };
  sections: Record<string, unknown>;
}

interface FilesSection {
  [file: string]: { hash: string; lint?: { findings: { message: string; rule: string }[] } };
}

/** Reads the cache file's preamble line and its JSON sections (server/src/cli/cacheFile.ts). */
function readCache(file: string): CacheFile {
  const bytes = readFileSync(file);
  const newline = bytes.indexOf(0x0a);
  const preamble = JSON.parse(bytes.toString('utf8', 0, newline)) as CacheFile['preamble'];
  const sections: Record<string, unknown> = {};
  let at = newline + 1;
  for (const s of preamble.sections) {
    sections[s.name] = JSON.parse(bytes.toString('utf8', at, at + s.length));
    at += s.length;
  }
  return { preamble, sections };
}

/** Writes a cache file back with valid lengths and checksums, as if the CLI had written it. */
function writeCache(file: string, cache: CacheFile): void {
  const bodies = cache.preamble.sections.map((s) => Buffer.from(JSON.stringify(cache.sections[s.name])));
  const sections = cache.preamble.sections.map((s, i) => ({ ...s, length: bodies[i]!.length, checksum: createHash('sha256').update(bodies[i]!).digest('base64') }));
  writeFileSync(file, Buffer.concat([Buffer.from(`${JSON.stringify({ ...cache.preamble, sections })}\n`), ...bodies]));
}

/**
 * Rewrites the cached message of `file`'s first non-idempotent-ddl finding to the marker. With
 * `underHash`, the entry and the file's recorded stamp are given that made-up hash too, so the
 * marker is reached only through the stamp, never through the file's bytes. The whole outputs
 * of earlier runs are dropped, so that the next run goes through the per-file entries.
 */
function plant(cacheFile: string, file: string, underHash?: string): void {
  const cache = readCache(cacheFile);
  cache.sections['lint-outputs'] = {};
  // The per-file entries are split into shards (files-0, files-1, ...) by path.
  const shards = Object.entries(cache.sections).filter(([name]) => name.startsWith('files-')).map(([, v]) => v as FilesSection);
  const entry = shards.find((shard) => shard[file] !== undefined)?.[file];
  const finding = entry?.lint?.findings.find((f) => f.rule === 'non-idempotent-ddl');
  if (!entry || !finding) throw new Error(`the cache holds no non-idempotent-ddl finding of ${file}`);
  finding.message = MARKER;
  if (underHash !== undefined) {
    const stamps = cache.sections['stamps'] as Record<string, string>;
    const recorded = stamps[file];
    if (recorded === undefined) throw new Error(`no stamp was recorded for ${file}`);
    stamps[file] = `${recorded.split(' ')[0]} ${underHash}`;
    entry.hash = underHash;
  }
  writeCache(cacheFile, cache);
}

/** `file`'s bytes with one letter of its upgrade docstring changed: the same size, other content. */
function sameSizeChange(file: string): Buffer {
  const text = readFileSync(file);
  const changed = Buffer.from(text.toString('utf8').replace('"""Upgrade schema."""', '"""Upgrade schemA."""'));
  expect(changed.equals(text)).toBe(false);
  expect(changed.length).toBe(text.length);
  return changed;
}

/**
 * Changes one byte in the middle of a section of the cache file, leaving its recorded checksum;
 * `files` is every shard of the per-file entries.
 */
function flipByteIn(file: string, section: string): void {
  const bytes = readFileSync(file);
  const { preamble } = readCache(file);
  let at = bytes.indexOf(0x0a) + 1;
  let flipped = false;
  for (const s of preamble.sections) {
    if (section === 'files' ? s.name.startsWith('files-') : s.name === section) {
      const middle = at + Math.floor(s.length / 2);
      bytes[middle] = bytes[middle] === 0x41 ? 0x42 : 0x41;
      flipped = true;
    }
    at += s.length;
  }
  if (!flipped) throw new Error(`the cache file has no ${section} section`);
  writeFileSync(file, bytes);
}

/** Replaces the stdout of every output the cache holds by the marker. */
function plantOutputs(cacheFile: string): void {
  const cache = readCache(cacheFile);
  const outputs = cache.sections['lint-outputs'] as Record<string, { stdout: string }>;
  expect(Object.keys(outputs).length).toBeGreaterThan(0);
  for (const output of Object.values(outputs)) output.stdout = MARKER;
  writeCache(cacheFile, cache);
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-lint-cache-'));
  // A private copy of the bundle, so that the tool-version test can change it.
  dist = path.join(work, 'dist');
  mkdirSync(dist);
  for (const file of ['cli.js', 'lintWorker.js', 'libpg-query.wasm']) copyFileSync(path.join(repo, 'dist', file), path.join(dist, file));
  const generator = (await import(pathToFileURL(path.join(repo, 'bench/history.mjs')).href)) as { ensureHistory(count: number): { dir: string } };
  history = generator.ensureHistory(60).dir;
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

let dir: string;

beforeEach(async () => {
  dir = mkdtempSync(path.join(work, 'project-'));
  cpSync(history, dir, { recursive: true });
});

describe('lint --cache gives what a lint without it gives', () => {
  it('cold and warm, on one thread and on several', async () => {
    const plain = report(await lint(dir, '--jobs', '1', '.'));
    expect(plain.code).toBe(1);
    const cold = await lint(dir, '--cache', '--jobs', '2', '.');
    expect(cold.stderr).toBe('');
    expect(report(cold)).toEqual(plain);
    expect(existsSync(path.join(dir, CACHE_NAME))).toBe(true);
    expect(report(await lint(dir, '--cache', '--jobs', '1', '.'))).toEqual(plain);
    expect(report(await lint(dir, '--cache', '--jobs', '3', '.'))).toEqual(plain);
  });

  it('in text and SARIF too', async () => {
    for (const format of ['text', 'sarif']) {
      const plain = report(await cli(dir, ['lint', '--format', format, '.']));
      await cli(dir, ['lint', '--format', format, '--cache', '.']);
      expect(report(await cli(dir, ['lint', '--format', format, '--cache', '.'])), format).toEqual(plain);
    }
  });

  it('after a file changes', async () => {
    await lint(dir, '--cache', '.');
    const file = await fileWithFindings(dir);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\bCREATE (TRIGGER|INDEX|TABLE|VIEW|FUNCTION)\b/, '$& ').replace('def downgrade', '# alembic-pilot: ignore[sql-syntax]\ndef downgrade'));
    expect(report(await lint(dir, '--cache', '.'))).toEqual(report(await lint(dir, '.')));
  });

  it('recomputes what depends on the rest of the history: an edit to one file changes the findings of others', async () => {
    const before = await lint(dir, '--cache', '.');
    // The child of some revision now names a parent that does not exist: the revision it left
    // becomes a head, which changes the findings of files that were not edited.
    const files = readdirSync(versions(dir)).filter((f) => f.endsWith('.py')).sort();
    const target = path.join(versions(dir), files.find((f) => /^down_revision = '[0-9a-f]{12}'$/m.test(readFileSync(path.join(versions(dir), f), 'utf8')))!);
    writeFileSync(target, readFileSync(target, 'utf8').replace(/^down_revision = '[0-9a-f]{12}'$/m, "down_revision = 'ffffffffffff'"));
    const plain = await lint(dir, '.');
    const cached = await lint(dir, '--cache', '.');
    expect(report(cached)).toEqual(report(plain));
    const elsewhere = (r: Run): unknown[] => (JSON.parse(r.stdout) as { file: string }[]).filter((f) => path.join(dir, f.file) !== target);
    expect(elsewhere(cached)).not.toEqual(elsewhere(before));
  });
});

describe('lint --cache --fix', () => {
  it('applies the fixes the cached findings carry, as a lint without the cache does', async () => {
    const other = mkdtempSync(path.join(work, 'fix-'));
    cpSync(history, other, { recursive: true });
    await lint(dir, '--cache', '.');
    const cached = await lint(dir, '--cache', '--fix', '.');
    const plain = await lint(other, '--fix', '.');
    expect(cached.stderr).toMatch(/^fixed /m);
    expect(report(cached)).toEqual(report(plain));
    expect(cached.stderr).toBe(plain.stderr);
    for (const f of readdirSync(versions(dir))) expect(readFileSync(path.join(versions(dir), f), 'utf8'), f).toBe(readFileSync(path.join(versions(other), f), 'utf8'));
  });
});

describe('a cached result is used only while its whole key matches', () => {
  let cacheFile: string;
  let file: string;

  beforeEach(async () => {
    cacheFile = path.join(dir, CACHE_NAME);
    file = await fileWithFindings(dir);
    await lint(dir, '--cache', '.');
    plant(cacheFile, file);
  });

  it('is used when nothing changed (so the tests below mean something)', async () => {
    expect((await lint(dir, '--cache', '.')).stdout).toContain(MARKER);
  });

  it('is dropped when the file changes, even with the same size and modification time', async () => {
    const changed = sameSizeChange(file);
    const { mtime } = statSync(file);
    writeFileSync(file, changed);
    utimesSync(file, mtime, mtime);
    expect(Math.abs(statSync(file).mtimeMs - mtime.getTime())).toBeLessThan(1);
    const r = await lint(dir, '--cache', '.');
    expect(r.stdout).not.toContain(MARKER);
    expect(report(r)).toEqual(report(await lint(dir, '.')));
  });

  it('is dropped when the rule settings change', async () => {
    appendFileSync(path.join(dir, 'pyproject.toml'), '\n[tool.alembic-pilot]\nrules = { seed-insert-without-conflict = "warning" }\n');
    const r = await lint(dir, '--cache', '.');
    expect(r.stdout).not.toContain(MARKER);
    expect(report(r)).toEqual(report(await lint(dir, '.')));
  });

  it('is dropped when the targets change (--config)', async () => {
    const config = path.join(work, `postgres-${path.basename(dir)}.toml`);
    writeFileSync(config, '[tool.alembic-pilot]\npostgres-version = 11\n');
    const r = await lint(dir, '--cache', '--config', config, '.');
    expect(r.stdout).not.toContain(MARKER);
    expect(report(r)).toEqual(report(await lint(dir, '--config', config, '.')));
  });

  it('is dropped when the dialect (the URL scheme) changes', async () => {
    const ini = path.join(dir, 'alembic.ini');
    writeFileSync(ini, readFileSync(ini, 'utf8').replace('[alembic]\n', '[alembic]\nsqlalchemy.url = mysql://app@localhost/app\n'));
    expect((await lint(dir, '--cache', '.')).stdout).not.toContain(MARKER);
  });

  it('is dropped when the naming convention changes in a module env.py imports', async () => {
    const envPy = path.join(dir, 'migrations', 'env.py');
    writeFileSync(envPy, `from app_models import metadata\n${readFileSync(envPy, 'utf8')}`);
    const models = path.join(dir, 'app_models.py');
    const convention = (ck: string): string => `from sqlalchemy import MetaData\n\nmetadata = MetaData(naming_convention={"ck": "${ck}"})\n`;
    writeFileSync(models, convention('ck_%(table_name)s_%(constraint_name)s'));
    await lint(dir, '--cache', '.');
    plant(cacheFile, file);
    expect((await lint(dir, '--cache', '.')).stdout).toContain(MARKER);
    writeFileSync(models, convention('%(table_name)s_%(constraint_name)s_check'));
    const r = await lint(dir, '--cache', '.');
    expect(r.stdout).not.toContain(MARKER);
    expect(report(r)).toEqual(report(await lint(dir, '.')));
  });

  it('is dropped when the tool changes', async () => {
    appendFileSync(path.join(dist, 'lintWorker.js'), '\n// another build\n');
    try {
      const r = await lint(dir, '--cache', '.');
      expect(r.stdout).not.toContain(MARKER);
      expect(r.stderr).toBe('');
    } finally {
      copyFileSync(path.join(repo, 'dist', 'lintWorker.js'), path.join(dist, 'lintWorker.js'));
    }
  });
});

/**
 * The whole output of a lint is kept too, under the hashes of every revision file (graph
 * findings included: they follow from the same bytes), the format, the folder paths are shown
 * from and the settings key. A second lint of an unchanged history prints it without reading
 * the per-file entries; anything else goes through them.
 */
describe("a lint's whole output is printed again only while nothing it depends on changed", () => {
  let cacheFile: string;

  beforeEach(async () => {
    cacheFile = path.join(dir, CACHE_NAME);
    await lint(dir, '--cache', '.');
    plantOutputs(cacheFile);
  });

  it('is printed again, with its exit code, when nothing changed', async () => {
    const r = await lint(dir, '--cache', '.');
    expect(r.stdout).toBe(`${MARKER}\n`);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
  });

  it('is printed without reading the per-file entries', async () => {
    flipByteIn(cacheFile, 'files');
    const r = await lint(dir, '--cache', '.');
    expect(r.stdout).toBe(`${MARKER}\n`);
    expect(r.stderr).toBe('');
  });

  it('is not printed after any revision file changed, though the change leaves its own findings alone', async () => {
    const files = readdirSync(versions(dir)).filter((f) => f.endsWith('.py'));
    appendFileSync(path.join(versions(dir), files[0]!), '\n# reviewed\n');
    const r = await lint(dir, '--cache', '.');
    expect(r.stdout).not.toContain(MARKER);
    expect(report(r)).toEqual(report(await lint(dir, '.')));
  });

  it('is not printed in another format, or with paths shown from another folder', async () => {
    const text = await cli(dir, ['lint', '--format', 'text', '--cache', '.']);
    expect(text.stdout).not.toContain(MARKER);
    expect(report(text)).toEqual(report(await cli(dir, ['lint', '--format', 'text', '.'])));
    const fromParent = await lint(path.dirname(dir), '--cache', '--cache-location', cacheFile, path.basename(dir));
    expect(fromParent.stdout).not.toContain(MARKER);
    expect(report(fromParent)).toEqual(report(await lint(path.dirname(dir), path.basename(dir))));
  });

  it('is not printed when the files reported on change', async () => {
    const file = await fileWithFindings(dir);
    const r = await lint(dir, '--cache', path.relative(dir, file));
    expect(r.stdout).not.toContain(MARKER);
    expect(report(r)).toEqual(report(await lint(dir, path.relative(dir, file))));
  });

  it('is not printed by --fix, which lints', async () => {
    const r = await lint(dir, '--cache', '--fix', '.');
    expect(r.stdout).not.toContain(MARKER);
    expect(r.stderr).toMatch(/^fixed /m);
  });
});

/**
 * Stamps (server/src/cli/stamp.ts): a file whose size, times and inode are those recorded keeps
 * its recorded hash without being read. To show that the file is really not read, the recorded
 * hash is replaced by a made-up one under which the cache holds the marker: the marker shows
 * only while the stamp is trusted.
 */
const WHOLE_SECOND = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);

describe('a file whose stamp is unchanged is not read again', () => {
  let cacheFile: string;
  let file: string;

  beforeEach(async () => {
    cacheFile = path.join(dir, CACHE_NAME);
    file = await fileWithFindings(dir);
    // A whole second, which utimes can set back exactly after the change below.
    utimesSync(file, WHOLE_SECOND, WHOLE_SECOND);
    // A stamp is recorded only for a file left alone for SETTLE_MS; the copy was just made.
    await new Promise((r) => setTimeout(r, SETTLE_MS + 200));
    await lint(dir, '--cache', '.');
    plant(cacheFile, file, 'MADE-UP-HASH');
  });

  it('takes the hash recorded with the stamp', async () => {
    expect((await lint(dir, '--cache', '.')).stdout).toContain(MARKER);
  });

  it('reads it again after a change that keeps its size and modification time', async () => {
    const changed = sameSizeChange(file);
    const { mtimeNs } = statSync(file, { bigint: true });
    writeFileSync(file, changed);
    utimesSync(file, WHOLE_SECOND, WHOLE_SECOND);
    expect(statSync(file, { bigint: true }).mtimeNs).toBe(mtimeNs);
    const r = await lint(dir, '--cache', '.');
    expect(r.stdout).not.toContain(MARKER);
    expect(report(r)).toEqual(report(await lint(dir, '.')));
  });

  it('reads every file with --cache-strategy content', async () => {
    const r = await lint(dir, '--cache', '--cache-strategy', 'content', '.');
    expect(r.stdout).not.toContain(MARKER);
    expect(report(r)).toEqual(report(await lint(dir, '.')));
  });
});

describe('a cache that cannot be used', () => {
  it.each<[string, (file: string) => void]>([
    ['is truncated', (f) => writeFileSync(f, readFileSync(f).subarray(0, 1000))],
    ['has one byte of its stamps changed', (f) => flipByteIn(f, 'stamps')],
    ['has one byte of its outputs changed', (f) => flipByteIn(f, 'lint-outputs')],
    ['is not a cache at all', (f) => writeFileSync(f, 'hello\n')],
    ['is empty', (f) => writeFileSync(f, '')],
  ])('is ignored with a note when it %s, and rewritten', async (_, damage) => {
    const cacheFile = path.join(dir, CACHE_NAME);
    const plain = report(await lint(dir, '.'));
    await lint(dir, '--cache', '.');
    damage(cacheFile);
    const r = await lint(dir, '--cache', '.');
    expect(report(r)).toEqual(plain);
    expect(r.stderr).toMatch(/^note: ignoring the cache file .*\.alembic-pilot-cache \(.*\); it is rebuilt by this run\.$/m);
    const again = await lint(dir, '--cache', '.');
    expect(again.stderr).toBe('');
    expect(report(again)).toEqual(plain);
  });

  it('is a folder that cannot be written: the lint still reports, with a note', async () => {
    const blocked = path.join(dir, 'blocked');
    writeFileSync(blocked, 'a file where a folder should be');
    const r = await lint(dir, '--cache', '--cache-location', path.join(blocked, 'cache'), '.');
    expect(report(r)).toEqual(report(await lint(dir, '.')));
    expect(r.stderr).toMatch(/^note: could not write the cache file /m);
  });
});

describe('--cache-location', () => {
  it('names the cache file, or a folder to hold it', async () => {
    const asFile = path.join(work, `cache-file-${path.basename(dir)}`);
    await lint(dir, '--cache', '--cache-location', asFile, '.');
    expect(existsSync(asFile)).toBe(true);
    const folder = mkdtempSync(path.join(work, 'cache-folder-'));
    await lint(dir, '--cache', '--cache-location', `${folder}/`, '.');
    expect(existsSync(path.join(folder, CACHE_NAME))).toBe(true);
    expect(existsSync(path.join(dir, CACHE_NAME))).toBe(false);
  });
});
