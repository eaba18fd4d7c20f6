import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './io';

/**
 * `lint --since REF`: the files changed since a git revision, as real paths. That is what
 * `git diff REF` would show (committed, staged and unstaged changes) plus untracked files that
 * are not ignored, since a new revision file is usually untracked when the linter runs locally.
 */

function git(args: readonly string[], cwd: string): { ok: true; stdout: string } | { ok: false; reason: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) return { ok: false, reason: `cannot run git: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, reason: r.stderr.trim() || `git ${args[0]} exited with ${String(r.status)}` };
  return { ok: true, stdout: r.stdout };
}

function realpathOrUndefined(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

export class ChangedFiles {
  private readonly byRepo = new Map<string, Set<string>>();
  private readonly repoOf = new Map<string, string>();

  constructor(private readonly ref: string) {}

  /** The changed files of the repository holding `folder`. Throws UsageError when there is none or the ref is unknown. */
  in(folder: string): Set<string> {
    let top = this.repoOf.get(folder);
    if (top === undefined) {
      const r = git(['rev-parse', '--show-toplevel'], folder);
      if (!r.ok) throw new UsageError(`--since needs a git repository, and ${folder} is not in one (${r.reason}).`);
      top = r.stdout.trim();
      this.repoOf.set(folder, top);
    }
    let changed = this.byRepo.get(top);
    if (!changed) {
      changed = this.list(top);
      this.byRepo.set(top, changed);
    }
    return changed;
  }

  private list(top: string): Set<string> {
    // The ref is resolved to a commit first, behind --end-of-options, so that neither a ref
    // that looks like an option nor one that names a path can change what git diff does.
    const commit = git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${this.ref}^{commit}`], top);
    if (!commit.ok) throw new UsageError(`--since: '${this.ref}' is not a commit of the git repository at ${top}.`);
    const diff = git(['diff', '--name-only', '-z', '--no-ext-diff', commit.stdout.trim(), '--'], top);
    if (!diff.ok) throw new UsageError(`--since: git diff failed in ${top} (${diff.reason}).`);
    const untracked = git(['ls-files', '--others', '--exclude-standard', '-z'], top);
    if (!untracked.ok) throw new UsageError(`--since: git ls-files failed in ${top} (${untracked.reason}).`);
    const changed = new Set<string>();
    for (const name of [...diff.stdout.split('\0'), ...untracked.stdout.split('\0')]) {
      if (name === '') continue;
      // Deleted files have no real path and nothing to lint.
      const real = realpathOrUndefined(path.join(top, name));
      if (real !== undefined) changed.add(real);
    }
    return changed;
  }
}
