import path from 'node:path';

/**
 * What a new revision file may take from the user without becoming something else: an id that
 * is safe in a file name and in Python source, and a path that stays in the version location.
 * Alembic checks neither, so these rules are ours and stricter than Alembic's. The runner uses
 * them too, which is why this module imports no parser (codeShape.ts has the third rule).
 */

/** Letters, digits, `_` and `.` (not first): what hand-made ids such as `20260110_001` use. */
const SAFE_ID = /^[A-Za-z0-9_][A-Za-z0-9_.]*$/;

/** Why a user-typed revision id (or branch label) cannot be used, or undefined when it can. */
export function unsafeIdentifier(value: string, what: string): string | undefined {
  if (SAFE_ID.test(value)) return undefined;
  return `The ${what} '${printable(value)}' may hold only letters, digits, '_' and '.', so that it is safe in a file name and in the revision's source`;
}

/** Whether `file` lies inside `folder` (not the folder itself, not through `..`). */
export function isInside(folder: string, file: string): boolean {
  const relative = path.relative(path.resolve(folder), path.resolve(file));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** Control characters shown as escapes, so that a message can quote a value safely. */
function printable(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
