import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRevisionFileName, listRevisionFiles, loadEnvironment, type AlembicEnvironment } from '../../../server/src/core/config';
import { FIXTURES, makeTree, type Entry } from './tree';

const REV = 'revision = "x"\n';

/** An environment reading `locations` (relative to root) with the given recursion. */
function envFor(root: string, locations: string[], recursive = false): AlembicEnvironment {
  return {
    configFile: path.join(root, 'alembic.ini'),
    section: 'alembic',
    here: root,
    versionLocations: locations.map((location) => path.join(root, location)),
    recursiveVersionLocations: recursive,
    fileTemplate: '%(rev)s_%(slug)s',
    truncateSlugLength: 40,
    prependSysPath: [],
    problems: [],
  };
}

function listed(files: Record<string, Entry>, locations: string[], recursive = false): string[] {
  const root = makeTree(files);
  return listRevisionFiles(envFor(root, locations, recursive)).map((file) => path.relative(root, file));
}

describe('isRevisionFileName (_only_source_rev_file)', () => {
  it.each([
    ['a1_first.py', true],
    ['.hidden.py', true],
    ['x.py.py', true],
    ['__init__.py', false],
    ['__init__x.py', false],
    ['.#a1_first.py', false],
    ['a1.pyc', false],
    ['a1.pyi', false],
    ['a1.PY', false],
    ['README', false],
  ])('%s -> %s', (name, expected) => {
    expect(isRevisionFileName(name)).toBe(expected);
  });
});

describe('listRevisionFiles', () => {
  it('lists the .py files of a version folder in sorted order', () => {
    expect(listed({ 'v/b.py': REV, 'v/a.py': REV, 'v/__init__.py': '', 'v/.#a.py': '', 'v/notes.txt': '' }, ['v'])).toEqual(['v/a.py', 'v/b.py']);
  });

  it('does not enter subfolders unless recursive', () => {
    expect(listed({ 'v/a.py': REV, 'v/sub/b.py': REV }, ['v'])).toEqual(['v/a.py']);
  });

  it('walks top-down with sorted subfolders when recursive', () => {
    const files = { 'v/z.py': REV, 'v/b/x.py': REV, 'v/a/y.py': REV, 'v/a/deep/w.py': REV };
    expect(listed(files, ['v'], true)).toEqual(['v/z.py', 'v/a/y.py', 'v/a/deep/w.py', 'v/b/x.py']);
  });

  it('skips the files of __pycache__ folders and .pyc files', () => {
    expect(listed({ 'v/a.py': REV, 'v/__pycache__/b.py': REV, 'v/__pycache__/a.cpython-311.pyc': '' }, ['v'], true)).toEqual(['v/a.py']);
  });

  it('keeps the order of the version locations', () => {
    expect(listed({ 'one/b.py': REV, 'two/a.py': REV }, ['two', 'one'])).toEqual(['two/a.py', 'one/b.py']);
  });

  it('lists a file reached through two locations once', () => {
    expect(listed({ 'v/a.py': REV, 'w/': '' }, ['v', 'v'])).toEqual(['v/a.py']);
  });

  it('lists a file that is also reached through a symbolic link once', () => {
    expect(listed({ 'v/a.py': REV, 'w/link.py': { link: 'v/a.py' } }, ['v', 'w'])).toEqual(['v/a.py']);
  });

  it('does not follow symbolic links to folders', () => {
    expect(listed({ 'v/a.py': REV, 'other/b.py': REV, 'v/linked': { link: 'other' } }, ['v'], true)).toEqual(['v/a.py']);
  });

  it('lists a revision file that is a symbolic link loop, so reading it reports the loop', () => {
    expect(listed({ 'v/a.py': REV, 'v/loop.py': { link: 'v/loop.py' } }, ['v'], true)).toEqual(['v/a.py', 'v/loop.py']);
  });

  it('survives symbolic link loops that are not revision files, and a location that is one', () => {
    const files = { 'v/a.py': REV, 'v/loop': { link: 'v/loop' }, 'v/sub/up': { link: 'v' }, 'w': { link: 'w' } };
    expect(listed(files, ['v', 'w'], true)).toEqual(['v/a.py']);
  });

  it('skips missing locations', () => {
    expect(listed({ 'v/a.py': REV }, ['missing', 'v'])).toEqual(['v/a.py']);
  });

  it('sorts by code point as Python does', () => {
    expect(listed({ 'v/\u{1F600}.py': REV, 'v/\uFF41.py': REV, 'v/B.py': REV, 'v/a.py': REV }, ['v'])).toEqual([
      'v/B.py',
      'v/a.py',
      'v/\uFF41.py',
      'v/\u{1F600}.py',
    ]);
  });

  it('returns absolute paths for a fixture project', () => {
    const here = path.join(FIXTURES, 'envs', 'ini-basic');
    expect(listRevisionFiles(loadEnvironment(here))).toEqual([
      path.join(here, 'migrations', 'versions', 'a1_first.py'),
      path.join(here, 'migrations', 'versions', 'b2_second.py'),
    ]);
  });
});
