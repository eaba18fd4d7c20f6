import { describe, expect, it } from 'vitest';
import { extractDocstringHeaders } from '../../../server/src/core/parse/docstringHeaders';
import { parse, textAt } from './helpers';

describe('module docstring', () => {
  it.each([
    ['"""Add x."""', 'Add x.'],
    ["'single'", 'single'],
    ['r"""raw \\n"""', 'raw \\n'],
    ['u"""unicode"""', 'unicode'],
    ['"""tab\\there"""', 'tab\there'],
    ['("a"\n "b")', 'ab'],
    ['# -*- coding: utf-8 -*-\n# comment\n"""after comments"""', 'after comments'],
  ])('%j', (source, expected) => {
    expect(parse(source).docstring).toBe(expected);
  });

  it.each([
    ['f"""not a docstring"""'],
    ['b"""not a docstring"""'],
    ['import os\n"""too late"""'],
    ['"""a""" + "b"'],
  ])('%j is not a docstring', (source) => {
    expect(parse(source).docstring).toBeUndefined();
  });

  it('records the range of the whole literal', () => {
    const file = parse('"""one\ntwo"""', 'x = 1');
    expect(textAt(file, file.docstringRange)).toBe('"""one\ntwo"""');
  });
});

describe('docstring headers', () => {
  const file = parse(
    '"""add thing',
    '',
    'Revision ID: 1975ea83b712',
    'Revises: 27c6a30d7c24, \\',
    '    ae1027a6acf',
    'Create Date: 2024-03-01 10:22:33.123456   ',
    '',
    '"""',
  );

  it.each([
    ['revisionId', '1975ea83b712'],
    ['revises', '27c6a30d7c24,     ae1027a6acf'],
    ['createDate', '2024-03-01 10:22:33.123456'],
  ] as const)('%s value', (key, value) => {
    expect(file.headers[key]?.value).toBe(value);
  });

  it.each([
    ['revisionId', '1975ea83b712'],
    ['createDate', '2024-03-01 10:22:33.123456'],
  ] as const)('%s range covers the value in the file', (key, text) => {
    expect(textAt(file, file.headers[key]?.range)).toBe(text);
  });

  it('spans a line continuation in the range of a continued value', () => {
    expect(textAt(file, file.headers.revises?.range)).toBe('27c6a30d7c24, \\\n    ae1027a6acf');
  });

  it('gives an empty value for a base revision', () => {
    const base = parse('"""x', 'Revises: ', 'Create Date: now', '"""');
    expect([base.headers.revises?.value, base.headers.revises?.range.start]).toEqual([
      '',
      { line: 1, character: 8 },
    ]);
  });
});

describe('extractDocstringHeaders', () => {
  const offsets = (from: number, to: number) => ({
    start: { line: 0, character: from },
    end: { line: 0, character: to },
  });

  it.each([
    ['Revision ID: abc', { revisionId: { value: 'abc', range: offsets(13, 16) } }],
    ['  Revises: a, b', { revises: { value: 'a, b', range: offsets(11, 15) } }],
    ['revision id: abc', {}],
    ['Revision ID: a\nRevision ID: b', { revisionId: { value: 'a', range: offsets(13, 14) } }],
  ])('%j', (docstring, expected) => {
    expect(extractDocstringHeaders(docstring, offsets)).toEqual(expected);
  });
});
