import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Processes are spawned with argument arrays only, never through a shell: checked here over the
 * product's source (server/src and client/src, which make every bundle we ship), and at run time
 * in test/integration/security/injection.test.ts, which records every spawn of the runner and the
 * CLI.
 */

const repo = path.resolve(__dirname, '../../..');

function sources(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const root of ['server/src', 'client/src']) {
    for (const entry of readdirSync(path.join(repo, root), { recursive: true, encoding: 'utf8' })) {
      if (!/\.(ts|mts|cts|js|mjs|cjs)$/.test(entry)) continue;
      const file = path.join(root, entry);
      out.push({ file, text: readFileSync(path.join(repo, file), 'utf8') });
    }
  }
  return out;
}

/** The text without comments, so that a sentence about `exec` in a comment is not a finding. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

describe('spawning in the product source', () => {
  const files = sources();

  it('reads the whole source tree', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.map((f) => f.file)).toContain(path.join('server/src', 'runner', 'process.ts'));
  });

  it('imports only spawn and spawnSync from child_process, and only in the modules that run programs', () => {
    const importers: Record<string, string[]> = {};
    for (const { file, text } of files) {
      const body = code(text);
      expect(body, file).not.toMatch(/require\(\s*['"](?:node:)?child_process['"]\s*\)/);
      expect(body, file).not.toMatch(/import\s+\*\s+as\s+\w+\s+from\s+['"](?:node:)?child_process['"]/);
      for (const m of body.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"](?:node:)?child_process['"]/g)) {
        importers[file] = m[1]!.split(',').map((s) => s.trim()).filter(Boolean);
      }
    }
    expect(importers).toEqual({
      [path.join('server/src', 'cli', 'lintSince.ts')]: ['spawnSync'],
      [path.join('server/src', 'runner', 'command.ts')]: ['spawn'],
      [path.join('server/src', 'runner', 'process.ts')]: ['spawn'],
      // `git log` and `git show` over the version locations, for the unknown-revision repair.
      [path.join('server/src', 'runner', 'unknownRevision.ts')]: ['spawn'],
    });
  });

  it('never asks for a shell, and never hands spawn a command string', () => {
    for (const { file, text } of files) {
      const body = code(text);
      expect(body, file).not.toMatch(/\bshell\s*:/);
      // A bare call; RegExp's `.exec(` is a method and fine.
      expect(body, file).not.toMatch(/(?<![.\w])(?:exec|execSync|execFile|execFileSync)\s*\(/);
      // The arguments are an array (a literal or a variable), never a string or template literal.
      expect(body, file).not.toMatch(/\bspawn(?:Sync)?\(\s*[^,()]+,\s*[`'"]/);
      expect(body, file).not.toMatch(/\bspawn(?:Sync)?\(\s*[`'"][^`'"]*\s[^`'"]*[`'"]\s*[,)]/);
    }
  });

  it('spawns with arrays where it spawns', () => {
    const calls = files.flatMap(({ file, text }) => [...code(text).matchAll(/\bspawn(?:Sync)?\(\s*([^,]+),\s*(\S+)/g)].map((m) => ({ file, program: m[1]!, args: m[2]! })));
    expect(calls.map((c) => c.file).sort()).toEqual([
      path.join('server/src', 'cli', 'lintSince.ts'),
      path.join('server/src', 'runner', 'command.ts'),
      path.join('server/src', 'runner', 'process.ts'),
      path.join('server/src', 'runner', 'unknownRevision.ts'),
    ]);
    // A literal array, or an array-valued expression; never a string.
    for (const { file, args } of calls) expect(args, file).toMatch(/^(\[|[A-Za-z_][\w.]*)/);
  });
});
