import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheFilePath, DEFAULT_CACHE_NAME, lintSettingsKey, ResultCache, type CachedFile } from '../../../server/src/cli/cacheFile';
import { fileStamp, SETTLE_MS, type FileStamp } from '../../../server/src/cli/stamp';
import type { AlembicEnvironment } from '../../../server/src/core/config';

/** The cache file itself: where it lives, what its keys cover, and what happens to a bad one. */

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-cache-file-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function env(overrides: Partial<AlembicEnvironment> = {}): AlembicEnvironment {
  return {
    configFile: path.join(dir, 'alembic.ini'),
    section: 'alembic',
    here: dir,
    scriptLocation: path.join(dir, 'migrations'),
    versionLocations: [path.join(dir, 'migrations', 'versions')],
    recursiveVersionLocations: false,
    fileTemplate: '%(rev)s_%(slug)s',
    truncateSlugLength: 40,
    prependSysPath: [],
    problems: [],
    ...overrides,
  };
}

/** Entries of files that are gone are dropped on save, so the entry is for a file that exists. */
let x: string;
let entry: CachedFile;
beforeAll(() => {
  x = path.join(dir, 'x.py');
  writeFileSync(x, 'revision = "x"\n');
  entry = { hash: 'h', header: { path: x, headers: {}, problems: [] } };
});

describe('cacheFilePath', () => {
  it('defaults to the working directory, like ESLint', () => {
    expect(cacheFilePath('/work', undefined)).toBe(path.join('/work', DEFAULT_CACHE_NAME));
  });
  it('takes a file, or a folder (existing, or written with a trailing slash)', () => {
    expect(cacheFilePath('/work', 'ci/cache.json')).toBe('/work/ci/cache.json');
    expect(cacheFilePath('/work', 'ci/')).toBe(path.join('/work/ci', DEFAULT_CACHE_NAME));
    expect(cacheFilePath('/work', dir)).toBe(path.join(dir, DEFAULT_CACHE_NAME));
  });
});

describe('lintSettingsKey', () => {
  let base: string;
  beforeAll(() => {
    base = lintSettingsKey(env(), { settings: {}, targets: { postgresVersion: 14 } });
  });

  it('is the same for the same inputs, whatever order their keys were written in', () => {
    expect(lintSettingsKey(env(), { targets: { postgresVersion: 14 }, settings: {} })).toBe(base);
  });

  it.each<[string, () => string]>([
    ['a rule setting', () => lintSettingsKey(env(), { settings: { 'missing-downgrade': 'error' }, targets: { postgresVersion: 14 } })],
    ['a target', () => lintSettingsKey(env(), { settings: {}, targets: { postgresVersion: 15 } })],
    ['the dialect', () => lintSettingsKey(env({ sqlalchemyUrl: 'sqlite:///app.db' }), { settings: {}, targets: { postgresVersion: 14 } })],
    ['the configuration', () => lintSettingsKey(env({ fileTemplate: '%(slug)s' }), { settings: {}, targets: { postgresVersion: 14 } })],
  ])('changes with %s', (_, key) => {
    expect(key()).not.toBe(base);
  });

  it('changes with env.py', () => {
    mkdirSync(path.join(dir, 'migrations'), { recursive: true });
    writeFileSync(path.join(dir, 'migrations', 'env.py'), 'context.configure(transactional_ddl=False)\n');
    const one = lintSettingsKey(env(), { settings: {}, targets: { postgresVersion: 14 } });
    writeFileSync(path.join(dir, 'migrations', 'env.py'), 'context.configure()\n');
    expect(lintSettingsKey(env(), { settings: {}, targets: { postgresVersion: 14 } })).not.toBe(one);
  });

  it('reads only the scheme of the URL, never its password', () => {
    const a = lintSettingsKey(env({ sqlalchemyUrl: 'postgresql://app:secret-one@db/app' }), {});
    const b = lintSettingsKey(env({ sqlalchemyUrl: 'postgresql://other:secret-two@elsewhere/x' }), {});
    expect(a).toBe(b);
  });
});

