import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The seed files the fuzzer mutates. The shared corpus of real Alembic histories is third-party
 * code kept outside the repository: it is read in place at run time and never copied. Our own
 * fixtures and the sample project are always added, so that a clean clone without the corpus
 * still fuzzes from realistic files (the report says which seeds were used).
 */

/** The repository root; the bundled fuzzer (out/fuzz/) sits as deep as this file. */
export const REPO = path.resolve(__dirname, '../..');

export interface Seeds {
  /** Revision files (.py). */
  python: Uint8Array[];
  /** alembic.ini files. */
  ini: Uint8Array[];
  /** pyproject.toml files. */
  toml: Uint8Array[];
  /** script.py.mako files. */
  mako: Uint8Array[];
  /** Where the seeds came from, for the report. */
  sources: string[];
  /** The options they were loaded with, so that a saved case can be replayed on the same seeds. */
  options: SeedOptions;
}

export interface SeedOptions {
  /** Keep this many revision files, spread evenly over the list. */
  maxPython?: number;
}

/**
 * The corpus folder: $ALEMBIC_PILOT_CORPUS, or the first `shared/corpus` found from the
 * repository's parent upwards (a worktree may sit deeper than the main checkout).
 */
export function findCorpus(): string | undefined {
  const fromEnv = process.env.ALEMBIC_PILOT_CORPUS;
  if (fromEnv) return existsSync(path.join(fromEnv, 'SOURCES.json')) ? path.resolve(fromEnv) : undefined;
  for (let dir = path.dirname(REPO); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'corpus');
    if (existsSync(path.join(candidate, 'SOURCES.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Every file under `root` whose name passes `keep`, in a stable order; symbolic links are not followed. */
function filesUnder(root: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  const visit = (folder: string): void => {
    let names: string[];
    try {
      names = readdirSync(folder).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const full = path.join(folder, name);
      const stat = statSync(full, { throwIfNoEntry: false });
      if (stat?.isDirectory() && name !== 'node_modules' && name !== '__pycache__') visit(full);
      else if (stat?.isFile() && keep(name)) out.push(full);
    }
  };
  visit(root);
  return out;
}

/**
 * pyproject.toml files with every `[tool.alembic]` key Alembic 1.20 reads, in the value shapes
 * it accepts, since few real projects (and none of the corpus) configure Alembic there.
 */
const SYNTHETIC_TOML = [
  `[project]\nname = "app"\n\n[tool.alembic]\nscript_location = "%(here)s/migrations"\nversion_locations = ["%(here)s/migrations/versions", "%(here)s/other"]\n` +
    `prepend_sys_path = ["."]\npath_separator = "os"\nfile_template = "%%(year)d_%%(month).2d_%%(day).2d-%%(rev)s_%%(slug)s"\n` +
    `truncate_slug_length = 40\nrecursive_version_locations = true\ntimezone = "UTC"\nsourceless = false\n\n` +
    `[[tool.alembic.post_write_hooks]]\nname = "ruff"\ntype = "exec"\nexecutable = "ruff"\noptions = "format REVISION_SCRIPT_FILENAME"\n`,
  `[tool.alembic]\nscript_location = "alembic"\n`,
  `[tool.alembic]\nscript_location = "myapp:migrations"\nprepend_sys_path = ["src"]\nversion_locations = []\ntruncate_slug_length = 0\n`,
  `[tool]\nalembic = { script_location = "db", file_template = "%%(rev)s", timezone = "Europe/Paris" }\n`,
];

/**
 * Loads the seeds. `maxPython` keeps a slice of the revision files (spread evenly over the
 * list, so every project of the corpus is represented) when a short run does not need all.
 */
export function loadSeeds(options: SeedOptions = {}): Seeds {
  const corpus = findCorpus();
  const roots = [path.join(REPO, 'migrations-sample'), path.join(REPO, 'test/fixtures'), ...(corpus ? [corpus] : [])];
  const read = (files: string[]): Uint8Array[] => files.map((f) => new Uint8Array(readFileSync(f)));
  const all = (keep: (name: string) => boolean): string[] => roots.flatMap((r) => filesUnder(r, keep));
  let python = all((n) => n.endsWith('.py') && n !== 'env.py' && n !== 'oracle.py' && !n.endsWith('_oracle.py'));
  if (options.maxPython !== undefined && python.length > options.maxPython) {
    const step = python.length / options.maxPython;
    python = Array.from({ length: options.maxPython }, (_, i) => python[Math.floor(i * step)]!);
  }
  return {
    python: read(python),
    ini: read(all((n) => n === 'alembic.ini' || n.endsWith('.ini'))),
    toml: [...read(all((n) => n === 'pyproject.toml')), ...SYNTHETIC_TOML.map((t) => new TextEncoder().encode(t))],
    mako: read(all((n) => n.endsWith('.mako'))),
    sources: [path.relative(REPO, roots[0]!), path.relative(REPO, roots[1]!), corpus ?? '(no shared corpus found; set ALEMBIC_PILOT_CORPUS)'],
    options,
  };
}
