import { fileURLToPath, pathToFileURL } from 'node:url';

/** The path of a `file:` URI; other schemes (untitled buffers, git diffs) are not in any environment. */
export function pathOf(uri: string): string | undefined {
  return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
}

export function uriOf(file: string): string {
  return pathToFileURL(file).toString();
}
