import { createHash, hash as oneShotHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { decodePythonSource, type DecodedSource } from '../scan/decode';

/**
 * Reading revision files: bytes into one reused buffer, their content hash, and text as Python
 * decodes it. A history of ten thousand files otherwise allocates ten thousand buffers that
 * only live until they are decoded.
 */

/** A file as read: its bytes' hash, or why it could not be read. */
export type ReadBytes = { bytes: Uint8Array; hash: string } | { error: string };

let shared = Buffer.allocUnsafe(1 << 16);

/**
 * Reads a whole file into the shared buffer and hashes it. The bytes are valid until the
 * next call; decode them before reading another file.
 */
export function readBytes(path: string): ReadBytes {
  try {
    const bytes = readIntoSharedBuffer(path);
    return { bytes, hash: contentHash(bytes) };
  } catch (e) {
    return { error: cannotRead(e) };
  }
}

/** Reads and decodes a file; an unreadable file is empty text with the reason. */
export function readSource(path: string): DecodedSource {
  try {
    return decodePythonSource(readIntoSharedBuffer(path));
  } catch (e) {
    return { text: '', error: cannotRead(e) };
  }
}

function cannotRead(e: unknown): string {
  return `Cannot read the file: ${(e as Error).message}`;
}

/**
 * The content hash that keys cached results: SHA-256 of the file's bytes. Node 20.12 and
 * later hash in one call, which matters over ten thousand files; older ones use a Hash object.
 */
export function contentHash(bytes: Uint8Array): string {
  return typeof oneShotHash === 'function' ? oneShotHash('sha256', bytes, 'base64') : createHash('sha256').update(bytes).digest('base64');
}

function readIntoSharedBuffer(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      if (length === shared.length) {
        const bigger = Buffer.allocUnsafe(shared.length * 2);
        shared.copy(bigger, 0, 0, length);
        shared = bigger;
      }
      const room = shared.length - length;
      const n = readSync(fd, shared, length, room, null);
      length += n;
      // A read of a regular file that returns less than asked for has reached its end, which
      // saves the second read that would return nothing; a file that fills the buffer is read on.
      if (n === 0 || n < room) return shared.subarray(0, length);
    }
  } finally {
    closeSync(fd);
  }
}
