import { spawn } from 'node:child_process';
import type { AlembicOperation } from './operations';

/**
 * The guided repair of a database whose version table names a revision that no file of the
 * checkout declares. Alembic then fails every command that reads the table with "Can't locate
 * revision identified by '<id>'", a plain `alembic stamp` included (it reads the current
 * revision first), so only `alembic stamp --purge <rev>` gets the database back into a history
 * Alembic knows. This module explains that, looks the lost revision up in the git history of
 * the version locations (the branch that has it, its parents), names the nearest revisions the
 * checkout knows, and prepares the `stamp --purge`, which the client runs only after the user
 * confirms. Node-only: it runs git, with an argument array and never through a shell. The
 * revision files it finds in history are read by `readHeader`, which the caller provides: the
 * extension host never parses revision files itself (it asks the language server), and Node
 * callers can pass the core's header scanner.
 */

/** A revision file as it was in a commit of the git history. */
export interface RevisionInHistory {
  revision: string;
  downRevisions: string[];
  /** The file, relative to the repository root. */
  file: string;
  /** The newest commit whose tree has the file. */
  commit: string;
  /** Committer date, ISO 8601. */
  date: string;
  subject: string;
  /** Local and remote branches that contain the commit. */
  branches: string[];
}

export interface RepairCandidate {
  revision: string;
  /** Why it is offered, in one sentence. */
  reason: string;
}

export interface UnknownRevisionRepair {
  unknown: string[];
  /** What happened and what Alembic does about it, in a few sentences for the view. */
  explanation: string;
  /** The unknown revisions, and the ancestors of them that the checkout does not know either, as git history has them. */
  found: RevisionInHistory[];
  /** Known revisions the database could be stamped to, best first. */
  candidates: RepairCandidate[];
}

/** Runs git in a folder; resolves with its exit code and stdout, never rejects. */
export type GitRunner = (args: readonly string[], cwd: string) => Promise<{ code: number | null; stdout: string }>;

/** `revision` and `down_revision` of a revision file's text, as the model reads them. */
export type HeaderReader = (file: string, text: string) => Promise<{ revision?: string; downRevisions: string[] }>;

export interface RepairInput {
  /** The version table rows that no revision file declares. */
  unknown: readonly string[];
  /** Every revision id of the checkout's history, as the model has it. */
  knownIds: readonly string[];
  /** The checkout's heads. */
  heads: readonly string[];
  versionLocations: readonly string[];
  readHeader: HeaderReader;
  /** git; by default the `git` program on PATH, with a time limit. */
  git?: GitRunner;
}

/** How far back through parents that the checkout does not have the search goes. */
const MAX_ANCESTRY = 50;
/** How many commits that mention an id are looked into. */
const MAX_COMMITS = 20;

export async function planUnknownRevisionRepair(input: RepairInput): Promise<UnknownRevisionRepair> {
  const git = input.git ?? runGit;
  const knownIds = new Set(input.knownIds);
  const known = (id: string): boolean => knownIds.has(id);
  const history = new GitHistory(git, input.versionLocations, input.readHeader);

  const found: RevisionInHistory[] = [];
  const candidates = new Map<string, RepairCandidate>();
  for (const id of input.unknown) {
    // Walk down from the lost revision through parents git still has, until revisions the
    // checkout knows: those are where the database's schema last matched this checkout.
    const queue: { id: string; via: string[] }[] = [{ id, via: [] }];
    const seen = new Set<string>();
    while (queue.length > 0 && seen.size < MAX_ANCESTRY) {
      const next = queue.shift()!;
      if (seen.has(next.id)) continue;
      seen.add(next.id);
      const rev = await history.find(next.id);
      if (!rev) continue;
      if (!found.some((f) => f.revision === rev.revision)) found.push(rev);
      for (const down of rev.downRevisions) {
        if (known(down)) {
          const chain = [...next.via, next.id].join(' → ');
          candidates.set(down, {
            revision: down,
            reason: `${down} is the nearest revision this checkout knows below ${chain} (git history: ${rev.file} in ${rev.commit.slice(0, 12)}).`,
          });
        } else {
          queue.push({ id: down, via: [...next.via, next.id] });
        }
      }
    }
  }
  if (candidates.size === 0) {
    for (const id of input.unknown) {
      for (const rev of input.knownIds) {
        if (commonPrefix(rev, id) >= 4) candidates.set(rev, { revision: rev, reason: `${rev} begins like ${id}; check that it is not the same revision under another id.` });
      }
    }
    for (const head of input.heads) {
      if (!candidates.has(head)) candidates.set(head, { revision: head, reason: `${head} is a head of this checkout: stamp to it only if the database already has everything up to it.` });
    }
  }
  return { unknown: [...input.unknown], explanation: explain(input.unknown, found, [...candidates.keys()]), found, candidates: [...candidates.values()] };
}