/** Opens a cache and collects its notes. */
function open(file: string, tool = 'tool-1'): { cache: ResultCache; notes: string[] } {
  const notes: string[] = [];
  return { cache: ResultCache.open(file, tool, (n) => notes.push(n)), notes };
}

/** A cache file holding `entry` for x.py and one output, 'k', as a run saved it. */
function savedWithEntryAndOutput(name: string): string {
  const file = path.join(dir, name);
  const { cache } = open(file);
  cache.set(x, entry);
  cache.setOutput('k', { stdout: 'out', stderr: [], code: 0 });
  cache.save();
  return file;
}

describe('ResultCache', () => {
  it('keeps entries and outputs across a save and an open by the same tool', () => {
    const file = path.join(dir, 'roundtrip');
    const { cache, notes } = open(file);
    cache.set(x, entry);
    cache.setOutput('k', { stdout: 'out', stderr: ['err'], code: 1 });
    expect(cache.save()).toBeUndefined();
    const reopened = open(file);
    expect(reopened.cache.get(x)).toEqual(entry);
    expect(reopened.cache.getOutput('k')).toEqual({ stdout: 'out', stderr: ['err'], code: 1 });
    expect([...notes, ...reopened.notes]).toEqual([]);
  });

  it('keeps the last sixteen outputs', () => {
    const file = path.join(dir, 'outputs');
    const { cache } = open(file);
    for (let i = 0; i < 20; i++) cache.setOutput(`k${i}`, { stdout: String(i), stderr: [], code: 0 });
    cache.save();
    const reopened = open(file).cache;
    expect(reopened.getOutput('k3')).toBeUndefined();
    expect(reopened.getOutput('k4')?.stdout).toBe('4');
    expect(reopened.getOutput('k19')?.stdout).toBe('19');
  });

  it("keeps lint's outputs apart from graph's: reading one section does not read the other", () => {
    const file = path.join(dir, 'lint-outputs');
    const { cache } = open(file);
    cache.setOutput('k', { stdout: 'graph', stderr: [], code: 0 });
    cache.setOutput('k', { stdout: 'lint', stderr: [], code: 1 }, 'lint-outputs');
    cache.save();
    writeFileSync(file, readFileSync(file, 'utf8').replace('"stdout":"lint"', '"stdout":"LINT"'));
    const reopened = open(file);
    expect(reopened.cache.getOutput('k')?.stdout).toBe('graph');
    expect(reopened.notes, 'the damaged lint section was not read').toEqual([]);
    expect(reopened.cache.getOutput('k', 'lint-outputs')).toBeUndefined();
    expect(reopened.notes).toEqual([expect.stringMatching(/checksum does not match/)]);
  });

  it('keeps fewer lint outputs, and no more than 16 MB of them besides the newest', () => {
    const file = path.join(dir, 'lint-output-limits');
    const { cache } = open(file);
    for (let i = 0; i < 6; i++) cache.setOutput(`k${i}`, { stdout: String(i), stderr: [], code: 0 }, 'lint-outputs');
    expect([0, 1, 2, 3, 4, 5].map((i) => cache.getOutput(`k${i}`, 'lint-outputs')?.stdout)).toEqual([undefined, undefined, '2', '3', '4', '5']);
    const big = (c: string): string => c.repeat(10 * 1024 * 1024);
    for (const c of ['a', 'b', 'c']) cache.setOutput(c, { stdout: big(c), stderr: [], code: 1 }, 'lint-outputs');
    expect(['a', 'b', 'c'].map((c) => cache.getOutput(c, 'lint-outputs') !== undefined)).toEqual([false, true, true]);
    cache.setOutput('huge', { stdout: big('h').repeat(2), stderr: [], code: 1 }, 'lint-outputs');
    expect(cache.getOutput('huge', 'lint-outputs')?.stdout.length, 'the newest is kept whatever its size').toBe(20 * 1024 * 1024);
  });

  it('starts empty, silently, for another tool', () => {
    const file = path.join(dir, 'other-tool');
    const { cache } = open(file);
    cache.set(x, entry);
    cache.save();
    const reopened = open(file, 'tool-2');
    expect(reopened.cache.get(x)).toBeUndefined();
    expect(reopened.notes).toEqual([]);
  });

  it('does not write when nothing changed', () => {
    const file = path.join(dir, 'untouched');
    open(file).cache.save();
    expect(() => readFileSync(file)).toThrow();
  });

  it('starts empty with a note when a section was edited, and rewrites the file', () => {
    const file = savedWithEntryAndOutput('edited');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"hash":"h"', '"hash":"H"'));
    const reopened = open(file);
    expect(reopened.cache.getOutput('k')?.stdout, 'the outputs section is intact').toBe('out');
    expect(reopened.cache.get(x)).toBeUndefined();
    expect(reopened.notes).toEqual([expect.stringMatching(/checksum does not match/)]);
    expect(reopened.cache.getOutput('k'), 'a damaged file is dropped as a whole').toBeUndefined();
    expect(reopened.cache.save()).toBeUndefined();
    const again = open(file);
    expect(again.cache.get(x)).toBeUndefined();
    expect(again.notes).toEqual([]);
  });
});

