import { failed, unsupported } from './errors';

/**
 * The Python values a revision template can see, and the few operations Mako applies to them
 * (`str()`, `repr()`, truth). A JavaScript array is a tuple, because that is what Alembic hands
 * to templates; lists only arise from `re.split`. Numbers are always Python ints.
 */

/** Mako's `UNDEFINED`: what a template name is when the caller did not pass it. */
export const UNDEFINED: unique symbol = Symbol('UNDEFINED');

export interface PyList {
  readonly kind: 'list';
  readonly items: readonly PyValue[];
}

/** An object with only the behaviour we reproduce; anything else about it is refused. */
export interface PyObject {
  readonly kind: 'object';
  /** What a message calls it, e.g. `datetime` or `config`. */
  readonly typeName: string;
  str?(): string;
  repr?(): string;
  /** An attribute's value; undefined means the attribute is outside the subset. */
  attr?(name: string): PyValue | undefined;
  call?(args: readonly PyValue[], line: number | undefined): PyValue;
}

export type PyValue = string | number | boolean | null | readonly PyValue[] | PyList | PyObject | typeof UNDEFINED;

export function isTuple(v: PyValue): v is readonly PyValue[] {
  return Array.isArray(v);
}

function isList(v: PyValue): v is PyList {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as PyList | PyObject).kind === 'list';
}

export function isObject(v: PyValue): v is PyObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as PyList | PyObject).kind === 'object';
}

/** Python's truth value; Mako's UNDEFINED is false. */
export function truthy(v: PyValue): boolean {
  if (v === UNDEFINED || v === null) return false;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'boolean') return v;
  if (isTuple(v)) return v.length > 0;
  if (isList(v)) return v.items.length > 0;
  return true;
}

/** Python's `str()`. Writing out an undefined name fails in Mako, and so it does here. */
export function pyStr(v: PyValue, line?: number): string {
  if (typeof v === 'string') return v;
  if (v === UNDEFINED) throw failed('the template writes out a name that the caller did not pass (Mako raises NameError: Undefined)', line);
  if (isObject(v) && v.str) return v.str();
  return pyRepr(v, line);
}

/** Python's `repr()`. */
export function pyRepr(v: PyValue, line?: number): string {
  if (typeof v === 'string') return reprString(v);
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (v === UNDEFINED) throw unsupported("repr() of a name that the caller did not pass (Mako's Undefined object)", line);
  if (isTuple(v)) return `(${v.map((x) => pyRepr(x, line)).join(', ')}${v.length === 1 ? ',' : ''})`;
  if (isList(v)) return `[${v.items.map((x) => pyRepr(x, line)).join(', ')}]`;
  if (v.repr) return v.repr();
  throw unsupported(`the text of a ${v.typeName} object`, line);
}

/** Python's `str.__repr__`, code point by code point. */
export function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x7f || isPrintable(ch)) out += ch;
    else if (cp <= 0xff) out += `\\x${hex(cp, 2)}`;
    else if (cp <= 0xffff) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + quote;
}

/** `str.isprintable()` for one character: no control, format, private, unassigned or separator other than space. */
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

function isPrintable(ch: string): boolean {
  return ch === ' ' || !NOT_PRINTABLE.test(ch);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** The fields of a Python `datetime`; `utcOffsetMinutes` is undefined for a naive one. */
export interface PyDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
  utcOffsetMinutes?: number;
  /** `int(dt.timestamp())`, which Alembic's file_template calls `epoch`. */
  epoch: number;
}

/** `str(datetime)`: microseconds only when non-zero, the offset only when aware. */
export function dateTimeStr(d: PyDateTime): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  let out = `${p(d.year, 4)}-${p(d.month)}-${p(d.day)} ${p(d.hour)}:${p(d.minute)}:${p(d.second)}`;
  if (d.microsecond !== 0) out += `.${p(d.microsecond, 6)}`;
  if (d.utcOffsetMinutes !== undefined) {
    const sign = d.utcOffsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(d.utcOffsetMinutes);
    out += `${sign}${p(Math.floor(abs / 60))}:${p(abs % 60)}`;
  }
  return out;
}

/** A datetime as a template sees it: printable, with its integer fields as attributes. */
export function dateTimeObject(d: PyDateTime): PyObject {
  const fields = new Map<string, number>([
    ['year', d.year],
    ['month', d.month],
    ['day', d.day],
    ['hour', d.hour],
    ['minute', d.minute],
    ['second', d.second],
    ['microsecond', d.microsecond],
  ]);
  return {
    kind: 'object',
    typeName: 'datetime',
    str: () => dateTimeStr(d),
    attr: (name) => fields.get(name),
  };
}
