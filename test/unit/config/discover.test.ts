import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../../server/src/core/config';
import { FIXTURES, makeTree, type Entry } from './tree';

const INI = '[alembic]\nscript_location = %(here)s/m\n';
const TOML = '[tool.alembic]\nscript_location = "%(here)s/m"\n';

/** `[config file relative to root, section]` for every environment found under a new tree. */
function found(files: Record<string, Entry>): string[][] {
  const root = makeTree(files);
  return discoverEnvironments(root).map((env) => [path.relative(root, env.configFile), env.section]);
}

describe('discoverEnvironments', () => {
  it.each<[string, Record<string, Entry>, string[][]]>([
    ['an alembic.ini', { 'alembic.ini': INI }, [['alembic.ini', 'alembic']]],
    ['a pyproject.toml with [tool.alembic]', { 'pyproject.toml': TOML }, [['pyproject.toml', 'alembic']]],
    ['no pyproject.toml without [tool.alembic]', { 'pyproject.toml': '[project]\nname = "x"\n' }, []],
    ['one environment for an ini and the pyproject.toml beside it', { 'alembic.ini': INI, 'pyproject.toml': TOML }, [['alembic.ini', 'alembic']]],
    [
      'the pyproject.toml when the ini beside it has no [alembic]',
      { 'alembic.ini': '[loggers]\nkeys = root\n', 'pyproject.toml': TOML },
      [['pyproject.toml', 'alembic']],
    ],
    ['no ini with only logging sections', { 'alembic.ini': '[loggers]\nkeys = root\n' }, []],
    [
      'named sections that set script_location',
      { 'alembic.ini': `${INI}[zeta]\nscript_location = z\n[beta]\nscript_location = b\n[loggers]\nkeys = root\n` },
      [
        ['alembic.ini', 'alembic'],
        ['alembic.ini', 'beta'],
        ['alembic.ini', 'zeta'],
      ],
    ],
    ['not a section that inherits script_location from DEFAULT', { 'alembic.ini': '[DEFAULT]\nscript_location = m\n[alembic]\n[loggers]\n' }, [['alembic.ini', 'alembic']]],
    [
      'several projects, sorted by config file',
      { 'b/alembic.ini': INI, 'a/pyproject.toml': TOML, 'a/sub/alembic.ini': INI },
      [
        ['a/pyproject.toml', 'alembic'],
        ['a/sub/alembic.ini', 'alembic'],
        ['b/alembic.ini', 'alembic'],
      ],
    ],
    [
      'nothing in skipped folders',
      Object.fromEntries(['.git', 'node_modules', '.venv', 'venv', 'site-packages', '__pycache__'].map((folder) => [`${folder}/alembic.ini`, INI])),
      [],
    ],
    ['nothing through symbolic links to folders', { 'real/alembic.ini': INI, 'link': { link: 'real' } }, [['real/alembic.ini', 'alembic']]],
    ['only files named alembic.ini', { 'db.ini': INI }, []],
  ])('finds %s', (_name, files, expected) => {
    expect(found(files)).toEqual(expected);
  });

  it.each<[string, Record<string, Entry>, string, RegExp]>([
    ['an unparseable ini', { 'alembic.ini': 'x = 1\n' }, 'alembic.ini', /section header/],
    ['an ini with a bad interpolation', { 'alembic.ini': '[alembic]\nscript_location = %(nope)s\n' }, 'alembic.ini', /refers to '%\(nope\)s'/],
    ['an invalid pyproject.toml meant for Alembic', { 'pyproject.toml': '[tool.alembic]\nscript_location = \n' }, 'pyproject.toml', /invalid TOML/],
    ['an invalid pyproject.toml beside an ini', { 'alembic.ini': INI, 'pyproject.toml': '[x\n' }, 'alembic.ini', /invalid TOML/],
  ])('lists %s with its error as the problem', (_name, files, configFile, message) => {
    const root = makeTree(files);
    const [env, ...others] = discoverEnvironments(root);
    expect(others).toEqual([]);
    expect([env?.configFile, env?.scriptLocation, env?.problems.map((problem) => problem.message)]).toEqual([
      path.join(root, configFile),
      undefined,
      [expect.stringMatching(message)],
    ]);
  });

  it('ignores an invalid pyproject.toml that does not configure Alembic', () => {
    expect(found({ 'pyproject.toml': '[project\n' })).toEqual([]);
  });

  it('finds every fixture project', () => {
    const envs = discoverEnvironments(path.join(FIXTURES, 'envs'));
    expect(envs.map((env) => `${path.relative(FIXTURES, env.configFile)} [${env.section}]`)).toEqual([
      'envs/ini-basic/alembic.ini [alembic]',
      'envs/logging-only/pyproject.toml [alembic]',
      'envs/mixed/alembic.ini [alembic]',
      'envs/named/alembic.ini [alembic]',
      'envs/named/alembic.ini [schema2]',
      'envs/named/alembic.ini [schema3]',
      'envs/pyproject-only/pyproject.toml [alembic]',
      'envs/resource/alembic.ini [alembic]',
    ]);
  });
});