/** The cache file's sections as raw bytes, by name. */
function rawSections(file: string): Map<string, string> {
  const bytes = readFileSync(file);
  const newline = bytes.indexOf(0x0a);
  const preamble = JSON.parse(bytes.toString('utf8', 0, newline)) as { sections: { name: string; length: number }[] };
  const out = new Map<string, string>();
  let at = newline + 1;
  for (const s of preamble.sections) {
    out.set(s.name, bytes.toString('utf8', at, at + s.length));
    at += s.length;
  }
  return out;
}

it('writes back only the shard of a changed file, and copies the other shards byte for byte', () => {
  const file = path.join(dir, 'shards');
  const { cache } = open(file);
  const files = Array.from({ length: 64 }, (_, i) => {
    const f = path.join(dir, `shard-${i}.py`);
    writeFileSync(f, '');
    cache.set(f, { ...entry, header: { ...entry.header, path: f } });
    return f;
  });
  cache.save();
  const before = rawSections(file);
  const shards = [...before.keys()].filter((name) => name.startsWith('files-'));
  expect(shards.length).toBeGreaterThan(1);
  expect(shards.filter((name) => before.get(name) !== '{}').length, 'the files spread over several shards').toBeGreaterThan(1);

  const second = open(file);
  second.cache.set(files[0]!, { ...entry, hash: 'changed', header: { ...entry.header, path: files[0]! } });
  second.cache.save();
  const after = rawSections(file);
  const differing = shards.filter((name) => after.get(name) !== before.get(name));
  expect(differing).toHaveLength(1);
  expect(after.get(differing[0]!)).toContain('"hash":"changed"');
  const reopened = open(file);
  expect(reopened.cache.get(files[0]!)?.hash).toBe('changed');
  expect(reopened.cache.get(files[63]!)?.hash).toBe('h');
  expect(reopened.notes).toEqual([]);
});

it('drops the entries of files that are gone when it saves', () => {
  const file = path.join(dir, 'pruned');
  const gone = path.join(dir, 'gone.py');
  writeFileSync(gone, '');
  const { cache } = open(file);
  cache.set(x, entry);
  cache.set(gone, { ...entry, header: { ...entry.header, path: gone } });
  rmSync(gone);
  cache.save();
  const reopened = open(file).cache;
  expect(reopened.get(gone)).toBeUndefined();
  expect(reopened.get(x)).toEqual(entry);
});

