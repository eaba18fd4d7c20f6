import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

/**
 * Creates a fresh folder under the system temp dir, named `<prefix>XXXXXX`, and removes it when
 * the current test finishes, whether it passed or failed. Test files that make one folder per
 * test used to leave them all behind, and /tmp filled up with hundreds of them over a day.
 * It must be called inside a test (vitest refuses onTestFinished elsewhere); a folder shared by
 * several tests belongs in beforeAll, with its own afterAll that removes it.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
