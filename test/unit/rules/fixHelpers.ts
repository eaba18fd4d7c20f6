import { readFileSync, writeFileSync } from 'node:fs';
import { listRevisionFiles, type AlembicEnvironment } from '../../../server/src/core/config';
import { parseRevisionFile } from '../../../server/src/core/parse';
import { RevisionProject } from '../../../server/src/core/project/revisionProject';
import { DEFAULT_TARGETS, lintEnvironment } from '../../../server/src/core/rules/runner';
import type { Finding, Fix } from '../../../server/src/core/rules/types';
import type { Position } from '../../../server/src/core/types';

/** Lints an environment from disk, as the CLI does. */
export function lintFromDisk(env: AlembicEnvironment): Finding[] {
  const project = new RevisionProject(parseRevisionFile);
  project.loadFromDisk(listRevisionFiles(env));
  return lintEnvironment(env, project, { settings: {}, targets: DEFAULT_TARGETS, sql: undefined });
}

function offsetOf(text: string, p: Position): number {
  let offset = 0;
  for (let line = 0; line < p.line; line++) {
    const m = /\r\n|\r|\n/g;
    m.lastIndex = offset;
    const next = m.exec(text);
    if (!next) throw new Error(`line ${p.line} is past the end`);
    offset = next.index + next[0].length;
  }
  return offset + p.character;
}

/** Applies a fix to the files on disk, as an editor would: edits from the end, then new files. */
export function applyFix(fix: Fix): void {
  for (const { file, edits } of fix.edits) {
    let text = readFileSync(file, 'utf8');
    const ordered = [...edits].sort((a, b) => offsetOf(text, b.range.start) - offsetOf(text, a.range.start));
    for (const e of ordered) text = text.slice(0, offsetOf(text, e.range.start)) + e.newText + text.slice(offsetOf(text, e.range.end));
    writeFileSync(file, text);
  }
  for (const { file, text } of fix.creates ?? []) writeFileSync(file, text, { flag: 'wx' });
}

/** A finding's identity for comparing two lint runs. */
export function key(f: Finding): string {
  return `${f.rule} ${f.file} ${f.message}`;
}
