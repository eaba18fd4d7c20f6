import { describe, expect, it } from 'vitest';
import { codeShape } from '../../../server/src/core/template/codeShape';
import { isInside, unsafeIdentifier } from '../../../server/src/core/template/identifiers';

/** The rules New Revision and the runner apply to what the user types (see core/template/identifiers.ts). */

const render = (template: string, message: string): string => template.replace('MESSAGE', message);

describe('codeShape', () => {
  it.each([
    ['a docstring', '"""MESSAGE\n\nRevision ID: 1\n"""\nrevision = "1"\n', ['add users', 'it\'s "quoted" \\ back', '$(id) `id`; x', 'ünï ✓']],
    ['a comment', '# MESSAGE\nrevision = "1"\n', ['add users', 'it\'s "quoted" \\ back', '$(id) `id`; x', 'ünï ✓']],
    // In a one-line string a double quote is not harmless: it ends the string.
    ['a one-line string', 'message = "MESSAGE"\nrevision = "1"\n', ['add users', "it's fine", '$(id) `id`; x', 'ünï ✓']],
  ])('is unchanged by a harmless message in %s', (_where, template, messages) => {
    for (const message of messages) {
      expect(codeShape(render(template, message))).toBe(codeShape(render(template, 'message')));
    }
  });

  it.each([
    ['a docstring', '"""MESSAGE\n\nRevision ID: 1\n"""\nrevision = "1"\n', 'x"""\nimport os\n"""'],
    ['a docstring, on one line', '"""MESSAGE\n\nRevision ID: 1\n"""\nrevision = "1"\n', 'x"""; __import__("os").system("id"); """'],
    ['a comment', '# MESSAGE\nrevision = "1"\n', 'x\nimport os'],
    ['a one-line string', 'message = "MESSAGE"\nrevision = "1"\n', 'x"; import os; y = "'],
  ])('changes when a message leaves %s', (_where, template, message) => {
    expect(codeShape(render(template, message))).not.toBe(codeShape(render(template, 'message')));
  });

  it('keeps line breaks inside a docstring harmless', () => {
    const template = '"""MESSAGE\n"""\nrevision = "1"\n';
    expect(codeShape(render(template, 'first\nsecond'))).toBe(codeShape(render(template, 'message')));
  });
});

describe('unsafeIdentifier', () => {
  it.each(['20260110_001', 'ae1027a6acf', '001_initial_schema', 'v1.2', 'A_b'])('accepts %s', (id) => {
    expect(unsafeIdentifier(id, 'revision id')).toBeUndefined();
  });

  it.each(['', '../x', '..', '.hidden', 'a/b', 'a\\b', 'a b', 'a;b', '$(id)', '`id`', "a'b", 'a"b', 'x\ny', 'a\u0000b'])('refuses %j', (id) => {
    expect(unsafeIdentifier(id, 'revision id')).toMatch(/^The revision id '.*' may hold only letters, digits, '_' and '\.'/s);
  });

  it('shows control characters as escapes', () => {
    expect(unsafeIdentifier('x\ny', 'revision id')).toContain("'x\\x0ay'");
  });
});

describe('isInside', () => {
  it.each<[string, string, boolean]>([
    ['/p/versions', '/p/versions/a.py', true],
    ['/p/versions', '/p/versions/sub/a.py', true],
    ['/p/versions', '/p/versions/../a.py', false],
    ['/p/versions', '/p/versions', false],
    ['/p/versions', '/p/versions2/a.py', false],
    ['/p/versions', '/etc/passwd', false],
  ])('%s holds %s: %s', (folder, file, inside) => {
    expect(isInside(folder, file)).toBe(inside);
  });
});
