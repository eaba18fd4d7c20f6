/**
 * Small re-implementations of Python string behaviour that Alembic's configuration reading
 * depends on. JavaScript's `trim()`, `\s` and default sort differ from Python's in corner
 * cases, and those corners decide whether a line is blank, how far it is indented or in which
 * order revision files are read, so the Python rules are spelled out here.
 */

/**
 * The characters Python's `str.isspace()` accepts, as a regular-expression class body. Python's
 * `str.strip()` and the `\s` of `re` on str patterns use the same set. Unlike JavaScript's `\s`
 * it includes U+001C..U+001F and U+0085 and excludes the byte-order mark U+FEFF.
 */
export const PY_SPACE_CLASS =
  '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const LEADING_SPACE = new RegExp(`^[${PY_SPACE_CLASS}]+`);
const SPACE = new RegExp(`[${PY_SPACE_CLASS}]`);
const NON_SPACE = new RegExp(`[^${PY_SPACE_CLASS}]`);

/** Python's `s.strip()` with no argument. */
export function pyStrip(text: string): string {
  return pyRstrip(text).replace(LEADING_SPACE, '');
}

/**
 * Python's `s.rstrip()` with no argument. Scanned from the end: the regex `[...]+$` retries
 * from every space of a long run that is not at the end, which made a line of 100,000 spaces
 * take half a minute.
 */
export function pyRstrip(text: string): string {
  let end = text.length;
  while (end > 0 && SPACE.test(text[end - 1]!)) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** The index of the first character that is not Python whitespace, or -1 when there is none. */
export function firstNonSpace(text: string): number {
  const match = NON_SPACE.exec(text);
  return match ? match.index : -1;
}

/**
 * Compares strings by Unicode code point, which is how Python's `sorted()` orders `str`
 * values. JavaScript's default comparison uses UTF-16 code units and so puts characters above
 * U+FFFF before U+E000..U+FFFF, unlike Python.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // The strings agree up to here, so both units sit at the same place of a character. Code
    // unit order is code point order unless exactly one of them is a surrogate: that one
    // encodes a character above U+FFFF, which comes after every character that is not.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * Python's `int(text)` for a str argument in base 10: surrounding whitespace, an optional sign
 * and single underscores between digits are allowed. Returns undefined where Python raises
 * ValueError. Only ASCII digits are accepted, a simplification that no real config hits.
 */
export function parsePythonInt(text: string): number | undefined {
  const match = /^([+-]?)(\d(?:_?\d)*)$/.exec(pyStrip(text));
  if (!match) return undefined;
  const magnitude = Number(match[2]!.replace(/_/g, ''));
  return match[1] === '-' ? -magnitude : magnitude;
}

/**
 * Alembic's `here` token is `Path(file).absolute().parent.as_posix()`, so it always uses forward
 * slashes, also on Windows; values built from it must match what Alembic would compute.
 */
export function asPosix(folder: string): string {
  return folder.replace(/\\/g, '/');
}
