import { describe, expect, it } from 'vitest';
import { TOO_DEEP_MESSAGE } from '../../../server/src/core/parse/nesting';
import { scanRevisionHeader } from '../../../server/src/core/scan/headerScanner';
import { decodePythonSource } from '../../../server/src/core/scan/decode';

/** The fast scanner on the shapes that trip up line-based readers. */

const scan = (src: string) => scanRevisionHeader('/v/x.py', src);
const ids = (src: string) => {
  const h = scan(src);
  return { revision: h.revision?.ids, down: h.downRevision?.ids, labels: h.branchLabels?.ids, deps: h.dependsOn?.ids };
};

describe('values', () => {
  it.each([
    ['plain', 'revision = "abc"\ndown_revision = None\n', { revision: ['abc'], down: [] }],
    ['annotated', 'revision: str = "abc"\ndown_revision: Union[str, Sequence[str], None] = ("a", "b")\n', { revision: ['abc'], down: ['a', 'b'] }],
    ['pipe annotation', "down_revision: str | None = 'x'\n", { down: ['x'] }],
    ['list', 'down_revision = ["a", "b",]\n', { down: ['a', 'b'] }],
    ['bare tuple', 'down_revision = "a", "b"\n', { down: ['a', 'b'] }],
    ['empty tuple is None for Alembic', 'down_revision = ()\n', { down: [] }],
    ['parenthesised string', 'revision = ("abc")\n', { revision: ['abc'] }],
    ['implicit concatenation', "revision = 'ab' \"cd\"\n", { revision: ['abcd'] }],
    ['escape', "revision = 'a\\x62c'\n", { revision: ['abc'] }],
    ['label string', "branch_labels = 'lbl'\n", { labels: ['lbl'] }],
    ['semicolons', 'revision = "a"; down_revision = "b"\n', { revision: ['a'], down: ['b'] }],
    ['backslash continuation', 'down_revision = \\\n    "a"\n', { down: ['a'] }],
    ['chained assignment', 'revision = other = "a"\n', { revision: ['a'] }],
    ['last assignment wins', 'revision = "a"\nrevision = "b"\n', { revision: ['b'] }],
    ['multi-line tuple with comments', 'depends_on = (\n    "a",  # first\n    "b",\n)\n', { deps: ['a', 'b'] }],
  ])('%s', (_name, src, expected) => {
    expect(ids(src)).toMatchObject(expected);
  });

  it.each([
    ['an attribute', 'branch_labels = (cli.CONTRACT_BRANCH,)\n', '(cli.CONTRACT_BRANCH,)'],
    ['a call', 'revision = make_id()\n', 'make_id()'],
    ['an f-string', 'revision = f"{x}"\n', 'f"{x}"'],
    ['bytes', 'revision = b"abc"\n', 'b"abc"'],
    ['a nested tuple', 'down_revision = (("a",),)\n', '(("a",),)'],
  ])('leaves %s unresolved, with its source', (_name, src, text) => {
    const h = scan(src);
    const a = h.revision ?? h.downRevision ?? h.branchLabels;
    expect(a?.ids).toBeUndefined();
    expect(a?.text).toBe(text);
  });
});

describe('what is not a top-level assignment', () => {
  it.each([
    ['inside a triple-quoted string', 'revision = "a"\nSQL = """\nrevision = "b"\n"""\n'],
    ['inside a function', 'revision = "a"\ndef f():\n    revision = "b"\n'],
    ['inside an if block', 'revision = "a"\nif False:\n    revision = "b"\n'],
    ['a comparison', 'revision = "a"\nrevision == "b"\n'],
    ['a comment', 'revision = "a"\n# revision = "b"\n'],
    ['a bare annotation', 'revision = "a"\nrevision: str\n'],
    ['inside brackets', 'revision = "a"\nx = [\nrevision\n]\n'],
  ])('%s', (_name, src) => {
    expect(scan(src).revision?.ids).toEqual(['a']);
  });
});

