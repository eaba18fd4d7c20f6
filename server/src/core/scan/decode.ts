import { TextDecoder } from 'node:util';
/**
 * Turns the bytes of a Python source file into text the way Python's import does: a UTF-8
 * byte-order mark is dropped, a PEP 263 coding cookie on line 1 or 2 selects the encoding, and
 * otherwise the file must be UTF-8. Editors show the text without the BOM, so positions are
 * relative to the text after it.
 */

export interface DecodedSource {
  text: string;
  /** Set when Python would refuse the file's bytes; the text is then a best-effort decoding. */
  error?: string;
}

const COOKIE = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;

// Without `stream`, decoding keeps no state between calls, so one decoder serves every file.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function decodePythonSource(bytes: Uint8Array): DecodedSource {
  let body = bytes;
  let bom = false;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    body = bytes.subarray(3);
    bom = true;
  }
  const encoding = cookieEncoding(body);
  if (encoding && !isUtf8(encoding)) {
    if (bom) return { text: utf8Lenient(body), error: `The file starts with a UTF-8 byte-order mark but declares coding ${encoding}; Python refuses that.` };
    const decoder = decoderFor(encoding);
    if (!decoder) return { text: utf8Lenient(body), error: `The file declares coding ${encoding}, which Alembic Pilot cannot decode; it is read as UTF-8.` };
    try {
      return { text: decoder.decode(body) };
    } catch {
      return { text: utf8Lenient(body), error: `The file declares coding ${encoding}, which cannot decode its bytes.` };
    }
  }
  try {
    return { text: UTF8.decode(body) };
  } catch {
    return { text: utf8Lenient(body), error: 'The file is not valid UTF-8 and declares no other coding, so Python cannot import it.' };
  }
}

function decoderFor(encoding: string): TextDecoder | undefined {
  // Python spells codecs with underscores (latin_1); the WHATWG labels use hyphens. Node refuses
  // `fatal` for some single-byte encodings, where every byte decodes anyway.
  const label = encoding.toLowerCase().replace(/_/g, '-');
  for (const candidate of [label, label.replace(/-/g, '')]) {
    for (const options of [{ fatal: true }, {}]) {
      try {
        return new TextDecoder(candidate, options);
      } catch {
        // Try the next spelling or the next way of constructing it.
      }
    }
  }
  return undefined;
}

function utf8Lenient(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

function isUtf8(encoding: string): boolean {
  return /^utf[-_]?8(?:[-_]sig)?$/i.test(encoding);
}

function cookieEncoding(bytes: Uint8Array): string | undefined {
  // A cookie is a comment on line 1, or on line 2 after a blank or comment line 1; a file
  // whose first character is anything else (a docstring, nearly always) has none.
  const first = bytes[0];
  if (first !== undefined && first !== 0x23 && first !== 0x20 && first !== 0x09 && first !== 0x0c && first !== 0x0d && first !== 0x0a) return undefined;
  // The cookie can only be on the first two lines, which are ASCII if it is there at all.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 400)).toString('latin1');
  const lines = head.split('\n', 2);
  for (let i = 0; i < lines.length; i++) {
    const m = COOKIE.exec(lines[i]!);
    if (m) return m[1];
    // Python only looks at line 2 when line 1 is blank or a comment.
    if (!/^[ \t\f]*(#.*)?\r?$/.test(lines[i]!)) break;
  }
  return undefined;
}