describe('stamps: a file left alone keeps its hash without being read', () => {
  const stamp = (key: string, settled = true): FileStamp => ({ key, settled });

  it('gives the recorded hash back while the stamp is the same, and nothing for another stamp', () => {
    const file = path.join(dir, 'stamps');
    const { cache } = open(file);
    cache.noteStamp(x, stamp('1:2:3:4:5'), 'hash-1');
    cache.save();
    const reopened = open(file).cache;
    expect(reopened.hashByStamp(x, stamp('1:2:3:4:5'))).toBe('hash-1');
    expect(reopened.hashByStamp(x, stamp('1:2:9:4:5')), 'another change time').toBeUndefined();
    expect(reopened.hashByStamp(x, undefined), 'a file that cannot be stat-ed').toBeUndefined();
  });

  it('does not record a stamp that has not settled, and forgets the one it had', () => {
    const file = path.join(dir, 'unsettled');
    const { cache } = open(file);
    cache.noteStamp(x, stamp('1:2:3:4:5'), 'hash-1');
    cache.noteStamp(x, stamp('1:2:7:4:5', false), 'hash-2');
    expect(cache.hashByStamp(x, stamp('1:2:7:4:5'))).toBeUndefined();
    expect(cache.hashByStamp(x, stamp('1:2:3:4:5'))).toBeUndefined();
  });

  it('is not consulted with the content strategy', () => {
    const file = path.join(dir, 'content-strategy');
    const { cache } = open(file);
    cache.noteStamp(x, stamp('1:2:3:4:5'), 'hash-1');
    cache.save();
    const content = ResultCache.open(file, 'tool-1', () => {}, 'content');
    expect(content.hashByStamp(x, stamp('1:2:3:4:5'))).toBeUndefined();
    expect(open(file).cache.hashByStamp(x, stamp('1:2:3:4:5')), 'the recorded stamps are kept').toBe('hash-1');
  });

  it('copies the sections a run did not read as they were', () => {
    const file = savedWithEntryAndOutput('verbatim');
    const before = readFileSync(file);
    const second = open(file);
    second.cache.noteStamp(x, stamp('1:2:3:4:5'), 'h');
    expect(second.cache.save()).toBeUndefined();
    const after = readFileSync(file);
    expect(after.length).toBeGreaterThan(before.length);
    const reopened = open(file);
    expect(reopened.cache.get(x)).toEqual(entry);
    expect(reopened.cache.getOutput('k')?.stdout).toBe('out');
    expect(reopened.cache.hashByStamp(x, stamp('1:2:3:4:5'))).toBe('h');
    expect(reopened.notes).toEqual([]);
  });
});

describe('fileStamp', () => {
  it('has not settled for a file just written, and has no stamp for a missing file or a folder', () => {
    const file = path.join(dir, 'fresh.py');
    writeFileSync(file, 'revision = "a"\n');
    expect(fileStamp(file)?.settled).toBe(false);
    expect(fileStamp(path.join(dir, 'missing.py'))).toBeUndefined();
    expect(fileStamp(dir)).toBeUndefined();
  });

  it('changes when the bytes change, even with the same size and modification time', async () => {
    const file = path.join(dir, 'same-size.py');
    // A whole second, which utimes sets exactly.
    const mtime = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    writeFileSync(file, 'revision = "a"\n');
    utimesSync(file, mtime, mtime);
    const before = fileStamp(file)!;
    // More than one tick of the kernel's coarse clock, which change times are taken from.
    await new Promise((r) => setTimeout(r, 30));
    writeFileSync(file, 'revision = "b"\n');
    utimesSync(file, mtime, mtime);
    const after = fileStamp(file)!;
    const [size, mtimeNs, ctimeNs] = after.key.split(':');
    expect(size).toBe(before.key.split(':')[0]);
    expect(mtimeNs, 'the modification time was put back').toBe(before.key.split(':')[1]);
    expect(ctimeNs, 'the change time moved').not.toBe(before.key.split(':')[2]);
  });

  it('has settled for a file left alone for longer than SETTLE_MS', () => {
    // The change time cannot be set, so the test stats a file the system wrote long ago.
    const old = [process.execPath, '/etc/hostname', '/etc/passwd'].find((f) => {
      try {
        return statSync(f).ctimeMs < Date.now() - SETTLE_MS - 1000;
      } catch {
        return false;
      }
    });
    expect(old, 'a file unchanged for a while').toBeDefined();
    expect(fileStamp(old!)?.settled).toBe(true);
  });
});
