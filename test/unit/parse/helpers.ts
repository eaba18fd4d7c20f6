import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineIndex } from '../../../server/src/core/parse/positions';
import { parseRevisionFile } from '../../../server/src/core/parse/revisionFile';
import type { MigrationFunction, RevisionFile, SqlString } from '../../../server/src/core/parse/types';
import type { Range } from '../../../server/src/core/types';

export const FIXTURES = join(__dirname, '../../fixtures/revision-files');

/** Reads a fixture the way an encoding-aware reader would: latin-1 when its cookie says so. */
export function readFixture(name: string): string {
  const bytes = readFileSync(join(FIXTURES, name));
  const head = bytes.subarray(0, 200).toString('latin1');
  return bytes.toString(/coding[:=]\s*latin-1/.test(head) ? 'latin1' : 'utf8');
}

export function parseFixture(name: string): RevisionFile {
  return parseRevisionFile(join(FIXTURES, name), readFixture(name));
}

/** Parses a snippet; lines are joined with \n so that tests can write Python line by line. */
export function parse(...lines: string[]): RevisionFile {
  return parseRevisionFile('/m/versions/x.py', lines.join('\n') + '\n');
}

export function fn(file: RevisionFile, name: string): MigrationFunction {
  const found = file.functions.find((f) => f.name === name);
  if (!found) throw new Error(`no function ${name} in ${file.functions.map((f) => f.name).join(', ')}`);
  return found;
}

/** The text a range covers, so that expectations read as source rather than numbers. */
export function textAt(file: RevisionFile, range: Range | undefined): string | undefined {
  if (!range) return undefined;
  const lines = new LineIndex(file.text);
  return file.text.slice(lines.offsetAt(range.start), lines.offsetAt(range.end));
}

/** The file text starting where `sql.positionAt(offset)` points, `length` characters long. */
export function fileTextAtSql(file: RevisionFile, sql: SqlString, offset: number, length: number): string {
  const lines = new LineIndex(file.text);
  const at = lines.offsetAt(sql.positionAt(offset));
  return file.text.slice(at, at + length);
}
