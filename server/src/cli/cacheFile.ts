import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AlembicEnvironment } from '../core/config';
import type { RevisionHeader } from '../core/revisionHeader';
import type { Finding, RuleId } from '../core/rules/types';
import type { Problem } from '../core/types';
import pkg from '../../../package.json';

/**
 * `--cache`: what `lint` and `graph` computed per revision file, kept between runs in one file
 * (ESLint's `.eslintcache`, for Alembic). Every entry is keyed on what it was computed from:
 *
 * - the file's path and a SHA-256 of its bytes (never its modification time);
 * - the tool, as its version plus a hash of the running bundles, so a rebuilt linter never
 *   reads an older one's results (checked once per cache file: another tool starts afresh);
 * - for lint results, a settings key: the rule settings, the targets (Alembic and PostgreSQL
 *   versions), the environment's configuration (dialect included) and its env.py.
 *
 * Only file-local results are kept: the scanned header, the full parser's problems, and the
 * findings of the rules that read nothing but the file and those keyed inputs (see
 * core/rules/phases.ts). Findings that depend on the graph are computed on every run.
 *
 * A cache file that cannot be read, is truncated or was edited is ignored with a note, and
 * rewritten at the end of the run. It is written to a temporary file and renamed, so two
 * concurrent runs leave one of their caches, never a mix.
 */

/** The file name of the cache, in the working directory unless `--cache-location` says otherwise. */
export const DEFAULT_CACHE_NAME = '.alembic-pilot-cache';

const FORMAT = 'alembic-pilot-cache';
const FORMAT_VERSION = 1;

/** What the file-local rules found, under one settings key. */
export interface CachedLint {
  key: string;
  /** The rules that were on and dependent: run again on every lint. Every other rule that was on is local. */
  dependent: RuleId[];
  /** The local rules' findings before suppressions, in the rule list's order. */
  findings: Finding[];
  /** The full parser's problems (syntax errors anywhere in the file). */
  problems: Problem[];
  /** The full parser's header, kept only when it differs from the scanner's beyond `problems`. */
  parsedHeader?: RevisionHeader;
}

export interface CachedFile {
  /** SHA-256 of the file's bytes, base64 (core/project/source.ts). */
  hash: string;
  /** The header scanner's header, from which the graph is built. */
  header: RevisionHeader;
  /** Why Python could not decode the bytes, when it could not. */
  decodeError?: string;
  lint?: CachedLint;
}

interface Preamble {
  format: typeof FORMAT;
  version: number;
  tool: string;
  /** SHA-256 of the body, which detects truncated or edited files. */
  checksum: string;
}

/**
 * The tool's identity: the package version and a hash of the bundles doing the work (the
 * running script and the lint worker beside it), so that a rebuilt linter with the same
 * version number still starts with an empty cache.
 */
export function toolFingerprint(): string {
  const hash = createHash('sha256');
  for (const file of [__filename, path.join(path.dirname(__filename), 'lintWorker.js')]) {
    try {
      hash.update(readFileSync(file));
    } catch {
      // Running from the sources (tests) there is no bundle beside this module.
    }
  }
  return `${pkg.version}+${hash.digest('base64').slice(0, 16)}`;
}

/** Where `--cache` keeps its file: `location` as a file, or a folder to hold the default name. */
export function cacheFilePath(cwd: string, location: string | undefined): string {
  if (location === undefined) return path.join(cwd, DEFAULT_CACHE_NAME);
  const resolved = path.resolve(cwd, location);
  const isFolder = /[\\/]$/.test(location) || (existsSync(resolved) && statSync(resolved).isDirectory());
  return isFolder ? path.join(resolved, DEFAULT_CACHE_NAME) : resolved;
}

/**
 * JSON with object keys sorted, so that equal settings give equal keys whatever order they
 * were written in.
 */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/**
 * The settings key of an environment's lint: everything besides the file that the local rules
 * may read. The database URL is reduced to its scheme (the dialect): it may hold a password,
 * which must not end up in a file, even hashed.
 */
export function lintSettingsKey(env: AlembicEnvironment, rest: Record<string, unknown>): string {
  const { sqlalchemyUrl, ...config } = env;
  const scheme = sqlalchemyUrl === undefined ? null : (/^([^:]*):/.exec(sqlalchemyUrl)?.[1] ?? '');
  const envPy = env.scriptLocation === undefined ? null : fileHash(path.join(env.scriptLocation, 'env.py'));
  return createHash('sha256').update(stableJson({ config, scheme, envPy, ...rest })).digest('base64');
}

