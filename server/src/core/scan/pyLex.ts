/**
 * The few lexical facts about Python that the scanners need.
 */

/** Returns the offset just past the string literal whose opening quote is at `q`, or -1. */
export function skipString(text: string, q: number): number {
  const quote = text[q]!;
  if (text[q + 1] === quote && text[q + 2] === quote) {
    const close = quote + quote + quote;
    let p = q + 3;
    for (;;) {
      const e = text.indexOf(close, p);
      if (e < 0) return -1;
      // An odd number of backslashes before the closing quotes escapes the first of them,
      // in raw strings as well.
      let b = e - 1;
      while (b >= p && text.charCodeAt(b) === 92) b--;
      if ((e - 1 - b) % 2 === 0) return e + 3;
      p = e + 1;
    }
  }
  const n = text.length;
  for (let p = q + 1; p < n; p++) {
    const c = text.charCodeAt(p);
    if (c === 92) p += text.charCodeAt(p + 1) === 13 && text.charCodeAt(p + 2) === 10 ? 2 : 1;
    else if (c === 10) return -1;
    else if (text[p] === quote) return p + 1;
  }
  return -1;
}


/**
 * A copy of `s` that does not keep the string it was sliced from alive. V8 represents a long
 * slice as a view into its parent, so a few ids and a docstring kept per file would otherwise
 * keep every file's whole text in memory.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}
