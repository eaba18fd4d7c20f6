import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../server/src/core/config/errors';
import { formatPercent, keyLine, parsePyproject, PercentFormatError } from '../../../server/src/core/config/pyproject';

const FILE = '/project/pyproject.toml';
const ARGS = { here: '/project' };

describe('formatPercent (Python str % dict)', () => {
  it.each([
    ['plain text', 'migrations', 'migrations'],
    ['%(here)s', '%(here)s/migrations', '/project/migrations'],
    ['%%', '%%(rev)s_%%(slug)s', '%(rev)s_%(slug)s'],
    ['width', '[%(here)10s]', '[  /project]'],
    ['left alignment', '[%(here)-10s]', '[/project  ]'],
    ['precision', '%(here).4s', '/pro'],
  ])('formats %s', (_name, template, expected) => {
    expect(formatPercent(template, ARGS)).toBe(expected);
  });

  it.each([
    ['an unknown name', '%(rev)s', /unknown name/],
    ['a lone percent sign', '50%', /must be followed by/],
    ['a positional specifier', '%s', /must be followed by/],
    ['a number conversion', '%(here)d', /cannot format a string/],
    ['an incomplete specifier', '%(here)', /incomplete format/],
    // Found by fuzzing: a width of 10**300 was Infinity to String.repeat, which threw a RangeError.
    ['a width beyond any use', `%(here)${'9'.repeat(300)}s`, /field width or precision over 1,000,000/],
    ['a precision beyond any use', '%(here).5000000s', /field width or precision over 1,000,000/],
  ])('rejects %s', (_name, template, message) => {
    expect(() => formatPercent(template, ARGS)).toThrow(PercentFormatError);
    expect(() => formatPercent(template, ARGS)).toThrow(message);
  });
});

describe('parsePyproject', () => {
  it('returns [tool.alembic]', () => {
    expect(parsePyproject('[tool.alembic]\nscript_location = "m"\n', FILE).alembic).toEqual({ script_location: 'm' });
  });

  it('accepts a file without [tool.alembic]', () => {
    expect(parsePyproject('[project]\nname = "x"\n', FILE).alembic).toBeUndefined();
  });

  it('keeps integers apart from floats', () => {
    expect(parsePyproject('[tool.alembic]\na = 1\nb = 1.0\n', FILE).alembic).toEqual({ a: 1n, b: 1 });
  });

  it.each([
    ['invalid TOML', '[tool.alembic]\na = \n', 2, /invalid TOML/],
    ['a tool that is not a table', 'tool = 1\n', 1, /'tool' must be a table/],
    ['a tool.alembic that is not a table', '[tool]\nalembic = "x"\n', undefined, /Incorrect TOML format/],
  ])('rejects %s', (_name, text, line, message) => {
    let error: unknown;
    try {
      parsePyproject(text, FILE);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).line).toBe(line);
    expect((error as ConfigError).message).toMatch(message);
  });
});

describe('keyLine', () => {
  const text =
    '[project]\nname = "x"\n\n[tool.alembic]\n# c\nscript_location = "m"\n"timezone" = "UTC"\n' +
    '[[tool.alembic.post_write_hooks]]\nname = "black"\n[tool.other]\nscript_location = 1\n';

  it.each([
    ['a bare key', 'script_location', 6],
    ['a quoted key', 'timezone', 7],
    ['a key of another table', 'name', undefined],
  ])('finds %s', (_name, key, line) => {
    expect(keyLine(text, 'tool.alembic', key)).toBe(line);
  });
});
