import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AlembicEnvironment } from '../core/config';
import type { RevisionHeader } from '../core/revisionHeader';
import type { Finding, RuleId } from '../core/rules/types';
import { readBytes } from '../core/project/source';
import type { Problem } from '../core/types';
import pkg from '../../../package.json';
import { encodeSection, isFileSection, isObject, SECTIONS, SectionReader, shardOf, writeSections, type OutputSection, type SectionName } from './cacheSections';
import { fileStamp, type FileStamp } from './stamp';

export type { OutputSection } from './cacheSections';

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
 * `graph` and `heads` also keep what they printed, under a key of the tool, the environment and
 * every file's path and content hash in load order, so an unchanged history is printed without
 * building its graph again.
 *
 * Reading and hashing every byte of a large history costs more than the rest of a cached run,
 * so the hash itself is kept with the file's stamp (stamp.ts: its size, both times, inode and
 * device, as git's index keeps them). While the stamp is unchanged the
 * recorded hash is taken without reading the file; the hash stays the key of every result.
 * `--cache-strategy content` reads and hashes every file instead.
 *
 * A cache file that cannot be read, is truncated or was edited is ignored with a note, and
 * rewritten at the end of the run. It is written to a temporary file and renamed, so two
 * concurrent runs leave one of their caches, never a mix.
 */

/** The file name of the cache, in the working directory unless `--cache-location` says otherwise. */
export const DEFAULT_CACHE_NAME = '.alembic-pilot-cache';


/**
 * `--cache-strategy`, as ESLint names it: `metadata` takes a file's hash from its unchanged
 * stamp, `content` reads and hashes every file on every run.
 */
export type CacheStrategy = 'metadata' | 'content';
export const CACHE_STRATEGIES: readonly CacheStrategy[] = ['metadata', 'content'];

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
  /** Whether the text has an `alembic-pilot` comment: without one, it is not needed again. */
  hasDirectives: boolean;
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

/** What `graph`, `heads` or `lint` printed for a history, kept under a key of everything it was made from. */
export interface CachedOutput {
  stdout: string;
  stderr: string[];
  code: number;
}

/**
 * How many outputs each section keeps, newest first: one per command, format and history state.
 * A lint's output can be megabytes, and one of an earlier state is reused only when the files
 * are changed back, so `lint-outputs` keeps few, and at most OUTPUT_BYTES of them besides the
 * newest: reading the section is part of every cached lint.
 */
const MAX_OUTPUTS: Record<OutputSection, number> = { outputs: 16, 'lint-outputs': 4 };
const OUTPUT_BYTES = 16 * 1024 * 1024;

/**
 * The key of a whole command's output: what the command was asked (`head`, hashed as stable
 * JSON) and every revision file it read, as path and content hash, in load order. Undefined
 * when a file could not be hashed: such an output is never cached.
 */
