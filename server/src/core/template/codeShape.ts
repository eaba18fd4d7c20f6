import { parsePython } from '../parse/syntax';

/**
 * Where a value landed in a rendered template. A message belongs in the string or comment the
 * template puts it in (the docstring, by default); one that closes it turns the rest of the
 * line into code, which Alembic runs as soon as it loads the new file. Alembic does not check
 * this; New Revision does, by comparing the rendering with one of a harmless message.
 */

/**
 * The structure of Python source with the contents of strings and comments left out: two
 * renderings of a template differ in it exactly when a value left its string or comment.
 */
export function codeShape(text: string): string {
  const names: string[] = [];
  parsePython(text).iterate({
    enter(node) {
      names.push(node.type.isError ? '⚠' : node.name);
      // A string's inside (escapes, f-string parts) is content, not structure.
      return node.name !== 'String' && node.name !== 'FormatString' && node.name !== 'Comment';
    },
  });
  return names.join(' ');
}
