import { DYNAMIC_PLACEHOLDER } from './literals';
import { MappedString, MappedStringBuilder } from './mappedString';

/**
 * Runtime string operations applied to a statically known string. Each keeps the mapping to
 * the source, and whatever the operation pulls in from outside (formatted values) becomes
 * {@link DYNAMIC_PLACEHOLDER}. `dynamic` says whether any placeholder was inserted.
 */
export interface Transformed {
  value: MappedString;
  dynamic: boolean;
}

// A printf-style conversion as the `%` operator understands it: `%s`, `%(name)s`, `%-10.2f`.
const PERCENT_SPEC = /%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsab%]/g;

/** `value % args`: every conversion becomes a placeholder and `%%` becomes `%`. */
export function applyPercentFormat(value: MappedString): Transformed {
  return replaceMatches(value, PERCENT_SPEC, (m) => (m === '%%' ? '%' : undefined));
}

/** `value.format(...)`: every replacement field becomes a placeholder; `{{` and `}}` unescape. */
export function applyStrFormat(value: MappedString): Transformed {
  const s = value.value;
  const b = new MappedStringBuilder(value.sourceAt(0));
  let dynamic = false;
  let last = 0;
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if ((ch === '{' || ch === '}') && s[i + 1] === ch) {
      value.slice(last, i + 1).appendTo(b);
      last = i = i + 2;
      continue;
    }
    if (ch === '{') {
      let depth = 1;
      let j = i + 1;
      while (j < s.length && depth > 0) {
        if (s[j] === '{') depth++;
        else if (s[j] === '}') depth--;
        j++;
      }
      value.slice(last, i).appendTo(b);
      b.opaque(DYNAMIC_PLACEHOLDER, value.sourceAt(i), value.sourceEndAt(j));
      dynamic = true;
      last = i = j;
      continue;
    }
    i++;
  }
  value.slice(last).appendTo(b);
  return { value: b.build(), dynamic };
}

/** `textwrap.dedent(value)`: removes the whitespace prefix common to all non-blank lines. */
export function applyDedent(value: MappedString): MappedString {
  const s = value.value;
  const lines = splitLinesKeepEnds(s);
  let margin: string | undefined;
  for (const [start, end] of lines) {
    const line = s.slice(start, end);
    if (line.trim() === '') continue;
    const indent = /^[ \t]*/.exec(line)?.[0] ?? '';
    if (margin === undefined) margin = indent;
    else {
      let k = 0;
      while (k < margin.length && k < indent.length && margin[k] === indent[k]) k++;
      margin = margin.slice(0, k);
    }
  }
  const b = new MappedStringBuilder(value.sourceAt(0));
  for (const [start, end] of lines) {
    const line = s.slice(start, end);
    // Python's dedent also turns whitespace-only lines into bare line breaks.
    if (line.trim() === '') {
      const nl = line.endsWith('\n') ? end - 1 : end;
      value.slice(nl, end).appendTo(b);
    } else {
      value.slice(start + (margin?.length ?? 0), end).appendTo(b);
    }
  }
  return b.build();
}

/** `value.strip()` and its one-sided variants, with Python's default whitespace set. */
export function applyStrip(value: MappedString, which: 'strip' | 'lstrip' | 'rstrip'): MappedString {
  const s = value.value;
  let from = 0;
  let to = s.length;
  if (which !== 'rstrip') while (from < to && /\s/.test(s[from])) from++;
  if (which !== 'lstrip') while (to > from && /\s/.test(s[to - 1])) to--;
  return value.slice(from, to);
}

function replaceMatches(
  value: MappedString,
  pattern: RegExp,
  literal: (match: string) => string | undefined,
): Transformed {
  const s = value.value;
  const b = new MappedStringBuilder(value.sourceAt(0));
  let dynamic = false;
  let last = 0;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(s); m; m = pattern.exec(s)) {
    value.slice(last, m.index).appendTo(b);
    const end = m.index + m[0].length;
    const fixed = literal(m[0]);
    if (fixed !== undefined) {
      b.opaque(fixed, value.sourceAt(m.index), value.sourceEndAt(end));
    } else {
      b.opaque(DYNAMIC_PLACEHOLDER, value.sourceAt(m.index), value.sourceEndAt(end));
      dynamic = true;
    }
    last = end;
  }
  value.slice(last).appendTo(b);
  return { value: b.build(), dynamic };
}

function splitLinesKeepEnds(s: string): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\n') {
      out.push([start, i + 1]);
      start = i + 1;
    }
  }
  if (start < s.length) out.push([start, s.length]);
  return out;
}
