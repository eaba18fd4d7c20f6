import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheFilePath, DEFAULT_CACHE_NAME, lintSettingsKey, ResultCache, type CachedFile } from '../../../server/src/cli/cacheFile';
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
    const file = path.join(dir, 'edited');
    const { cache } = open(file);
    cache.set(x, entry);
    cache.setOutput('k', { stdout: 'out', stderr: [], code: 0 });
    cache.save();
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
