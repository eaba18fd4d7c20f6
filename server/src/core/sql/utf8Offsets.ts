/**
 * Converts the offsets libpg-query reports into UTF-16 offsets of the same JavaScript string
 * (what every range in the core uses). Statement locations are UTF-8 byte offsets; an error's
 * cursor is counted in characters (code points), as PostgreSQL shows it to clients.
 */
export class Utf8Offsets {
  /** Byte offset at each UTF-16 index, plus one entry for the end; undefined for ASCII text. */
  private readonly byteAt: Uint32Array | undefined;

  constructor(private readonly text: string) {
    if (/^[\x00-\x7f]*$/.test(text)) {
      this.byteAt = undefined;
      return;
    }
    const byteAt = new Uint32Array(text.length + 1);
    let bytes = 0;
    for (let i = 0; i < text.length; i++) {
      byteAt[i] = bytes;
      const code = text.charCodeAt(i);
      if (code < 0x80) bytes += 1;
      else if (code < 0x800) bytes += 2;
      else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
        // A surrogate pair is one code point of four bytes; the low half shares its start.
        byteAt[i + 1] = bytes;
        bytes += 4;
        i++;
      } else bytes += 3;
    }
    byteAt[text.length] = bytes;
    this.byteAt = byteAt;
  }

  /** The UTF-16 offset of the character that starts at or contains byte `byteOffset`. */
  toUtf16(byteOffset: number): number {
    const byteAt = this.byteAt;
    if (!byteAt) return Math.min(Math.max(byteOffset, 0), this.text.length);
    let lo = 0;
    let hi = byteAt.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (byteAt[mid] <= byteOffset) lo = mid;
      else hi = mid - 1;
    }
    // The low half of a surrogate pair has the same byte offset as the high half.
    while (lo > 0 && byteAt[lo - 1] === byteAt[lo]) lo--;
    return lo;
  }

  /** The UTF-16 offset of the code point at index `codePoints`. */
  codePointToUtf16(codePoints: number): number {
    if (!this.byteAt) return Math.min(Math.max(codePoints, 0), this.text.length);
    let i = 0;
    for (let k = 0; k < codePoints && i < this.text.length; k++) {
      const code = this.text.charCodeAt(i);
      i += code >= 0xd800 && code <= 0xdbff && i + 1 < this.text.length ? 2 : 1;
    }
    return i;
  }
}