describe('ranges', () => {
  it('points at the statement, the value and each literal', () => {
    const h = scan('"""doc"""\nrevision = "abc"\ndown_revision = ("x", "y")  # parents\n');
    expect(h.revision!.range).toEqual({ start: { line: 1, character: 0 }, end: { line: 1, character: 16 } });
    expect(h.downRevision!.valueRange).toEqual({ start: { line: 2, character: 16 }, end: { line: 2, character: 26 } });
    expect(h.downRevision!.literals.map((l) => l.range.start.character)).toEqual([17, 22]);
  });
});

describe('docstring', () => {
  it('reads the message and headers', () => {
    const h = scan('"""add users\n\nRevision ID: abc\nRevises: x, y\nCreate Date: 2024-01-01 10:00:00\n\n"""\nrevision = "abc"\n');
    expect(h.docstring).toBe('add users\n\nRevision ID: abc\nRevises: x, y\nCreate Date: 2024-01-01 10:00:00\n\n');
    expect(h.headers.revisionId).toEqual({ value: 'abc', range: { start: { line: 2, character: 13 }, end: { line: 2, character: 16 } } });
    expect(h.headers.revises?.value).toBe('x, y');
    expect(h.headers.createDate?.value).toBe('2024-01-01 10:00:00');
  });

  it.each([
    ['not first', 'import os\n"""doc"""\n'],
    ['an f-string', 'f"""doc"""\n'],
    ['bytes', 'b"""doc"""\n'],
    ['an expression', '"""doc""" + x\n'],
  ])('is absent when the string is %s', (_name, src) => {
    expect(scan(src).docstring).toBeUndefined();
  });
});

describe('problems', () => {
  // The scanner stops after the last watched name, so it reports what breaks the header; the
  // full parser reports the rest of the file.
  it.each([
    ['an unterminated string', 'revision = "abc\n'],
    ['an unterminated triple-quoted string', 'revision = "a"\nx = """\ndepends_on = None\n'],
    ['an unclosed bracket', 'revision = "a"\nx = (\ndepends_on = None\n'],
    ['a stray closing bracket', 'revision = "a"\n)\ndepends_on = None\n'],
  ])('reports %s as python-syntax', (_name, src) => {
    const h = scan(src);
    expect(h.problems.map((p) => p.code)).toEqual(['python-syntax']);
  });

  it('does not read past the header', () => {
    expect(scan('revision = "a"\ndef upgrade():\n    x = (\n').problems).toEqual([]);
  });

  it('reports brackets nested past Python\'s 200 levels, and leaves such a value unresolved (found by fuzzing)', () => {
    // The literal parser recursed once per bracket, so ten thousand of them overflowed the stack.
    const h = scan(`revision = "a"\ndown_revision = ${'['.repeat(10_000)}"b"${']'.repeat(10_000)}\n`);
    expect(h.problems.map((p) => [p.message, p.range?.start])).toEqual([[TOO_DEEP_MESSAGE, { line: 1, character: 16 + 200 }]]);
    expect(h.downRevision?.ids).toBeUndefined();
    expect(ids(`revision = "a"\ndown_revision = ${'('.repeat(200)}"b"${')'.repeat(200)}\n`).down).toEqual(['b']);
  });
});

describe('decoding', () => {
  it('drops a UTF-8 byte-order mark', () => {
    expect(decodePythonSource(Buffer.from('\ufeffrevision = "a"\n', 'utf8'))).toEqual({ text: 'revision = "a"\n' });
  });

  it('honours a coding cookie', () => {
    const bytes = Buffer.concat([Buffer.from('# -*- coding: latin-1 -*-\n"""caf'), Buffer.from([0xe9]), Buffer.from('"""\n')]);
    expect(decodePythonSource(bytes).text).toContain('café');
  });

  it('explains bytes that are not UTF-8', () => {
    expect(decodePythonSource(Buffer.from([0x22, 0xff, 0x22])).error).toMatch(/not valid UTF-8/);
  });
});
