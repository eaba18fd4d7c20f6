import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * No shell strings: every child process the product starts is spawned with a program and an
 * argument array, never through a shell, so that a revision message, a file name or a URL can
 * never be read as a command. Checked on the source of everything that ships (server/src,
 * client/src): only `spawn`, `spawnSync`, `execFile` and `execFileSync` are imported from
 * child_process, no call passes `shell`, and no program is built from a template string.
 */

const REPO = path.resolve(__dirname, '../../..');
const SHIPPED = ['server/src', 'client/src'];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (full.endsWith('.ts')) out.push(full);
  }
  return out;
}

const files = SHIPPED.flatMap((d) => sources(path.join(REPO, d))).map((f) => ({ file: path.relative(REPO, f), text: readFileSync(f, 'utf8') }));
const spawning = files.filter((f) => /from ['"](node:)?child_process['"]/.test(f.text));

describe('child processes', () => {
  it('are started by a few files that the checks below can see', () => {
    expect(spawning.map((f) => f.file).sort()).toEqual(
      expect.arrayContaining(['server/src/runner/process.ts', 'server/src/runner/command.ts', 'server/src/runner/unknownRevision.ts', 'server/src/cli/lintSince.ts']),
    );
  });

  it.each(spawning.map((f) => [f.file, f.text] as const))('%s imports only the functions that take an argument array', (_file, text) => {
    for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"](?:node:)?child_process['"]/g)) {
      const names = m[1]!.split(',').map((n) => n.trim().split(/\s+as\s+/)[0]!).filter(Boolean);
      expect(names.filter((n) => !['spawn', 'spawnSync', 'execFile', 'execFileSync', 'type ChildProcess', 'ChildProcess'].includes(n))).toEqual([]);
    }
    expect(text).not.toMatch(/import\s+\*\s+as\s+\w+\s+from\s+['"](node:)?child_process['"]/);
  });

  it.each(spawning.map((f) => [f.file, f.text] as const))('%s never asks for a shell, nor builds a program name from a template', (_file, text) => {
    expect(text).not.toMatch(/\bshell\s*:/);
    expect(text).not.toMatch(/\b(spawn|spawnSync|execFile|execFileSync)\s*\(\s*`/);
  });

  it('nothing else in the shipped code reaches child_process another way', () => {
    const sneaky = files.filter((f) => /require\(\s*['"](node:)?child_process['"]\s*\)|import\(\s*['"](node:)?child_process['"]\s*\)/.test(f.text));
    expect(sneaky.map((f) => f.file)).toEqual([]);
  });
});
