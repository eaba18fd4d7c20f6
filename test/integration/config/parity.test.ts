/**
 * Parity with the real thing: Python's configparser and Alembic 1.20's Config read the same
 * fixtures, and what they report must be what our readers report. The interpreter is the test
 * harness's venv with Alembic 1.20 (test/helpers/globalSetup.ts), so these tests always run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ConfigError, listRevisionFiles, loadEnvironment } from '../../../server/src/core/config';
import { readIniFile } from '../../../server/src/core/config/ini';
import { readPyproject } from '../../../server/src/core/config/pyproject';
import { asPosix } from '../../../server/src/core/config/pyText';
import { DEPRECATION, readAlembicSettings } from '../../../server/src/core/config/settings';
import { FIXTURES, makeTree } from '../../unit/config/tree';

const PYTHON = inject('alembicPython');
const DUMP = path.join(FIXTURES, 'alembic_dump.py');

function runDump(args: string[], cwd: string): unknown {
  const result = spawnSync(PYTHON, [DUMP, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (result.status !== 0) throw new Error(`alembic_dump.py failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as unknown;
}

type Dumped = string | { error: true };

/** Our reading of an ini file, in the shape alembic_dump.py prints for `ini`. */
function ourIniDump(file: string): unknown {
  let ini;
  try {
    ini = readIniFile(file, { here: asPosix(path.dirname(file)) });
  } catch (error) {
    if (error instanceof ConfigError) return { error: true, line: error.line };
    throw error;
  }
  const read = (section: string, keys: Iterable<string>): Record<string, Dumped> => {
    const values: Record<string, Dumped> = {};
    for (const key of keys) {
      try {
        values[key] = ini.get(section, key)!;
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        values[key] = { error: true };
      }
    }
    return values;
  };
  const defaults = [...ini.defaults.options.keys()];
  const sections: Record<string, Record<string, Dumped>> = { DEFAULT: read('DEFAULT', defaults) };
  for (const [name, section] of ini.sections) sections[name] = read(name, new Set([...section.options.keys(), ...defaults]));
  return { sections };
}

/** Python's answer for one setting: its value, null for None or an absent section, 'error' otherwise. */
function pythonValue(entry: { value?: unknown; error?: string }): unknown {
  if (entry.error === undefined) return entry.value ?? null;
  return entry.error === 'CommandError' ? null : 'error';
}

/** Our reading of an environment folder, in the shape of alembic_dump.py's `env` output. */
function ourEnvDump(dir: string, section: string): Record<string, unknown> {
  const iniPath = path.join(dir, 'alembic.ini');
  const tomlPath = path.join(dir, 'pyproject.toml');
  const ini = existsSync(iniPath) ? readIniFile(iniPath, { here: asPosix(dir) }) : undefined;
  const pyproject = existsSync(tomlPath) ? readPyproject(tomlPath) : undefined;
  const settings = readAlembicSettings({
    ...(ini?.hasSection(section) ? { ini } : {}),
    section,
    ...(pyproject?.alembic ? { pyproject } : {}),
  });
  const urlBroken = settings.problems.some((problem) => problem.message.includes('sqlalchemy.url'));
  return {
    script_location: settings.scriptLocation?.value ?? null,
    version_locations: settings.versionLocations?.value ?? null,
    prepend_sys_path: settings.prependSysPath?.value ?? null,
    recursive_version_locations: settings.recursiveVersionLocations,
    file_template: settings.fileTemplate,
    truncate_slug_length: settings.truncateSlugLength,
    timezone: settings.timezone ?? null,
    sqlalchemy_url: settings.sqlalchemyUrl ?? (urlBroken ? 'error' : null),
    warnings: [
      ...new Set(
        settings.problems
          .filter((problem) => problem.message.endsWith(DEPRECATION))
          .map((problem) => problem.message.slice(0, -DEPRECATION.length).split(/\s+/).join(' ')),
      ),
    ].sort(),
    revision_files: listRevisionFiles(loadEnvironment(dir, { section })).map((file) => realpathSync(file)),
  };
}

function pythonEnvDump(dir: string, section: string): Record<string, unknown> {
  const { warnings, ...settings } = runDump(['env', section], dir) as Record<string, { value?: unknown; error?: string }> & {
    warnings: string[];
  };
  const result: Record<string, unknown> = { warnings };
  for (const [key, entry] of Object.entries(settings)) result[key] = pythonValue(entry);
  // Alembic returns an empty version_locations list where it then uses the default, as we do.
  if (Array.isArray(result['version_locations']) && result['version_locations'].length === 0) result['version_locations'] = null;
  return result;
}

describe('parity with Python configparser', () => {
  const folder = path.join(FIXTURES, 'ini');
  const files = readdirSync(folder).filter((name) => name.endsWith('.ini')).sort();
  const python = runDump(['ini', ...files.map((name) => path.join(folder, name))], folder) as Record<string, unknown>;

  it.each(files)('reads %s like configparser', (name) => {
    const file = path.join(folder, name);
    expect(ourIniDump(file)).toEqual(python[file]);
  });
});

describe('parity with Alembic 1.20 Config', () => {
  const envs = path.join(FIXTURES, 'envs');

  it.each([
    ['ini-basic', 'alembic'],
    ['pyproject-only', 'alembic'],
    ['mixed', 'alembic'],
    ['named', 'alembic'],
    ['named', 'schema2'],
    ['named', 'schema3'],
    ['resource', 'alembic'],
    ['logging-only', 'alembic'],
  ])('reads %s [%s] like Alembic', (name, section) => {
    const dir = path.join(envs, name);
    expect(ourEnvDump(dir, section)).toEqual(pythonEnvDump(dir, section));
  });

  it('walks a recursive version folder like Alembic', () => {
    const rev = 'revision = "x"\n';
    const dir = makeTree({
      'alembic.ini': '[alembic]\nscript_location = m\nrecursive_version_locations = true\npath_separator = os\nprepend_sys_path = .\n',
      'm/versions/b.py': rev,
      'm/versions/a.py': rev,
      'm/versions/link.py': { link: 'm/versions/a.py' },
      'm/versions/__init__.py': '',
      'm/versions/.#lock.py': '',
      'm/versions/__pycache__/c.py': rev,
      'm/versions/sub/d.py': rev,
      'm/versions/sub/__pycache__/e.py': rev,
      'm/versions/Z/f.py': rev,
      'm/versions/linked': { link: 'other' },
      'other/g.py': rev,
    });
    expect(ourEnvDump(dir, 'alembic')).toEqual(pythonEnvDump(dir, 'alembic'));
  });

  it('reads a sqlalchemy.url that fails interpolation like Alembic', () => {
    const dir = makeTree({ 'alembic.ini': '[alembic]\nscript_location = m\nsqlalchemy.url = postgresql://u:p%40ss@h/db\n', 'm/versions/': '' });
    expect(ourEnvDump(dir, 'alembic')).toEqual(pythonEnvDump(dir, 'alembic'));
  });
});