export function outputKey(head: unknown, histories: readonly { files: readonly string[]; hashes: readonly (string | undefined)[] }[]): string | undefined {
  const hash = createHash('sha256').update(stableJson(head));
  for (const { files, hashes } of histories) {
    hash.update(`\0${files.length}`);
    for (let i = 0; i < files.length; i++) {
      if (hashes[i] === undefined) return undefined;
      hash.update(`\0${files[i]}\0${hashes[i]}`);
    }
  }
  return hash.digest('base64');
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

/**
 * The cache of one run: updated in memory, written once at the end. The file is read in
 * sections, each when first needed: `graph --cache` on an unchanged history reads only the
 * small section of outputs, never the per-file entries.
 */
export class ResultCache {
  /** The sections read (or started) in this run, by name. */
  private loaded = new Map<SectionName, Map<string, unknown>>();
  /** The sections this run changed: only those are encoded again by `save`. */
  private changed = new Set<SectionName>();
  /** Files this run found on disk: `save` need not check that they still exist. */
  private present = new Set<string>();
  /** Files `hashOf` stat-ed (and maybe read), for the next `probe` of each, once. */
  private readonly hashed = new Map<string, { stamp: FileStamp | undefined; known: string }>();
  private reader: SectionReader | undefined;

  private constructor(
    readonly file: string,
    private readonly tool: string,
    private readonly note: (message: string) => void,
    private readonly strategy: CacheStrategy,
  ) {}

  /**
   * Opens the cache file. A missing file, or one another tool build wrote, starts an empty
   * cache silently; one that cannot be read, or whose sections fail their checksums, starts an
   * empty cache with a note (given to `note`, at once or when the section is first read).
   */
  static open(file: string, tool: string, note: (message: string) => void, strategy: CacheStrategy = 'metadata'): ResultCache {
    const cache = new ResultCache(file, tool, note, strategy);
    const opened = SectionReader.open(file, tool);
    if ('problem' in opened) {
      if (opened.problem !== undefined) note(ignoring(file, opened.problem));
      // A file that was there and is ignored is rewritten, empty, by the next save.
      if (opened.problem !== undefined) for (const name of SECTIONS) cache.changed.add(name);
    } else cache.reader = opened;
    return cache;
  }

  /** A section's entries: read when first needed, empty when the file has none. */
  private entries<T>(name: SectionName, valid: (value: unknown) => boolean = () => true): Map<string, T> {
    let map = this.loaded.get(name);
    if (map === undefined) {
      map = this.read(name, valid);
      this.loaded.set(name, map);
    }
    return map as Map<string, T>;
  }

  private read(name: SectionName, valid: (value: unknown) => boolean): Map<string, unknown> {
    if (!this.reader) return new Map();
    const data = this.reader.read(name);
    if (!('problem' in data) && isObject(data.value) && Object.values(data.value).every(valid)) return new Map(Object.entries(data.value));
    // A damaged section makes the whole file suspect: every section starts empty.
    this.note(ignoring(this.file, 'problem' in data ? data.problem : 'it is corrupted: a section has the wrong shape'));
    this.reader.close();
    this.reader = undefined;
    this.loaded = new Map();
    for (const section of SECTIONS) this.changed.add(section);
    return new Map();
  }

  private stampEntries(): Map<string, string> {
    return this.entries<string>('stamps', (s) => typeof s === 'string');
  }

  get(file: string): CachedFile | undefined {
    return this.entries<CachedFile>(shardOf(file)).get(file);
  }

  set(file: string, entry: CachedFile): void {
    const shard = shardOf(file);
    this.entries<CachedFile>(shard).set(file, entry);
    this.changed.add(shard);
  }

  /**
   * The content hash recorded for `file` under `stamp`, when its stamp is the one recorded:
   * the file has not changed since its bytes were hashed (stamp.ts), so they need no reading.
   */
  hashByStamp(file: string, stamp: FileStamp | undefined): string | undefined {
    if (stamp === undefined || this.strategy === 'content') return undefined;
    const entry = this.stampEntries().get(file);
    if (entry === undefined) return undefined;
    const space = entry.indexOf(' ');
    return entry.slice(0, space) === stamp.key ? entry.slice(space + 1) : undefined;
  }

  /**
   * Records the hash of `file`'s bytes as read after `stamp` was taken. The order matters: a
   * write between the stat and the read leaves a stamp the next stat does not match, where the
   * reverse order could pair the new stamp with the old bytes. A stamp that has not settled
   * is not recorded (the file is read again next time).
   */
  noteStamp(file: string, stamp: FileStamp | undefined, hash: string): void {
    if (this.strategy === 'content') return;
    const stamps = this.stampEntries();
    const value = stamp?.settled ? `${stamp.key} ${hash}` : undefined;
    if (stamps.get(file) === value) return;
    if (value === undefined) stamps.delete(file);
    else stamps.set(file, value);
    this.changed.add('stamps');
  }

  /**
   * Stats `file` and gives its stamp, with the hash recorded under it when the stamp is
   * unchanged. A caller that reads the file after this records the read's hash with `noteStamp`.
   */
  probe(file: string): { stamp: FileStamp | undefined; known: string | undefined } {
    // What `hashOf` found for the file earlier in this run (an output-cache check before the
    // per-file pass), given once: its stat came before any read that follows, as it must.
    const earlier = this.hashed.get(file);
    if (earlier) {
      this.hashed.delete(file);
      return earlier;
    }
    const stamp = fileStamp(file);
    if (stamp !== undefined) this.present.add(file);
    return { stamp, known: this.hashByStamp(file, stamp) };
  }

  /**
   * The content hash of `file`: from its stamp when unchanged, else read and hashed (and the
   * stamp recorded). Undefined when the file cannot be read.
   */
  hashOf(file: string): string | undefined {
    const { stamp, known } = this.probe(file);
    if (known !== undefined) {
      this.hashed.set(file, { stamp, known });
      return known;
    }
    const read = readBytes(file);
    if ('error' in read) return undefined;
    this.noteStamp(file, stamp, read.hash);
    this.hashed.set(file, { stamp, known: read.hash });
    return read.hash;
  }

  getOutput(key: string, section: OutputSection = 'outputs'): CachedOutput | undefined {
    return this.entries<CachedOutput>(section, isObject).get(key);
  }

  setOutput(key: string, output: CachedOutput, section: OutputSection = 'outputs'): void {
    const outputs = this.entries<CachedOutput>(section, isObject);
    outputs.delete(key);
    outputs.set(key, output);
    let bytes = 0;
    for (const kept of outputs.values()) bytes += kept.stdout.length;
    for (const [old, kept] of outputs) {
      if (old === key || (outputs.size <= MAX_OUTPUTS[section] && bytes - output.stdout.length <= OUTPUT_BYTES)) break;
      outputs.delete(old);
      bytes -= kept.stdout.length;
    }
    this.changed.add(section);
  }

  /**
   * Writes the cache when this run changed it; returns a note when it could not. A section
   * this run did not change is copied as it is, checksum included: a run that only recorded
   * stamps, or changed a few files, does not encode forty megabytes of findings again. The
   * sections written drop the entries of files that are gone; entries of files this run did
   * not see (another environment's) stay, and a stale one is harmless, as its hash no longer
   * matches anything.
   */
  save(): string | undefined {
    if (this.changed.size === 0) return undefined;
    const bodies = SECTIONS.map((name) => {
      const map = this.loaded.get(name);
      const verbatim = this.changed.has(name) ? undefined : this.reader?.raw(name);
      if (verbatim) return { name, ...verbatim };
      if (map !== undefined && (name === 'stamps' || isFileSection(name))) {
        for (const file of map.keys()) if (!this.present.has(file) && !existsSync(file)) map.delete(file);
      }
      return encodeSection(name, map ?? new Map<string, unknown>());
    });
    this.reader?.close();
    this.reader = undefined;
    try {
      writeSections(this.file, this.tool, bodies);
      this.changed.clear();
      // The sections this run did not load are read, if ever, from the file just written.
      const reopened = SectionReader.open(this.file, this.tool);
      if (!('problem' in reopened)) this.reader = reopened;
      return undefined;
    } catch (e) {
      return `note: could not write the cache file ${this.file}: ${(e as Error).message}`;
    }
  }
}

function ignoring(file: string, why: string): string {
  return `note: ignoring the cache file ${file} (${why}); it is rebuilt by this run.`;
}
