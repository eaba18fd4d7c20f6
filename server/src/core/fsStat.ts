import { statSync, type Stats } from 'node:fs';

/**
 * `statSync` following links, or undefined when the path leads to nothing the system can stat:
 * missing, under a file (ENOTDIR), a symbolic link loop, a name too long, a NUL byte in it.
 * Python's `os.path.isdir` and `isfile` answer False in all of these cases, and paths here come
 * from user files, so none of them may escape as an exception.
 */
export function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
