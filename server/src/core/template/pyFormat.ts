import { failed, unsupported } from './errors';
import { isTuple, pyRepr, pyStr, UNDEFINED, type PyValue } from './pyValue';

/** The widest field `%` formatting is asked to pad to. */
export const MAX_FIELD_WIDTH = 1_000_000;

/**
 * Python's `format % values` for the conversions a file_template or a template expression
 * plausibly uses: `s`, `r`, `d`/`i`/`u`, `x`/`X`/`o`, with flags, width and precision.
 * Floating-point, `c` and `a` conversions and `*` widths are refused rather than approximated.
 */

const SPEC = /([#0\- +]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.)?/y;

interface Spec {
  key: string | undefined;
  flags: string;
  width: number;
  precision: number | undefined;
  conversion: string;
}

/**
 * Formats `format % args`. A Map stands for a dict, whose keys `%(name)s` specs look up; any
 * other value is a tuple of positional values or a single value, as in Python.
 */
export function percentFormat(format: string, args: PyValue | ReadonlyMap<string, PyValue>, what: string, line?: number): string {
  const mapping = args instanceof Map ? args : undefined;
  const positional: readonly PyValue[] = mapping ? [] : isTuple(args as PyValue) ? (args as readonly PyValue[]) : [args as PyValue];
  let next = 0;
  let out = '';
  let i = 0;
  while (i < format.length) {
    const at = format.indexOf('%', i);
    if (at < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, at);
    const { spec, end } = readSpec(format, at + 1, what, line);
    i = end;
    if (spec.conversion === '%') {
      out += '%';
      continue;
    }
    let value: PyValue;
    if (spec.key !== undefined) {
      if (!mapping) throw failed(`${what}: '%(${spec.key})' needs a mapping (Python raises TypeError: format requires a mapping)`, line);
      if (!mapping.has(spec.key)) throw failed(`${what}: there is no value named '${spec.key}' (Python raises KeyError: '${spec.key}')`, line);
      value = mapping.get(spec.key)!;
    } else {
      if (mapping) throw unsupported(`a positional '%' conversion in ${what}, which is formatted with a mapping`, line);
      if (next >= positional.length) throw failed(`${what}: not enough arguments for format string`, line);
      value = positional[next++]!;
    }
    out += convert(spec, value, what, line);
  }
  if (!mapping && next < positional.length) throw failed(`${what}: not all arguments converted during string formatting`, line);
  return out;
}

function readSpec(format: string, start: number, what: string, line?: number): { spec: Spec; end: number } {
  let i = start;
  let key: string | undefined;
  if (format[i] === '(') {
    let depth = 1;
    let j = i + 1;
    while (j < format.length && depth > 0) {
      if (format[j] === '(') depth++;
      else if (format[j] === ')') depth--;
      j++;
    }
    if (depth > 0) throw failed(`${what}: incomplete format key`, line);
    key = format.slice(i + 1, j - 1);
    i = j;
  }
  SPEC.lastIndex = i;
  const m = SPEC.exec(format)!;
  const [, flags = '', width, precision, conversion] = m;
  if (conversion === undefined) throw failed(`${what}: incomplete format`, line);
  if (width === '*' || precision === '*') throw unsupported(`a '*' width or precision in ${what}`, line);
  const spec: Spec = { key, flags, width: width === undefined ? 0 : Number(width), precision: precision === undefined ? undefined : Number(precision || '0'), conversion };
  // Python pads to any width it has the memory for; a string of millions of spaces in a file
  // name or a template is no one's intent, and one of 10**300 cannot even be made.
  if (spec.width > MAX_FIELD_WIDTH || (spec.precision ?? 0) > MAX_FIELD_WIDTH) throw unsupported(`a field width or precision over ${MAX_FIELD_WIDTH.toLocaleString('en-US')} in ${what}`, line);
  return { spec, end: SPEC.lastIndex };
}

function convert(spec: Spec, value: PyValue, what: string, line?: number): string {
  const { conversion, flags, precision } = spec;
  let body: string;
  let numeric = false;
  let sign = '';
  switch (conversion) {
    case 's':
    case 'r': {
      body = conversion === 's' ? pyStr(value, line) : pyRepr(value, line);
      if (precision !== undefined) body = [...body].slice(0, precision).join('');
      break;
    }
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      const n = typeof value === 'boolean' ? Number(value) : value;
      if (typeof n !== 'number') {
        const type = value === UNDEFINED ? 'Undefined' : typeof value === 'string' ? 'str' : value === null ? 'NoneType' : 'object';
        throw failed(`${what}: %${conversion} format needs a number, not ${type}`, line);
      }
      numeric = true;
      const base = conversion === 'x' || conversion === 'X' ? 16 : conversion === 'o' ? 8 : 10;
      let digits = Math.abs(n).toString(base);
      if (conversion === 'X') digits = digits.toUpperCase();
      if (precision !== undefined) digits = digits.padStart(precision, '0');
      sign = n < 0 ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
      if (flags.includes('#') && base !== 10) sign += conversion === 'o' ? '0o' : conversion === 'x' ? '0x' : '0X';
      body = digits;
      break;
    }
    default:
      throw unsupported(`the '%${conversion}' conversion in ${what}`, line);
  }
  const length = [...sign].length + [...body].length;
  const pad = Math.max(0, spec.width - length);
  if (flags.includes('-')) return sign + body + ' '.repeat(pad);
  if (numeric && flags.includes('0')) return sign + '0'.repeat(pad) + body;
  return ' '.repeat(pad) + sign + body;
}
