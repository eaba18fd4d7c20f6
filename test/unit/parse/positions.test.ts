import { describe, expect, it } from 'vitest';
import { LineIndex } from '../../../server/src/core/parse/positions';

describe('LineIndex.positionAt', () => {
  it.each([
    ['abc', 2, { line: 0, character: 2 }],
    ['a\nbc', 3, { line: 1, character: 1 }],
    ['a\r\nbc', 3, { line: 1, character: 0 }],
    ['a\rbc', 2, { line: 1, character: 0 }],
    ['a\r\nbc', 2, { line: 0, character: 1 }], // inside a CRLF: the end of the line
    ['a\n', 2, { line: 1, character: 0 }],
    ['é😀x', 3, { line: 0, character: 3 }], // UTF-16 units: the emoji counts twice
    ['ab', 99, { line: 0, character: 2 }], // clamped to the end
  ])('%j at %i', (text, offset, expected) => {
    expect(new LineIndex(text).positionAt(offset)).toEqual(expected);
  });
});

describe('LineIndex.offsetAt', () => {
  it.each([
    ['a\nbc', { line: 1, character: 1 }, 3],
    ['a\r\nbc', { line: 1, character: 0 }, 3],
    ['a\nbc', { line: 5, character: 0 }, 4],
  ])('%j at %j', (text, position, expected) => {
    expect(new LineIndex(text).offsetAt(position)).toBe(expected);
  });
});
