// Where the corpus of real Alembic histories is, and its chains. The corpus is third-party test
// input kept outside the repository (../shared/corpus beside the checkout); it is read in
// place and never copied. ALEMBIC_PILOT_CORPUS names another location.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The corpus folder: $ALEMBIC_PILOT_CORPUS, or the first `shared/corpus` found from the
 * repository's parent upwards (a worktree may sit one level deeper than the main checkout).
 * @param {string} repo
 * @returns {string | undefined}
 */
export function findCorpus(repo) {
  const fromEnv = process.env.ALEMBIC_PILOT_CORPUS;
  if (fromEnv) return existsSync(path.join(fromEnv, 'SOURCES.json')) ? path.resolve(fromEnv) : undefined;
  for (let dir = path.dirname(path.resolve(repo)); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'corpus');
    if (existsSync(path.join(candidate, 'SOURCES.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * @typedef {object} Chain
 * @property {string} name     `project/chain`, as findings are cited
 * @property {string} folder   absolute folder holding the chain's alembic.ini
 * @property {string} dialect  the project's dialect, as SOURCES.json records it
 * @property {string} license  SPDX id
 * @property {string} commit
 */

/**
 * The chains SOURCES.json lists, in its order.
 * @param {string} corpus
 * @returns {Chain[]}
 */
export function chainsOf(corpus) {
  /** @type {unknown} */
  const sources = JSON.parse(readFileSync(path.join(corpus, 'SOURCES.json'), 'utf8'));
  if (!Array.isArray(sources)) throw new Error(`${corpus}/SOURCES.json is not a list of chains`);
  return sources.map((s) => {
    if (typeof s !== 'object' || s === null || typeof s.corpus_path !== 'string') throw new Error(`${corpus}/SOURCES.json: an entry has no corpus_path`);
    return { name: s.corpus_path, folder: path.join(corpus, s.corpus_path), dialect: String(s.dialect), license: String(s.license_spdx), commit: String(s.commit) };
  });
}
