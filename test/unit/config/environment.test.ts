import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnvironment, type AlembicEnvironment } from '../../../server/src/core/config';
import { FIXTURES, makeTree } from './tree';

const ENVS = path.join(FIXTURES, 'envs');

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const problemsOf = (env: AlembicEnvironment): string[] => env.problems.map((problem) => problem.message);

describe('loadEnvironment on the fixture projects', () => {
  it('reads an alembic.ini, resolving paths against its folder', () => {
    const here = path.join(ENVS, 'ini-basic');
    expect(loadEnvironment(path.join(here, 'alembic.ini'))).toEqual({
      configFile: path.join(here, 'alembic.ini'),
      iniFile: path.join(here, 'alembic.ini'),
      section: 'alembic',
      here,
      scriptLocation: path.join(here, 'migrations'),
      versionLocations: [path.join(here, 'migrations', 'versions')],
      recursiveVersionLocations: false,
      fileTemplate: '%(rev)s_%(slug)s',
      truncateSlugLength: 30,
      timezone: 'UTC',
      sqlalchemyUrl: 'postgresql://app:p%40ss@localhost/app',
      prependSysPath: [here],
      problems: [],
    });
  });

  it('takes a folder as the environment of the config file in it', () => {
    const here = path.join(ENVS, 'ini-basic');
    expect(loadEnvironment(here)).toEqual(loadEnvironment(path.join(here, 'alembic.ini')));
  });

  it('reads a pyproject.toml alone', () => {
    const here = path.join(ENVS, 'pyproject-only');
    expect(loadEnvironment(path.join(here, 'pyproject.toml'))).toMatchObject({
      configFile: path.join(here, 'pyproject.toml'),
      pyprojectFile: path.join(here, 'pyproject.toml'),
      scriptLocation: path.join(here, 'alembic'),
      versionLocations: [path.join(here, 'alembic', 'versions'), path.join(here, 'extra')],
      recursiveVersionLocations: true,
      fileTemplate: '%(year)d_%(rev)s_%(slug)s',
      truncateSlugLength: 12,
      prependSysPath: [here],
      problems: [],
    });
  });

  it('combines an ini section with [tool.alembic] beside it', () => {
    const here = path.join(ENVS, 'mixed');
    expect(loadEnvironment(here)).toMatchObject({
      configFile: path.join(here, 'alembic.ini'),
      iniFile: path.join(here, 'alembic.ini'),
      pyprojectFile: path.join(here, 'pyproject.toml'),
      scriptLocation: path.join(here, 'migrations'),
      versionLocations: [path.join(here, 'migrations', 'versions'), path.join(here, 'more')],
      fileTemplate: '%(rev)s_from_ini',
      timezone: 'Europe/Berlin',
      sqlalchemyUrl: `sqlite:///${here}/app.db`,
    });
  });

  it('prefers the ini when given the pyproject.toml beside it', () => {
    const here = path.join(ENVS, 'mixed');
    expect(loadEnvironment(path.join(here, 'pyproject.toml')).configFile).toBe(path.join(here, 'alembic.ini'));
  });

  it.each([
    ['alembic', ['main/versions'], false],
    ['schema2', ['second/versions', 'shared'], false],
    ['schema3', ['third/versions', 'shared'], false],
  ])('reads the named section [%s]', (section, versions, recursive) => {
    const here = path.join(ENVS, 'named');
    const env = loadEnvironment(path.join(here, 'alembic.ini'), { section });
    expect([env.section, env.versionLocations, env.recursiveVersionLocations]).toEqual([
      section,
      versions.map((folder) => path.join(here, folder)),
      recursive,
    ]);
  });

  it('resolves a package resource through prepend_sys_path', () => {
    const here = path.join(ENVS, 'resource');
    expect(loadEnvironment(here).scriptLocation).toBe(path.join(here, 'src', 'myapp', 'migrations'));
  });

  it('uses [tool.alembic] when the ini beside it has no [alembic] section', () => {
    const here = path.join(ENVS, 'logging-only');
    const env = loadEnvironment(here);
    expect([env.configFile, env.iniFile, env.scriptLocation]).toEqual([path.join(here, 'pyproject.toml'), undefined, path.join(here, 'alembic')]);
    expect(problemsOf(env)).toEqual([expect.stringMatching(/has no \[alembic\] section.*get_main_option/)]);
  });
});

