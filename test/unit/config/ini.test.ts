import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../server/src/core/config/errors';
import { parseIni } from '../../../server/src/core/config/ini';

const FILE = '/project/alembic.ini';
const HERE = { here: '/project' };

/** Reads one option of `[alembic]` from a one-file ini text. */
function valueOf(text: string, key: string, section = 'alembic'): string | undefined {
  return parseIni(text, FILE, HERE).get(section, key);
}

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseIni values', () => {
  it.each([
    ['%(here)s is the default Alembic passes', '[alembic]\nx = %(here)s/migrations\n', 'x', '/project/migrations'],
    ['%% is a literal percent sign', '[alembic]\nx = %%(rev)s_%%(slug)s\n', 'x', '%(rev)s_%(slug)s'],
    ['DEFAULT options are visible in every section', '[DEFAULT]\nbase = b\n[alembic]\nx = %(base)s/y\n', 'x', 'b/y'],
    ['a section option shadows DEFAULT in references', '[DEFAULT]\nv = d\nx = %(v)s\n[alembic]\nv = s\n', 'x', 's'],
    ['references nest', '[alembic]\na = 1\nb = %(a)s2\nx = %(b)s3\n', 'x', '123'],
    ['reference names are case-insensitive', '[alembic]\nBase = b\nx = %(BASE)s\n', 'x', 'b'],
    ['keys are lower-cased', '[alembic]\nScript_Location = s\n', 'script_location', 's'],
    ['a colon delimits too', '[alembic]\nx: y\n', 'x', 'y'],
    ['the first delimiter splits', '[alembic]\nx = a = b : c\n', 'x', 'a = b : c'],
    ['inline comments are kept', '[alembic]\nx = a ; b # c\n', 'x', 'a ; b # c'],
    ['values and keys are stripped', '[alembic]\n  x   =   y  \n', 'x', 'y'],
    ['an empty value is empty', '[alembic]\nx =\n', 'x', ''],
    ['indented lines continue a value', '[alembic]\nx = a\n  b\n\tc\n', 'x', 'a\nb\nc'],
    ['blank lines inside a value are kept', '[alembic]\nx = a\n\n  b\n', 'x', 'a\n\nb'],
    ['trailing blank lines are dropped', '[alembic]\nx = a\n\n\ny = b\n', 'x', 'a'],
    ['comment lines inside a value are skipped', '[alembic]\nx = a\n  # c\n  b\n', 'x', 'a\nb'],
    ['CRLF line ends', '[alembic]\r\nx = a\r\n  b\r\n', 'x', 'a\nb'],
    ['text after a header is ignored', '[alembic] trailing\nx = y\n', 'x', 'y'],
    ['a repeated DEFAULT section is merged', '[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n[alembic]\nx = %(a)s%(b)s\n', 'x', '12'],
  ])('%s', (_name, text, key, expected) => {
    expect(valueOf(text, key)).toBe(expected);
  });

  it('reads lines with long runs of spaces in linear time (found by fuzzing)', () => {
    // Python's OPTCRE and a `[spaces]+$` rstrip both backtrack over a run of spaces that is not
    // at the end of the line: 100,000 spaces took half a minute, 40,000 take seconds.
    const spaces = ' '.repeat(40_000);
    expect(valueOf(`[alembic]\nx${spaces}=${spaces}a${spaces}b${spaces}\n`, 'x')).toBe(`a${spaces}b`);
    expect(errorOf(() => parseIni(`[alembic]\n${spaces}x${spaces}y\n`, FILE, HERE)).line).toBe(2);
  }, 10_000);

  it('returns undefined for a missing option', () => {
    expect(valueOf('[alembic]\n', 'script_location')).toBeUndefined();
  });

  it('counts DEFAULT options in hasOption but not DEFAULT in hasSection', () => {
    const ini = parseIni('[DEFAULT]\na = 1\n[alembic]\n', FILE, HERE);
    expect([ini.hasOption('alembic', 'a'), ini.hasSection('DEFAULT')]).toEqual([true, false]);
  });

  it('records the line of each option', () => {
    const ini = parseIni('# c\n[alembic]\n\nx = 1\ny = 2\n', FILE);
    expect([ini.option('alembic', 'x')?.line, ini.option('alembic', 'y')?.line]).toEqual([4, 5]);
  });

  it('keeps the sections in file order', () => {
    expect([...parseIni('[b]\n[a]\n[c]\n', FILE).sections.keys()]).toEqual(['b', 'a', 'c']);
  });
});

describe('parseIni errors', () => {
  it.each([
    ['an option before any section', 'x = 1\n[alembic]\n', 1, /section header/],
    ['a duplicate section', '[alembic]\n[other]\n[alembic]\n', 3, /section \[alembic\] appears twice/],
    ['a duplicate option, case-insensitively', '[alembic]\nKey = 1\nkey = 2\n', 3, /option 'key' appears twice/],
    ['a line without delimiter', '[alembic]\nx = 1\nnot an option\n', 3, /neither a \[section\] header/],
    ['a byte-order mark', '\ufeff[alembic]\n', 1, /byte-order mark/],
  ])('rejects %s', (_name, text, line, message) => {
    const error = errorOf(() => parseIni(text, FILE));
    expect({ line: error.line, file: error.file }).toEqual({ line, file: FILE });
    expect(error.message).toMatch(message);
  });

  it('names every bad line of a parsing error', () => {
    expect(errorOf(() => parseIni('[a]\nbad one\nx = 1\nbad two\n', FILE)).message).toContain('also lines 4');
  });

  it('starts messages with file and line', () => {
    expect(errorOf(() => parseIni('[a]\n[a]\n', FILE)).message).toMatch(/^\/project\/alembic\.ini:2: /);
  });
});

describe('interpolation errors', () => {
  it.each([
    ['a lone percent sign', 'x = 50%', /'%' must be followed by '%' or '\('/],
    ['an unknown reference', 'x = %(nope)s', /refers to '%\(nope\)s'/],
    ['an unclosed reference', 'x = %(open', /must have the form %\(name\)s/],
    ['a reference to itself', 'x = %(x)s', /nest deeper than 10 levels/],
  ])('rejects %s at the line of the option', (_name, line, message) => {
    const error = errorOf(() => valueOf(`[alembic]\n${line}\n`, 'x'));
    expect(error.line).toBe(2);
    expect(error.message).toMatch(message);
  });

  it('is lazy: a bad value elsewhere does not matter', () => {
    expect(valueOf('[alembic]\nx = 1\n[formatter]\nformat = %(levelname)s\n', 'x')).toBe('1');
  });

  it('never quotes the value, which may be a password', () => {
    expect(errorOf(() => valueOf('[alembic]\nx = postgresql://u:s3cr%et@h/db\n', 'x')).message).not.toContain('s3cr');
  });
});
