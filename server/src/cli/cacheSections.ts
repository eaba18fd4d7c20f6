import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * The cache file on disk (cacheFile.ts says what is in it): one line of JSON, the preamble,
 * naming the format, the tool and each section's length and SHA-256, then the sections, each
 * a JSON object, one after the other. A section is read only when first needed, and is checked
 * against its checksum then; one a run did not change is written back as the bytes it read.
 */

const FORMAT = 'alembic-pilot-cache';
const FORMAT_VERSION = 4;

/**
 * The sections of the cache file, in the order they are written: the small ones first, so that
 * a run that needs only them (`graph --cache` on an unchanged history) never reads the per-file
 * entries. `graph` and `heads` outputs are kept apart from `lint`'s, which are ten times larger:
 * one command's cached answer does not make the other's slower to find. The per-file entries
 * are split into shards by path: a run that changed a few files writes back the few shards
 * that hold them and copies the others as they were, instead of encoding 40 MB again.
 */
const FILE_SHARDS = 16;
const FILE_SECTIONS = Array.from({ length: FILE_SHARDS }, (_, i) => `files-${i}` as const);
export const SECTIONS = ['stamps', 'outputs', 'lint-outputs', ...FILE_SECTIONS] as const;
export type SectionName = (typeof SECTIONS)[number];
type FileSection = (typeof FILE_SECTIONS)[number];

/** Where a command's whole outputs are kept. */
export type OutputSection = 'outputs' | 'lint-outputs';

/** The shard of a file's entry: FNV-1a of its path. */
export function shardOf(file: string): FileSection {
  let h = 0x811c9dc5;
  for (let i = 0; i < file.length; i++) h = Math.imul(h ^ file.charCodeAt(i), 0x01000193);
  return FILE_SECTIONS[(h >>> 0) % FILE_SHARDS]!;
}

interface Preamble {
  format: typeof FORMAT;
  version: number;
  tool: string;
  /** Byte length and SHA-256 of each section; sections follow the preamble's line in order. */
  sections: { name: SectionName; length: number; checksum: string }[];
}

/** Whether a section holds per-file entries. */
export function isFileSection(name: SectionName): name is FileSection {
  return name.startsWith('files-');
}

/** A section as written: its bytes and their checksum. */
export interface SectionBody {
  name: SectionName;
  bytes: Buffer;
  checksum: string;
}

export function encodeSection(name: SectionName, entries: Map<string, unknown>): SectionBody {
  const bytes = Buffer.from(JSON.stringify(Object.fromEntries(entries)));
  return { name, bytes, checksum: checksum(bytes) };
}

/**
 * Writes a cache file: to a temporary file, piece by piece (joining the pieces first would copy
 * forty megabytes once more), then renamed into place, so that two concurrent runs leave one of
 * their caches, never a mix. Throws when it cannot, leaving no temporary file behind.
 */
export function writeSections(file: string, tool: string, bodies: readonly SectionBody[]): void {
  const preamble: Preamble = { format: FORMAT, version: FORMAT_VERSION, tool, sections: bodies.map((b) => ({ name: b.name, length: b.bytes.length, checksum: b.checksum })) };
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const fd = openSync(temp, 'w');
    try {
      for (const piece of [Buffer.from(`${JSON.stringify(preamble)}\n`), ...bodies.map((b) => b.bytes)]) {
        for (let at = 0; at < piece.length; ) at += writeSync(fd, piece, at, piece.length - at);
      }
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (e) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Nothing was written where nothing can be.
    }
    throw e;
  }
}

/**
 * Reads a cache file's sections from one open descriptor, so that a file another run renames
 * into place meanwhile cannot mix with this one.
 */
export class SectionReader {
  private constructor(
    private fd: number | undefined,
    private readonly offsets: Map<SectionName, { start: number; length: number; checksum: string }>,
  ) {}

  /** The reader, or why there is none: `problem` undefined means a missing or foreign file. */
  static open(file: string, tool: string): SectionReader | { problem: string | undefined } {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (e) {
      return { problem: (e as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : (e as Error).message };
    }
    const fail = (problem: string | undefined): { problem: string | undefined } => {
      closeSync(fd);
      return { problem };
    };
    try {
      const head = Buffer.alloc(64 * 1024);
      const n = readSync(fd, head, 0, head.length, 0);
      const newline = head.subarray(0, n).indexOf(0x0a);
      if (newline < 0) return fail(n === 0 ? 'it is empty' : 'it is not an Alembic Pilot cache');
      let preamble: unknown;
      try {
        preamble = JSON.parse(head.toString('utf8', 0, newline));
      } catch {
        return fail('it is not an Alembic Pilot cache');
      }
      if (!isObject(preamble) || preamble['format'] !== FORMAT) return fail('it is not an Alembic Pilot cache');
      // Another version wrote it: nothing in it can be used, which is not worth a note.
      if (preamble['version'] !== FORMAT_VERSION || preamble['tool'] !== tool) return fail(undefined);
      const sections = preamble['sections'];
      if (!Array.isArray(sections)) return fail('it is corrupted: it has no sections');
      const offsets = new Map<SectionName, { start: number; length: number; checksum: string }>();
      let start = newline + 1;
      for (const section of sections as unknown[]) {
        if (!isObject(section) || typeof section['length'] !== 'number' || typeof section['checksum'] !== 'string' || !SECTIONS.includes(section['name'] as SectionName)) {
          return fail('it is corrupted: a section is described wrongly');
        }
        offsets.set(section['name'] as SectionName, { start, length: section['length'], checksum: section['checksum'] });
        start += section['length'];
      }
      return new SectionReader(fd, offsets);
    } catch (e) {
      return fail((e as Error).message);
    }
  }

  read(name: SectionName): { value: unknown } | { problem: string } {
    const at = this.offsets.get(name);
    if (this.fd === undefined || !at) return { problem: 'it is corrupted: a section is missing' };
    try {
      const bytes = Buffer.alloc(at.length);
      const n = readSync(this.fd, bytes, 0, at.length, at.start);
      if (n !== at.length) return { problem: 'it is truncated' };
      if (checksum(bytes) !== at.checksum) return { problem: 'it is corrupted: its checksum does not match' };
      return { value: JSON.parse(bytes.toString('utf8')) as unknown };
    } catch (e) {
      return { problem: e instanceof SyntaxError ? 'it is corrupted: a section is not JSON' : (e as Error).message };
    }
  }

  /** A section's bytes and recorded checksum, unparsed and unchecked, or undefined when it cannot be read whole. */
  raw(name: SectionName): { bytes: Buffer; checksum: string } | undefined {
    const at = this.offsets.get(name);
    if (this.fd === undefined || !at) return undefined;
    try {
      const bytes = Buffer.alloc(at.length);
      return readSync(this.fd, bytes, 0, at.length, at.start) === at.length ? { bytes, checksum: at.checksum } : undefined;
    } catch {
      return undefined;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function checksum(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
