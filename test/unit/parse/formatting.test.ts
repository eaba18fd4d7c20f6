import { describe, expect, it } from 'vitest';
import { applyDedent, applyPercentFormat, applyStrFormat, applyStrip } from '../../../server/src/core/parse/formatting';
import { evaluateStringLiteralAt } from '../../../server/src/core/parse/literals';
import type { MappedString } from '../../../server/src/core/parse/mappedString';

function literal(source: string): MappedString {
  const r = evaluateStringLiteralAt(source, 0, source.length);
  if (!r) throw new Error(`not a literal: ${source}`);
  return r.value;
}

describe('applyPercentFormat', () => {
  it.each([
    ['"a %s b"', 'a __dynamic__ b', true],
    ['"%(name)s=%-5.2f"', '__dynamic__=__dynamic__', true],
    ['"100%% sure"', '100% sure', false],
    ["\"LIKE 'a%%'\"", "LIKE 'a%'", false],
  ])('%j', (source, value, dynamic) => {
    const r = applyPercentFormat(literal(source));
    expect([r.value.value, r.dynamic]).toEqual([value, dynamic]);
  });

  it('maps text after a conversion back to the source', () => {
    const r = applyPercentFormat(literal('"a %s bc"'));
    expect(r.value.sourceAt(r.value.value.indexOf('bc'))).toBe(6);
  });
});

describe('applyStrFormat', () => {
  it.each([
    ['"DROP {}"', 'DROP __dynamic__', true],
    ['"{0}.{name!r:>{w}}"', '__dynamic__.__dynamic__', true],
    ['"{{literal}}"', '{literal}', false],
  ])('%j', (source, value, dynamic) => {
    const r = applyStrFormat(literal(source));
    expect([r.value.value, r.dynamic]).toEqual([value, dynamic]);
  });
});

describe('applyDedent (expected values from textwrap.dedent)', () => {
  it.each([
    ['"""\n    a\n      b\n"""', '\na\n  b\n'],
    ['"""\n\ta\n\tb"""', '\na\nb'],
    ['"""  a\n   \n  b"""', 'a\n\nb'],
    ['"""a\n  b"""', 'a\n  b'],
  ])('%j', (source, expected) => {
    expect(applyDedent(literal(source)).value).toBe(expected);
  });

  it('maps dedented text back to its indented source', () => {
    const d = applyDedent(literal('"""\n    ab\n"""'));
    expect(d.sourceAt(1)).toBe(8);
  });
});

describe('applyStrip', () => {
  it.each([
    ['strip', '"  a b \\n"', 'a b'],
    ['lstrip', '"  a "', 'a '],
    ['rstrip', '"  a "', '  a'],
  ] as const)('%s %j', (which, source, expected) => {
    expect(applyStrip(literal(source), which).value).toBe(expected);
  });
});
