import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCodePoints } from '../../../server/src/core/config/pyText';

/** Python's `sorted()` order of file names: by code point, not by UTF-16 code unit. */

function reference(a: string, b: string): number {
  const left = Array.from(a, (c) => c.codePointAt(0)!);
  const right = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(left.length, right.length); i++) if (left[i] !== right[i]) return left[i]! < right[i]! ? -1 : 1;
  return Math.sign(left.length - right.length);
}

// Characters around the places where code unit order and code point order part.
const char = fc.constantFrom('a', 'z', '_', '\u00e9', '\ud7ff', '\ue000', '\uffff', '\u{10000}', '\u{1f600}', '\u{10ffff}');

describe('compareCodePoints', () => {
  it('orders as Python does', () => {
    fc.assert(
      fc.property(fc.array(char, { maxLength: 6 }), fc.array(char, { maxLength: 6 }), (x, y) => {
        const [a, b] = [x.join(''), y.join('')];
        expect(Math.sign(compareCodePoints(a, b))).toBe(reference(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it('puts a character above U+FFFF after U+FFFF, unlike JavaScript', () => {
    expect(compareCodePoints('\u{1f600}', '\uffff')).toBeGreaterThan(0);
    expect('\u{1f600}' < '\uffff').toBe(true);
  });
});
