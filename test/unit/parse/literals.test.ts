import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateConcatenation, evaluateStringLiteral, evaluateStringLiteralAt, findStringLiteralEnd } from '../../../server/src/core/parse/literals';

/**
 * Expected values were produced by CPython 3.11 (`ast.parse(source, mode="eval")`), with
 * bytes decoded as latin-1 and f-string fields replaced by the placeholder; undefined marks
 * sources CPython rejects. `\N{...}` cases use names from the built-in subset.
 */
const CPYTHON: [string, ReturnType<typeof evaluateStringLiteral>][] = [
  ["\"abc\"", { value: "abc", isBytes: false, isFString: false }],
  ["'abc'", { value: "abc", isBytes: false, isFString: false }],
  ["\"\"\"a\"b\"\"\"", { value: "a\"b", isBytes: false, isFString: false }],
  ["'''x\\ny'''", { value: "x\ny", isBytes: false, isFString: false }],
  ["\"a\\nb\"", { value: "a\nb", isBytes: false, isFString: false }],
  ["\"\\t\\\\\\'\\\"\"", { value: "\t\\'\"", isBytes: false, isFString: false }],
  ["\"\\a\\b\\f\\v\\r\"", { value: "\u0007\b\f\u000b\r", isBytes: false, isFString: false }],
  ["\"\\x41\\x7e\"", { value: "A~", isBytes: false, isFString: false }],
  ["\"\\101\\7\\0\"", { value: "A\u0007\u0000", isBytes: false, isFString: false }],
  ["\"\\u00e9\\U0001F600\"", { value: "\u00e9\ud83d\ude00", isBytes: false, isFString: false }],
  ["\"\\N{EM DASH}\"", { value: "\u2014", isBytes: false, isFString: false }],
  ["\"\\N{em dash}\"", { value: "\u2014", isBytes: false, isFString: false }],
  ["\"\\d\\w\"", { value: "\\d\\w", isBytes: false, isFString: false }],
  ["\"\\q\"", { value: "\\q", isBytes: false, isFString: false }],
  ["r\"\\d+\\n\"", { value: "\\d+\\n", isBytes: false, isFString: false }],
  ["R\"\\x\"", { value: "\\x", isBytes: false, isFString: false }],
  ["u\"\\u00e9\"", { value: "\u00e9", isBytes: false, isFString: false }],
  ["U\"x\"", { value: "x", isBytes: false, isFString: false }],
  ["b\"\\x00\\xff\"", { value: "\u0000\u00ff", isBytes: true, isFString: false }],
  ["B\"\\u00e9\"", { value: "\\u00e9", isBytes: true, isFString: false }],
  ["rb\"\\x\"", { value: "\\x", isBytes: true, isFString: false }],
  ["Rb\"\\n\"", { value: "\\n", isBytes: true, isFString: false }],
  ["bR\"a\"", { value: "a", isBytes: true, isFString: false }],
  ["BR\"\\\\\"", { value: "\\\\", isBytes: true, isFString: false }],
  ["f\"a{x}b\"", { value: "a__dynamic__b", isBytes: false, isFString: true }],
  ["F\"{{x}}\"", { value: "{x}", isBytes: false, isFString: true }],
  ["rf\"\\d{x}\"", { value: "\\d__dynamic__", isBytes: false, isFString: true }],
  ["fR\"{x!r:>{w}}\"", { value: "__dynamic__", isBytes: false, isFString: true }],
  ["f\"{d['k']}\"", { value: "__dynamic__", isBytes: false, isFString: true }],
  ["f\"\\{x}\"", { value: "\\__dynamic__", isBytes: false, isFString: true }],
  ["\"a\\\nb\"", { value: "ab", isBytes: false, isFString: false }],
  ["'''line1\\\nline2'''", { value: "line1line2", isBytes: false, isFString: false }],
  ["r\"a\\\\\"", { value: "a\\\\", isBytes: false, isFString: false }],
  ["\"\\777\"", { value: "\u01ff", isBytes: false, isFString: false }],
  ["b\"\\777\"", { value: "\u00ff", isBytes: true, isFString: false }],
  ["\"\\x4\"", undefined],
  ["\"\\u12\"", undefined],
  ["\"unterminated", undefined],
  ["\"a\"b\"", undefined],
  ["ur\"x\"", undefined],
  ["\"\\N{SPACE}x\"", { value: " x", isBytes: false, isFString: false }],
  ["\"\\0\"", { value: "\u0000", isBytes: false, isFString: false }],
  ["\"\\08\"", { value: "\u00008", isBytes: false, isFString: false }],
  ["'a\\'b'", { value: "a'b", isBytes: false, isFString: false }],
  ["r\"\\\"\"", { value: "\\\"", isBytes: false, isFString: false }],
  ["\"\"\"a\r\nb\"\"\"", { value: "a\nb", isBytes: false, isFString: false }],
  ["r'''a\\\r\nb'''", { value: "a\\\nb", isBytes: false, isFString: false }],
  ["\"a\rb\"", undefined],
  ["f'{x:\\'^10}'", { value: "__dynamic__", isBytes: false, isFString: true }],
  ["f\"{x}}\"", undefined],
  ["f\"{x\"", undefined],
  ["'''a'''b'''", undefined],
  ["b\"caf\u00e9\"", undefined],
];

