/**
 * A small subset of the Unicode character names accepted by Python's `\N{...}` escape.
 *
 * JavaScript has no Unicode name database and shipping one would cost far more than the
 * feature is worth: `\N{...}` almost never appears in migration SQL. The table covers the
 * characters that do show up in practice (typographic quotes and dashes, spaces, control
 * characters and the ASCII letters and digits); anything else evaluates to U+FFFD.
 */
const NAMED: Record<string, number> = {
  NULL: 0x00,
  NUL: 0x00,
  'CHARACTER TABULATION': 0x09,
  TAB: 0x09,
  'LINE FEED': 0x0a,
  'LINE FEED (LF)': 0x0a,
  LF: 0x0a,
  'NEW LINE': 0x0a,
  'CARRIAGE RETURN': 0x0d,
  'CARRIAGE RETURN (CR)': 0x0d,
  CR: 0x0d,
  ESCAPE: 0x1b,
  ESC: 0x1b,
  SPACE: 0x20,
  'EXCLAMATION MARK': 0x21,
  'QUOTATION MARK': 0x22,
  'NUMBER SIGN': 0x23,
  'DOLLAR SIGN': 0x24,
  'PERCENT SIGN': 0x25,
  AMPERSAND: 0x26,
  APOSTROPHE: 0x27,
  'LEFT PARENTHESIS': 0x28,
  'RIGHT PARENTHESIS': 0x29,
  ASTERISK: 0x2a,
  'PLUS SIGN': 0x2b,
  COMMA: 0x2c,
  'HYPHEN-MINUS': 0x2d,
  'FULL STOP': 0x2e,
  SOLIDUS: 0x2f,
  COLON: 0x3a,
  SEMICOLON: 0x3b,
  'LESS-THAN SIGN': 0x3c,
  'EQUALS SIGN': 0x3d,
  'GREATER-THAN SIGN': 0x3e,
  'QUESTION MARK': 0x3f,
  'COMMERCIAL AT': 0x40,
  'REVERSE SOLIDUS': 0x5c,
  'LOW LINE': 0x5f,
  'GRAVE ACCENT': 0x60,
  'VERTICAL LINE': 0x7c,
  TILDE: 0x7e,
  DELETE: 0x7f,
  'NO-BREAK SPACE': 0xa0,
  NBSP: 0xa0,
  'SECTION SIGN': 0xa7,
  'COPYRIGHT SIGN': 0xa9,
  'REGISTERED SIGN': 0xae,
  'DEGREE SIGN': 0xb0,
  'PLUS-MINUS SIGN': 0xb1,
  'MICRO SIGN': 0xb5,
  'MIDDLE DOT': 0xb7,
  'MULTIPLICATION SIGN': 0xd7,
  'DIVISION SIGN': 0xf7,
  'EN DASH': 0x2013,
  'EM DASH': 0x2014,
  'LEFT SINGLE QUOTATION MARK': 0x2018,
  'RIGHT SINGLE QUOTATION MARK': 0x2019,
  'LEFT DOUBLE QUOTATION MARK': 0x201c,
  'RIGHT DOUBLE QUOTATION MARK': 0x201d,
  BULLET: 0x2022,
  'HORIZONTAL ELLIPSIS': 0x2026,
  'ZERO WIDTH SPACE': 0x200b,
  'ZERO WIDTH NO-BREAK SPACE': 0xfeff,
  'BYTE ORDER MARK': 0xfeff,
  BOM: 0xfeff,
  'EURO SIGN': 0x20ac,
  'POUND SIGN': 0xa3,
  'YEN SIGN': 0xa5,
  'TRADE MARK SIGN': 0x2122,
  'LEFTWARDS ARROW': 0x2190,
  'RIGHTWARDS ARROW': 0x2192,
  'CHECK MARK': 0x2713,
  'SNOWMAN': 0x2603,
  'REPLACEMENT CHARACTER': 0xfffd,
};

const DIGITS = ['ZERO', 'ONE', 'TWO', 'THREE', 'FOUR', 'FIVE', 'SIX', 'SEVEN', 'EIGHT', 'NINE'];

/** The code point Python would give `\N{name}`, U+FFFD when the name is not in the subset. */
export function lookupUnicodeName(name: string): number {
  const key = name.trim().toUpperCase().replace(/\s+/g, ' ');
  const known = NAMED[key];
  if (known !== undefined) return known;
  const letter = /^LATIN (SMALL|CAPITAL) LETTER ([A-Z])$/.exec(key);
  if (letter) {
    const code = letter[2].charCodeAt(0);
    return letter[1] === 'SMALL' ? code + 32 : code;
  }
  const digit = /^DIGIT ([A-Z]+)$/.exec(key);
  if (digit) {
    const index = DIGITS.indexOf(digit[1]);
    if (index >= 0) return 0x30 + index;
  }
  return 0xfffd;
}
