import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../server/src/core/config/errors';
import { parseIni } from '../../../server/src/core/config/ini';
import { parsePyproject } from '../../../server/src/core/config/pyproject';
import { DEPRECATION, readAlembicSettings, type AlembicSettings } from '../../../server/src/core/config/settings';

const HERE = '/project';

/** The settings Alembic would read from these texts, as if both files were in /project. */
function settingsOf(ini: string | undefined, toml: string | undefined, section = 'alembic'): AlembicSettings {
  const iniFile = ini === undefined ? undefined : parseIni(ini, `${HERE}/alembic.ini`, { here: HERE });
  const pyproject = toml === undefined ? undefined : parsePyproject(toml, `${HERE}/pyproject.toml`);
  return readAlembicSettings({
    ...(iniFile?.hasSection(section) ? { ini: iniFile } : {}),
    section,
    ...(pyproject?.alembic ? { pyproject } : {}),
  });
}

const messages = (settings: AlembicSettings): string[] => settings.problems.map((problem) => problem.message);

describe('ini and pyproject precedence (Config.get_alembic_option)', () => {
  it.each([
    ['the ini wins', '[alembic]\nscript_location = a\n', '[tool.alembic]\nscript_location = "b"\n', 'a'],
    ['pyproject fills a key the ini lacks', '[alembic]\n', '[tool.alembic]\nscript_location = "b"\n', 'b'],
    ['an empty ini value still wins', '[alembic]\nscript_location =\n', '[tool.alembic]\nscript_location = "b"\n', ''],
    ['a DEFAULT option counts as the ini', '[DEFAULT]\nscript_location = d\n[alembic]\n', '[tool.alembic]\nscript_location = "b"\n', 'd'],
    ['-n selects only the ini section', '[alembic]\nscript_location = a\n[two]\n', '[tool.alembic]\nscript_location = "b"\n', 'b', 'two'],
    ['%(here)s in TOML is the pyproject folder', undefined, '[tool.alembic]\nscript_location = "%(here)s/m"\n', '/project/m'],
  ])('%s', (_name, ini, toml, expected, section = 'alembic') => {
    expect(settingsOf(ini, toml, section).scriptLocation?.value).toBe(expected);
  });

  it('falls through to TOML for an empty ini version_locations', () => {
    const settings = settingsOf('[alembic]\nversion_locations =\n', '[tool.alembic]\nversion_locations = ["v"]\n');
    expect(settings.versionLocations?.value).toEqual(['v']);
  });

  it('reads sqlalchemy.url from the ini only', () => {
    expect(settingsOf('[alembic]\n', '[tool.alembic]\n"sqlalchemy.url" = "x"\n').sqlalchemyUrl).toBeUndefined();
  });
});

describe('path lists (get_version_locations_list, get_prepend_sys_paths_list)', () => {
  it.each([
    ['path_separator = os', `path_separator = os\nversion_locations = a${path.delimiter}b`, ['a', 'b']],
    ['path_separator = space', 'path_separator = space\nversion_locations = a  b', ['a', 'b']],
    ['path_separator = newline', 'path_separator = newline\nversion_locations =\n  a\n  b', ['a', 'b']],
    ['strip after splitting, skip only empty parts', 'path_separator = :\nversion_locations = a: :b::c', ['a', '', 'b', 'c']],
    ['the legacy split on spaces and commas', 'version_locations = a, b c ,d', ['a', 'b', 'c', '', 'd']],
    ['version_path_separator when path_separator is absent', 'version_path_separator = ;\nversion_locations = a;b', ['a', 'b']],
    ['path_separator over version_path_separator', 'path_separator = ;\nversion_path_separator = :\nversion_locations = a;b:c', ['a', 'b:c']],
  ])('version_locations with %s', (_name, body, expected) => {
    expect(settingsOf(`[alembic]\n${body}\n`, undefined).versionLocations?.value).toEqual(expected);
  });

  it.each([
    ['the legacy split also on colons', 'prepend_sys_path = a:b, c', ['a', 'b', 'c']],
    ['path_separator, not version_path_separator', 'version_path_separator = ;\nprepend_sys_path = a;b:c', ['a;b', 'c']],
    ['path_separator = ;', 'path_separator = ;\nprepend_sys_path = a:b;c', ['a:b', 'c']],
  ])('prepend_sys_path with %s', (_name, body, expected) => {
    expect(settingsOf(`[alembic]\n${body}\n`, undefined).prependSysPath?.value).toEqual(expected);
  });

  it.each([
    ['no separator, version_locations', 'version_locations = a', /No path_separator found.*spaces\/commas for version_locations/],
    ['no separator, prepend_sys_path', 'prepend_sys_path = a', /spaces, commas, and colons for prepend_sys_path/],
    ['version_path_separator', 'version_path_separator = ;\nversion_locations = a', /version_path_separator configuration parameter is deprecated/],
  ])('reports Alembic’s deprecation warning for %s', (_name, body, message) => {
    const problems = messages(settingsOf(`[alembic]\n${body}\n`, undefined));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
    expect(problems[0]!.endsWith(DEPRECATION)).toBe(true);
  });

  it('warns about nothing when path_separator is set', () => {
    expect(settingsOf('[alembic]\npath_separator = os\nversion_locations = a\nprepend_sys_path = .\n', undefined).problems).toEqual([]);
  });

  it.each(['comma', 'constructor', 'toString'])('reports the invalid path_separator %s and splits the legacy way', (value) => {
    const settings = settingsOf(`[alembic]\npath_separator = ${value}\nversion_locations = a,b\n`, undefined);
    expect(settings.versionLocations?.value).toEqual(['a', 'b']);
    expect(messages(settings)).toEqual([expect.stringMatching(new RegExp(`'${value}' is not a valid value for path_separator`))]);
  });

  it('treats an empty result as absent, so the default applies', () => {
    expect(settingsOf('[alembic]\npath_separator = ;\nversion_locations = ;\n', undefined).versionLocations).toBeUndefined();
  });

  it('formats each TOML item', () => {
    expect(settingsOf(undefined, '[tool.alembic]\nprepend_sys_path = ["%(here)s/src", "."]\n').prependSysPath?.value).toEqual(['/project/src', '.']);
  });

  it('takes a TOML string as one path and says Alembic would not', () => {
    const settings = settingsOf(undefined, '[tool.alembic]\nversion_locations = "v"\n');
    expect(settings.versionLocations?.value).toEqual(['v']);
    expect(messages(settings)).toEqual([expect.stringMatching(/must be a list of strings/)]);
  });
});

