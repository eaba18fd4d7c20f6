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

describe('ResultCache', () => {
  it('keeps entries across a save and an open by the same tool', () => {
    const file = path.join(dir, 'roundtrip');
    const { cache, note } = ResultCache.open(file, 'tool-1');
    expect(note).toBeUndefined();
    cache.set(x, entry);
    expect(cache.save()).toBeUndefined();
    expect(ResultCache.open(file, 'tool-1').cache.get(x)).toEqual(entry);
  });

  it('starts empty, silently, for another tool', () => {
    const file = path.join(dir, 'other-tool');
    const { cache } = ResultCache.open(file, 'tool-1');
    cache.set(x, entry);
    cache.save();
    const reopened = ResultCache.open(file, 'tool-2');
    expect(reopened.note).toBeUndefined();
    expect(reopened.cache.get(x)).toBeUndefined();
  });

  it('does not write when nothing changed', () => {
    const file = path.join(dir, 'untouched');
    const { cache } = ResultCache.open(file, 'tool-1');
    cache.save();
    expect(() => readFileSync(file)).toThrow();
  });

  it('starts empty with a note when the body was edited', () => {
    const file = path.join(dir, 'edited');
    const { cache } = ResultCache.open(file, 'tool-1');
    cache.set(x, entry);
    cache.save();
    writeFileSync(file, readFileSync(file, 'utf8').replace('"hash":"h"', '"hash":"H"'));
    const reopened = ResultCache.open(file, 'tool-1');
    expect(reopened.note).toMatch(/checksum does not match/);
    expect(reopened.cache.get(x)).toBeUndefined();
  });
});

it('drops the entries of files that are gone when it saves', () => {
  const file = path.join(dir, 'pruned');
  const gone = path.join(dir, 'gone.py');
  writeFileSync(gone, '');
  const { cache } = ResultCache.open(file, 'tool-1');
  cache.set(x, entry);
  cache.set(gone, { ...entry, header: { ...entry.header, path: gone } });
  rmSync(gone);
  cache.save();
  const reopened = ResultCache.open(file, 'tool-1').cache;
  expect(reopened.get(gone)).toBeUndefined();
  expect(reopened.get(x)).toEqual(entry);
});
