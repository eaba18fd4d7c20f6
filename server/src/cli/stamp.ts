import { statSync } from 'node:fs';

/**
 * A file's stamp: what its stat says about its bytes without reading them, as git's index
 * records it (size, modification and change times, inode, device). The times are Node's
 * millisecond doubles, exact to a fraction of a microsecond: a BigInt stat, exact to the
 * nanosecond, costs twice as much over ten thousand files, and buys nothing here, since a
 * stamp is only recorded for a file left alone for seconds (below). `--cache`
 * keeps each file's content hash under its stamp, so that a run over an unchanged history hashes
 * nothing; the hash, never the stamp, stays the key of every cached result.
 *
 * The change time is what makes this safe: no program can set it, and every write, rename or
 * `touch -d` moves it. The one gap is a write within the same tick of the file system's clock
 * as the stat, which leaves both times as they were: git calls such an entry "racily clean".
 * A stamp is therefore only recorded once the file has been left alone for `SETTLE_MS` before
 * the stat; a file changed more recently is hashed again on the next run.
 */
export interface FileStamp {
  /** `size:mtimeMs:ctimeMs:ino:dev` */
  key: string;
  /** Whether both times are older than SETTLE_MS at the stat: only then is the stamp recorded. */
  settled: boolean;
}

/**
 * How long a file must be left alone before its stamp is trusted: more than the coarsest
 * timestamp resolution of a file system we may meet (HFS+ keeps whole seconds).
 */
export const SETTLE_MS = 2000;

/** The file's stamp, or undefined when it cannot be stat'ed (it is then read, and fails there). */
export function fileStamp(path: string): FileStamp | undefined {
  let st;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  if (st === undefined || !st.isFile()) return undefined;
  const horizon = Date.now() - SETTLE_MS;
  return {
    key: `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}:${st.dev}`,
    settled: st.mtimeMs < horizon && st.ctimeMs < horizon,
  };
}