describe('scalar settings', () => {
  it.each([
    ['default file_template', '[alembic]\n', undefined, { fileTemplate: '%(rev)s_%(slug)s' }],
    ['ini file_template after interpolation', '[alembic]\nfile_template = %%(rev)s\n', undefined, { fileTemplate: '%(rev)s' }],
    ['TOML file_template after formatting', undefined, '[tool.alembic]\nfile_template = "%%(rev)s"\n', { fileTemplate: '%(rev)s' }],
    ['truncate_slug_length from the ini', '[alembic]\ntruncate_slug_length = 1_0\n', undefined, { truncateSlugLength: 10 }],
    ['truncate_slug_length 0 means 40', '[alembic]\ntruncate_slug_length = 0\n', undefined, { truncateSlugLength: 40 }],
    ['truncate_slug_length from TOML', undefined, '[tool.alembic]\ntruncate_slug_length = 12\n', { truncateSlugLength: 12 }],
    ['recursive only for exactly "true" in the ini', '[alembic]\nrecursive_version_locations = True\n', undefined, { recursiveVersionLocations: false }],
    ['recursive "true" in the ini', '[alembic]\nrecursive_version_locations = true\n', undefined, { recursiveVersionLocations: true }],
    ['recursive from a TOML boolean', undefined, '[tool.alembic]\nrecursive_version_locations = true\n', { recursiveVersionLocations: true }],
    ['timezone from TOML', undefined, '[tool.alembic]\ntimezone = "UTC"\n', { timezone: 'UTC' }],
    ['sqlalchemy.url interpolated', '[alembic]\nsqlalchemy.url = sqlite:///%(here)s/db\n', undefined, { sqlalchemyUrl: 'sqlite:////project/db' }],
    ['sourceless', '[alembic]\nsourceless = true\n', undefined, { sourceless: true }],
  ])('%s', (_name, ini, toml, expected) => {
    expect(settingsOf(ini, toml)).toMatchObject(expected);
  });

  it.each([
    ['a non-integer truncate_slug_length', '[alembic]\ntruncate_slug_length = ten\n', undefined, /whole number/, { truncateSlugLength: 40 }],
    ['a float truncate_slug_length', undefined, '[tool.alembic]\ntruncate_slug_length = 1.5\n', /whole number/, { truncateSlugLength: 40 }],
    ['a non-boolean TOML recursive', undefined, '[tool.alembic]\nrecursive_version_locations = "true"\n', /must be true or false/, { recursiveVersionLocations: false }],
    ['a non-string TOML script_location', undefined, '[tool.alembic]\nscript_location = ["a"]\n', /must be a string/, {}],
  ])('reports %s', (_name, ini, toml, message, expected) => {
    const settings = settingsOf(ini, toml);
    expect(messages(settings)).toEqual([expect.stringMatching(message)]);
    expect(settings).toMatchObject(expected);
  });

  it('points TOML problems at the line of the key', () => {
    expect(settingsOf(undefined, '[tool.alembic]\n\ntruncate_slug_length = 1.5\n').problems[0]?.line).toBe(3);
  });

  it('reports a broken sqlalchemy.url without quoting it', () => {
    const settings = settingsOf('[alembic]\nsqlalchemy.url = postgresql://u:s3cr%40t@h/db\n', undefined);
    expect(settings.sqlalchemyUrl).toBeUndefined();
    expect(messages(settings)).toEqual([expect.stringMatching(/sqlalchemy\.url.*%%40/)]);
    expect(messages(settings)[0]).not.toContain('s3cr');
  });

  it.each([
    ['an ini interpolation error', '[alembic]\nscript_location = %(nope)s\n', undefined, 2],
    ['a TOML formatting error', undefined, '[tool.alembic]\nfile_template = "%(rev)s"\n', 2],
  ])('throws on %s in a key Alembic reads', (_name, ini, toml, line) => {
    expect(() => settingsOf(ini, toml)).toThrow(ConfigError);
    try {
      settingsOf(ini, toml);
    } catch (error) {
      expect((error as ConfigError).line).toBe(line);
    }
  });
});