function fileHash(file: string): string | null {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('base64');
  } catch {
    return null;
  }
}

/** The cache of one run: loaded once, updated in memory, written once at the end. */
export class ResultCache {
  private readonly files: Map<string, CachedFile>;
  private dirty = false;

  private constructor(
    readonly file: string,
    private readonly tool: string,
    files: Map<string, CachedFile>,
  ) {
    this.files = files;
  }

  /**
   * Loads the cache file. A missing file, or one another tool build wrote, starts an empty
   * cache silently; one that cannot be read or fails its checksum starts an empty cache with
   * a note for stderr.
   */
  static open(file: string, tool: string): { cache: ResultCache; note?: string } {
    let raw: string;
    try {
      raw = readFileSync(file, 'utf8');
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      return { cache: new ResultCache(file, tool, new Map()), ...(missing ? {} : { note: ignoring(file, (e as Error).message) }) };
    }
    const read = parseCache(raw, tool);
    if ('problem' in read) return { cache: new ResultCache(file, tool, new Map()), note: ignoring(file, read.problem) };
    return { cache: new ResultCache(file, tool, read.files ?? new Map()) };
  }

  get(file: string): CachedFile | undefined {
    return this.files.get(file);
  }

  set(file: string, entry: CachedFile): void {
    this.files.set(file, entry);
    this.dirty = true;
  }

  /**
   * Drops the entries of files that are gone. Entries of files this run did not read (another
   * environment's) are kept; a stale one is harmless, as its hash no longer matches anything.
   */
  private prune(): void {
    for (const file of this.files.keys()) if (!existsSync(file)) this.files.delete(file);
  }

  /** Writes the cache when this run changed it; returns a note when it could not. */
  save(): string | undefined {
    if (!this.dirty) return undefined;
    this.prune();
    const body = JSON.stringify({ files: Object.fromEntries(this.files) });
    const preamble: Preamble = { format: FORMAT, version: FORMAT_VERSION, tool: this.tool, checksum: checksum(body) };
    const temp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileSync(temp, `${JSON.stringify(preamble)}\n${body}`);
      renameSync(temp, this.file);
      this.dirty = false;
      return undefined;
    } catch (e) {
      try {
        rmSync(temp, { force: true });
      } catch {
        // Nothing was written where nothing can be.
      }
      return `note: could not write the cache file ${this.file}: ${(e as Error).message}`;
    }
  }
}

function ignoring(file: string, why: string): string {
  return `note: ignoring the cache file ${file} (${why}); it is rebuilt by this run.`;
}

function checksum(body: string): string {
  return createHash('sha256').update(body).digest('base64');
}

/**
 * Reads a cache file's text. The checksum vouches that the body is what a run of this same
 * tool wrote, so its entries are used without checking each one's shape again; only the
 * preamble and the top level are validated.
 */
function parseCache(raw: string, tool: string): { files?: Map<string, CachedFile> } | { problem: string } {
  const newline = raw.indexOf('\n');
  if (newline < 0) return { problem: 'it is truncated' };
  let preamble: unknown;
  try {
    preamble = JSON.parse(raw.slice(0, newline));
  } catch {
    return { problem: 'it is not an Alembic Pilot cache' };
  }
  if (!isPreamble(preamble)) return { problem: 'it is not an Alembic Pilot cache' };
  // Another version wrote it: nothing in it can be used, which is not worth a note.
  if (preamble.version !== FORMAT_VERSION || preamble.tool !== tool) return {};
  const body = raw.slice(newline + 1);
  if (checksum(body) !== preamble.checksum) return { problem: 'it is corrupted: its checksum does not match' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { problem: 'it is corrupted: its body is not JSON' };
  }
  const files = isObject(parsed) ? parsed['files'] : undefined;
  if (!isObject(files)) return { problem: 'it is corrupted: it has no file entries' };
  return { files: new Map(Object.entries(files) as [string, CachedFile][]) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPreamble(v: unknown): v is Preamble {
  return isObject(v) && v['format'] === FORMAT && typeof v['version'] === 'number' && typeof v['tool'] === 'string' && typeof v['checksum'] === 'string';
}