function check(source: string, expected: ReturnType<typeof evaluateStringLiteral>): void {
  expect(evaluateStringLiteral(source)).toEqual(expected);
}

describe('evaluateStringLiteral agrees with CPython', () => {
  it.each(CPYTHON)('%j', (source, expected) => check(source, expected));
});

describe('evaluateStringLiteralAt maps value offsets back to the source', () => {
  // Each row: literal, value offset, the source offset of that character.
  const rows: [string, number, number][] = [
    ['"abc"', 0, 1],
    ['"abc"', 2, 3],
    ['"abc"', 3, 4], // the end maps just past the last character
    ['"a\\nb"', 1, 2], // the escape maps to its backslash
    ['"a\\nb"', 2, 4], // the character after the escape
    ['"""\n  x"""', 3, 6],
    ['r"\\d+"', 1, 3],
    ['"a\\\nb"', 1, 4], // the line continuation produced nothing
    ['f"{x} y"', 11, 5], // after the placeholder
    ['f"{x} y"', 3, 2], // inside the placeholder: the field's brace
    ['"\\U0001F600z"', 2, 11], // a surrogate pair takes two value offsets
    ['b"\\x00A"', 1, 6],
  ];
  it.each(rows)('%j at %i', (source, offset, sourceOffset) => {
    const r = evaluateStringLiteralAt(source, 0, source.length);
    expect(r?.value.sourceAt(offset)).toBe(sourceOffset);
  });

  it('works on a literal inside a larger text', () => {
    const text = 'x = "ab\\tc"';
    const r = evaluateStringLiteralAt(text, 4, text.length);
    expect([r?.value.value, r?.value.sourceAt(3)]).toEqual(['ab\tc', 9]);
  });
});

describe('evaluateConcatenation', () => {
  const pieces = (text: string): { from: number; to: number }[] =>
    [...text.matchAll(/[rbfuRBFU]*("[^"]*"|'[^']*')/g)].map((m) => ({ from: m.index, to: m.index + m[0].length }));

  it.each([
    ['"a" \'b\'', 'ab'],
    ['"a" f"{x}"', 'a__dynamic__'],
    ['"a"\n  r"\\n"', 'a\\n'],
  ])('%j', (text, expected) => {
    expect(evaluateConcatenation(text, pieces(text))?.value.value).toBe(expected);
  });

  it('refuses to mix bytes and str', () => {
    const text = '"a" b"b"';
    expect(evaluateConcatenation(text, pieces(text))).toBeUndefined();
  });

  it('marks the result dynamic when one piece has a field', () => {
    const text = '"a" f"{x}"';
    expect(evaluateConcatenation(text, pieces(text))?.dynamic).toBe(true);
  });
});

describe('findStringLiteralEnd', () => {
  it.each([
    ['"abc" + x', 0, 5],
    ["x = r'a\\'b' ", 4, 11],
    ['"""a\n"b"\n""" ', 0, 12],
    ['"abc\nd"', 0, -1],
    ['"""abc', 0, -1],
    ['f"{x}"', 0, 6],
  ])('%j from %i', (text, start, end) => {
    expect(findStringLiteralEnd(text, start)).toBe(end);
  });
});

describe('properties', () => {
  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (s) => {
        evaluateStringLiteral(s);
        evaluateStringLiteral(`"${s}"`);
        evaluateStringLiteral(`f'''${s}'''`);
      }),
    );
  });

  // Each code point is written with a randomly chosen spelling; the literal must evaluate back
  // to the original text, and each character must map to where its spelling starts.
  const spelling = fc.tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.nat({ max: 3 }));

  function spell(ch: string, style: number): string {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === '"' || ch === '\n' || ch === '\r') return style % 2 ? `\\${ch === '\n' ? 'n' : ch === '\r' ? 'r' : ch}` : `\\x${code.toString(16).padStart(2, '0')}`;
    if (style === 1 && code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
    if (style === 2 && code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
    if (style === 3) return `\\U${code.toString(16).padStart(8, '0')}`;
    return ch;
  }

  it('round-trips any text through escapes and maps each character to its spelling', () => {
    fc.assert(
      fc.property(fc.array(spelling, { maxLength: 20 }), (chars) => {
        let source = '"';
        const expectedOffsets: number[] = [];
        let value = '';
        for (const [ch, style] of chars) {
          const written = spell(ch, style);
          const verbatim = written === ch;
          for (let k = 0; k < ch.length; k++) expectedOffsets.push(source.length + (verbatim ? k : 0));
          value += ch;
          source += written;
        }
        source += '"';
        const r = evaluateStringLiteralAt(source, 0, source.length);
        expect(r?.value.value).toBe(value);
        expect(expectedOffsets.map((_, i) => r?.value.sourceAt(i))).toEqual(expectedOffsets);
      }),
    );
  });
});
