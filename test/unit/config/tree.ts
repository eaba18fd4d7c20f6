import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

/** A file's content, or a symbolic link to another path of the same tree. */
export type Entry = string | { link: string };

const created: string[] = [];

/**
 * Creates a temporary folder holding `files` (relative path -> content; a path ending in `/`
 * is an empty folder) and returns its real absolute path. Every tree is removed after the test.
 * Trees are for layouts a git checkout cannot hold: __pycache__ folders, symlinks, empty folders.
 */
export function makeTree(files: Record<string, Entry>): string {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-config-')));
  created.push(root);
  for (const [relative, entry] of Object.entries(files)) {
    const full = path.join(root, relative);
    if (relative.endsWith('/')) {
      mkdirSync(full, { recursive: true });
      continue;
    }
    mkdirSync(path.dirname(full), { recursive: true });
    if (typeof entry === 'string') writeFileSync(full, entry);
    else symlinkSync(path.join(root, entry.link), full);
  }
  return root;
}

afterEach(() => {
  for (const root of created.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** The fixtures of this test suite. */
export const FIXTURES = path.resolve(__dirname, '../../fixtures/config');
