/**
 * The revision files Alembic 1.20 reads: `ScriptDirectory._load_revisions` walks each version
 * location with `Script._list_py_dir` and keeps the names `_only_source_rev_file` accepts.
 */
import { readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import type { AlembicEnvironment } from './environment';
import { compareCodePoints } from './pyText';

/**
 * `script/base.py` `_only_source_rev_file`, used with `re.match`: a name ending in `.py` that
 * does not start with `.#` (an Emacs lock file) or `__init__`. Python's `.` stops at a newline
 * and its `$` also matches before a final newline, which the classes below reproduce.
 */
const REVISION_FILE = /^(?!\.#|__init__)[^\n]*\.py\n?$/;

/** Whether Alembic would try to load a file of this name as a revision. */
export function isRevisionFileName(name: string): boolean {
  return REVISION_FILE.test(name);
}

/**
 * The revision files of an environment, as absolute paths in the order Alembic loads them:
 * version locations in configuration order; within one, a top-down walk where each folder's
 * files come in Python's sorted order before its subfolders, which are also sorted. Subfolders
 * are walked only with recursive_version_locations, and files of folders whose name ends in
 * `__pycache__` are skipped, as in `_list_py_dir`. A file reached twice (the same real path
 * through two locations) is listed once, at its first place, as Alembic ignores the second.
 * Missing locations are skipped here; loadEnvironment reports them as problems.
 *
 * `.pyc` files are never listed, even with `sourceless = true` (loadEnvironment reports that).
 */
export function listRevisionFiles(env: AlembicEnvironment): string[] {
  const files: string[] = [];
  const seen = new Set<string>();
  for (const location of env.versionLocations) {
    for (const { file, real } of walk(location, env.recursiveVersionLocations)) {
      if (seen.has(real)) continue;
      seen.add(real);
      files.push(file);
    }
  }
  return files;
}

function realpathOrUndefined(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

function readFolder(folder: string): Dirent[] {
  try {
    return readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
}

/**
 * `os.walk(top)` with Python's default `followlinks=False`: a symbolic link to a folder is not
 * entered, and every entry that is not a folder (after following links) counts as a file.
 * Broken links are left out here, since Alembic could not load them either.
 */
function walk(top: string, recursive: boolean): { file: string; real: string }[] {
  const result: { file: string; real: string }[] = [];
  const visit = (folder: string): void => {
    const files: string[] = [];
    const folders: string[] = [];
    const symlinks = new Set<string>();
    const loops = new Set<string>();
    // `folder` is absolute and normalized, so joining is concatenating; path.join normalizes
    // every result again, which costs more than the listing itself on ten thousand files.
    const prefix = folder.endsWith(path.sep) ? folder : folder + path.sep;
    for (const entry of readFolder(folder)) {
      const link = entry.isSymbolicLink();
      const stat = link ? linkTarget(prefix + entry.name) : entry;
      if (!stat) continue;
      if (link) symlinks.add(entry.name);
      if (stat === LOOP) {
        // Python's scandir calls an entry it cannot stat a file. Listed, a looping revision
        // file is reported as unreadable where Alembic fails on it, rather than vanishing.
        loops.add(entry.name);
        files.push(entry.name);
      } else if (stat.isDirectory()) {
        if (!link) folders.push(entry.name);
      } else {
        files.push(entry.name);
      }
    }
    if (!path.basename(folder).endsWith('__pycache__')) {
      // Resolving the folder once, and only symbolic links one by one, keeps a listing of
      // thousands of files from costing thousands of realpath calls.
      const realFolder = realpathOrUndefined(folder) ?? folder;
      const realPrefix = realFolder.endsWith(path.sep) ? realFolder : realFolder + path.sep;
      for (const name of files.sort(compareCodePoints)) {
        if (!isRevisionFileName(name)) continue;
        const file = prefix + name;
        const real = loops.has(name) ? file : symlinks.has(name) ? realpathOrUndefined(file) : realPrefix + name;
        if (real !== undefined) result.push({ file, real });
      }
    }
    if (!recursive) return;
    for (const name of folders.sort(compareCodePoints)) visit(prefix + name);
  };
  const stat = linkTarget(top);
  if (stat !== LOOP && stat?.isDirectory()) visit(path.resolve(top));
  return result;
}

/** A symbolic link that leads back to itself, which no stat can follow (ELOOP). */
const LOOP = Symbol('symlink loop');

/**
 * What a path leads to after following links: undefined when nothing is there (a broken link)
 * or it cannot be read, LOOP for a link that loops.
 */
function linkTarget(file: string): Stats | typeof LOOP | undefined {
  try {
    return statSync(file, { throwIfNoEntry: false });
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ELOOP' ? LOOP : undefined;
  }
}