describe('loadEnvironment errors', () => {
  it.each([
    ['a missing file', {}, 'nope.ini', /cannot read the file \(ENOENT\)/],
    ['a folder without config', { 'x.txt': '' }, '.', /no alembic.ini or pyproject.toml/],
    ['a missing section', { 'alembic.ini': '[two]\nscript_location = x\n' }, 'alembic.ini', /no \[alembic\] section; sections with script_location: \[two\]/],
    ['a pyproject.toml without [tool.alembic]', { 'pyproject.toml': '[project]\n' }, 'pyproject.toml', /no \[tool.alembic\] table/],
    ['an invalid pyproject.toml beside the ini', { 'alembic.ini': '[alembic]\n', 'pyproject.toml': '[x\n' }, 'alembic.ini', /invalid TOML/],
  ])('throws for %s', (_name, files, target, message) => {
    const root = makeTree(files);
    expect(errorOf(() => loadEnvironment(path.join(root, target))).message).toMatch(message);
  });

  it('throws for a named section that neither file has', () => {
    const root = makeTree({ 'alembic.ini': '[alembic]\nscript_location = m\n' });
    expect(errorOf(() => loadEnvironment(root, { section: 'other' })).message).toMatch(/no \[other\] section/);
  });

  it('reads an ini of any name, like alembic -c', () => {
    const root = makeTree({ 'db.ini': '[alembic]\nscript_location = m\n', 'm/versions/': '' });
    expect(loadEnvironment(path.join(root, 'db.ini')).scriptLocation).toBe(path.join(root, 'm'));
  });
});

describe('loadEnvironment problems', () => {
  it.each([
    ['no script_location', { 'alembic.ini': '\n[alembic]\n' }, /No 'script_location' key found/, 2],
    ['a missing script folder', { 'alembic.ini': '[alembic]\nscript_location = m\n' }, /script_location folder .* does not exist/, 2],
    ['a missing versions folder', { 'alembic.ini': '[alembic]\nscript_location = m\n', 'm/env.py': '' }, /versions folder .* does not exist/, undefined],
    [
      'a missing version location',
      { 'alembic.ini': '[alembic]\nscript_location = m\npath_separator = os\nversion_locations = v\n', 'm/': '' },
      /version location .* does not exist/,
      4,
    ],
    ['an unknown package', { 'alembic.ini': '[alembic]\nscript_location = nopkg:migrations\n' }, /package 'nopkg', which was not found because prepend_sys_path is not set/, 2],
    ['sourceless', { 'alembic.ini': '[alembic]\nscript_location = m\nsourceless = true\n', 'm/versions/': '' }, /sourceless is true/, undefined],
    // Paths no system call can stat, which made loadEnvironment throw; Python's os.path.isdir answers False.
    ['a script folder under a file', { 'alembic.ini': '[alembic]\nscript_location = alembic.ini/m\n' }, /script_location folder .* does not exist/, 2],
    ['a NUL byte in script_location', { 'alembic.ini': '[alembic]\nscript_location = m\0x\n' }, /script_location folder .* does not exist/, 2],
    ['a script folder name too long', { 'alembic.ini': `[alembic]\nscript_location = ${'m'.repeat(5000)}\n` }, /script_location folder .* does not exist/, 2],
  ])('reports %s', (_name, files, message, line) => {
    const env = loadEnvironment(makeTree(files));
    expect(env.problems.map((problem) => ({ message: problem.message, line: problem.line }))).toEqual([
      { message: expect.stringMatching(message), line },
    ]);
  });

  it('leaves scriptLocation unset when a package cannot be found', () => {
    const env = loadEnvironment(makeTree({ 'alembic.ini': '[alembic]\nscript_location = nopkg:migrations\n' }));
    expect([env.scriptLocation, env.versionLocations]).toEqual([undefined, []]);
  });

  it('reports a named section that only pyproject.toml can serve', () => {
    const root = makeTree({ 'alembic.ini': '[alembic]\n', 'pyproject.toml': '[tool.alembic]\nscript_location = "m"\n', 'm/versions/': '' });
    expect(problemsOf(loadEnvironment(root, { section: 'two' }))).toEqual([expect.stringMatching(/has no \[two\] section/)]);
  });
});
