import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/sampleProject';

/**
 * The bundles as esbuild.mjs builds them (globalSetup rebuilds dist/): SQLite's WASM build is a
 * file of its own that the client and the CLI require only when they read a SQLite database,
 * so activation never parses it; the language server has no trace of it.
 */

const dist = (file: string): string => readFileSync(path.join(REPO_ROOT, 'dist', file), 'utf8');

describe('SQLite’s WASM build in dist/', () => {
  it('is dist/sqlite3.js with its .wasm, kept out of the client, the CLI and the server', () => {
    expect(existsSync(path.join(REPO_ROOT, 'dist', 'sqlite3.wasm'))).toBe(true);
    expect(dist('sqlite3.js')).toContain('sqlite3InitModule');
    for (const bundle of ['client.js', 'cli.js']) {
      const text = dist(bundle);
      expect(text.includes('sqlite3InitModule'), bundle).toBe(false);
      // One require, made when the first SQLite database is read (inside a promise, not at load).
      expect(text.match(/require\("\.\/sqlite3\.js"\)/g), bundle).toHaveLength(1);
      expect(text, bundle).toMatch(/Promise\.resolve\(\)\.then\(\(\) => __toESM\(require\("\.\/sqlite3\.js"\)\)\)/);
    }
    expect(dist('server.js').includes('sqlite3')).toBe(false);
  });
});
