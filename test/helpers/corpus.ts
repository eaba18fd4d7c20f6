import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The corpus of real Alembic histories (third-party files, read in place, never copied): the
 * folder $ALEMBIC_PILOT_CORPUS names, or the first `shared/corpus` above the repository. The
 * precision harness finds it the same way (precision/corpus.mjs).
 */
export function findCorpus(repo: string): string | undefined {
  const fromEnv = process.env['ALEMBIC_PILOT_CORPUS'];
  if (fromEnv) return existsSync(path.join(fromEnv, 'SOURCES.json')) ? path.resolve(fromEnv) : undefined;
  for (let dir = path.dirname(path.resolve(repo)); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'corpus');
    if (existsSync(path.join(candidate, 'SOURCES.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export interface CorpusChain {
  /** `project/chain`. */
  name: string;
  /** The folder holding the chain's alembic.ini. */
  folder: string;
}

export function chainsOf(corpus: string): CorpusChain[] {
  const sources: unknown = JSON.parse(readFileSync(path.join(corpus, 'SOURCES.json'), 'utf8'));
  if (!Array.isArray(sources)) throw new Error(`${corpus}/SOURCES.json is not a list`);
  return sources.map((s: unknown) => {
    const p = (s as { corpus_path?: unknown }).corpus_path;
    if (typeof p !== 'string') throw new Error(`${corpus}/SOURCES.json: an entry has no corpus_path`);
    return { name: p, folder: path.join(corpus, p) };
  });
}