/**
 * The `stamp --purge` that moves a database with an unknown revision to `revision`, and the
 * sentence the confirmation asks. Run it only after the user confirmed: it rewrites the version
 * table without running any migration.
 */
export function purgeStamp(revision: string, database: string, table: string): { operation: AlembicOperation; confirmation: string } {
  return {
    operation: { kind: 'stamp', revisions: [revision], purge: true },
    confirmation:
      `Stamp ${database} to ${revision}? \`alembic stamp --purge ${revision}\` deletes every row of ${table} and writes ${revision}, ` +
      `without running any migration: do it only if the database already has the schema of ${revision}.`,
  };
}

function explain(unknown: readonly string[], found: readonly RevisionInHistory[], candidates: readonly string[]): string {
  const ids = unknown.join(', ');
  const parts = [
    `The version table is at ${ids}, which no revision file of this checkout declares. ` +
      `Alembic cannot place the database in its history, so \`alembic upgrade\`, \`downgrade\` and \`current\` fail with ` +
      `"Can't locate revision identified by '${unknown[0]}'", and so does a plain \`alembic stamp\`, which reads the current revision first.`,
  ];
  for (const id of unknown) {
    const rev = found.find((f) => f.revision === id);
    if (!rev) {
      parts.push(`${id} is not in the git history of the version locations either: the database was migrated from code that was never committed here.`);
      continue;
    }
    const where = rev.branches.length > 0 ? ` It is on ${rev.branches.join(', ')}: check that out to migrate with its files.` : ' No branch has it any more: its file was deleted.';
    parts.push(`${id} is in the git history: ${rev.file}, commit ${rev.commit.slice(0, 12)} (${rev.date.slice(0, 10)}, "${rev.subject}").${where}`);
  }
  if (candidates.length > 0) {
    parts.push(`If the database's schema really is that of ${candidates[0]}, \`alembic stamp --purge ${candidates[0]}\` puts it back into this history without running anything.`);
  }
  return parts.join(' ');
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Revision files as the git history of the version locations has them, looked up by id. */
class GitHistory {
  private readonly cache = new Map<string, RevisionInHistory | undefined>();

  constructor(
    private readonly git: GitRunner,
    private readonly locations: readonly string[],
    private readonly readHeader: HeaderReader,
  ) {}

  async find(id: string): Promise<RevisionInHistory | undefined> {
    if (!this.cache.has(id)) this.cache.set(id, await this.search(id));
    return this.cache.get(id);
  }

  private async search(id: string): Promise<RevisionInHistory | undefined> {
    for (const location of this.locations) {
      const root = await this.git(['rev-parse', '--show-toplevel'], location);
      if (root.code !== 0) continue;
      // Commits of any branch that changed how often the id appears under the location: the
      // one adding the file, those adding children, the one deleting it.
      const log = await this.git(['log', '--all', `--max-count=${MAX_COMMITS}`, '--format=%x1e%H%x1f%cI%x1f%s', '--name-only', `-S${id}`, '--', '.'], location);
      if (log.code !== 0) continue;
      // Newest first: the first commit whose tree has a file declaring the id is the newest
      // state of that file (a commit that deleted it has no such file and is passed over).
      for (const entry of log.stdout.split('\x1e').slice(1)) {
        const [head = '', ...files] = entry.split('\n');
        const [commit = '', date = '', subject = ''] = head.split('\x1f');
        for (const file of files.map((f) => f.trim()).filter((f) => f.endsWith('.py'))) {
          const shown = await this.git(['show', `${commit}:${file}`], location);
          if (shown.code !== 0) continue;
          const header = await this.readHeader(file, shown.stdout);
          if (header.revision !== id) continue;
          return { revision: id, downRevisions: header.downRevisions, file, commit, date, subject, branches: await this.branchesWith(commit, file, location) };
        }
      }
    }
    return undefined;
  }

  /** The branches that contain the commit and still have the file at their tip. */
  private async branchesWith(commit: string, file: string, location: string): Promise<string[]> {
    const listed = await this.git(['branch', '--all', '--contains', commit, '--format=%(refname:short)'], location);
    if (listed.code !== 0) return [];
    const branches: string[] = [];
    for (const branch of listed.stdout.split('\n').map((b) => b.trim()).filter(Boolean)) {
      if ((await this.git(['cat-file', '-e', `${branch}:${file}`], location)).code === 0) branches.push(branch);
    }
    return branches;
  }
}

/** `git` with an argument array, a time limit and no terminal prompt; a missing git is a failed run. */
export function runGit(args: readonly string[], cwd: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('git', [...args], { cwd, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, timeout: 15_000 });
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.once('error', () => resolve({ code: null, stdout: '' }));
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8') }));
  });
}
