import { readFileSync } from 'node:fs';
import type { ScriptDirectory } from '../graph/scriptDirectory';
import type { MigrationFunction, RevisionFile } from '../parse/types';
import type { RevisionProject } from '../project/revisionProject';
import type { RevisionHeader } from '../revisionHeader';
import { decodePythonSource } from '../scan/decode';
import type { DowngradePolicy, LintTargets } from './types';

/**
 * Whether an environment's team writes downgrades. Many projects never do (OpenStack's removed
 * downgrade support; others raise in every downgrade), and for them a missing-downgrade
 * finding on every revision is noise. When 80% or more of an environment's revisions whose
 * upgrade does something (at least five of them) have no working downgrade (none, an empty one,
 * or one that always raises), the policy is detected as "optional"; `[tool.alembic-pilot]
 * downgrades` overrides the detection. Revisions whose upgrade does nothing (merges, empty
 * placeholders) need no downgrade and are not counted.
 *
 * The count reads every revision file of the environment: the full parse when the project
 * holds one (the language server's), else a quick look at the text. It is made once per graph.
 */

export interface DetectedPolicy {
  policy: DowngradePolicy;
  /** True when the setting decided, false when the history did. */
  configured: boolean;
  /** Revisions without a working downgrade, and all revisions; set when detected. */
  without?: number;
  total?: number;
}

export const OPTIONAL_SHARE = 0.8;
export const MIN_REVISIONS = 5;

interface Counts {
  without: number;
  total: number;
  /** The first revision file in load order whose upgrade works and whose downgrade does not. */
  first: string | undefined;
}

const detected = new WeakMap<ScriptDirectory, Counts>();

/**
 * The environment's policy. The project is asked for only when the setting does not decide,
 * so that a rule which gets the policy from the setting never reads the rest of the history
 * (and its outcome stays file-local: see phases.ts).
 */
export function downgradePolicy(targets: LintTargets, project: () => RevisionProject): DetectedPolicy {
  if (targets.downgrades) return { policy: targets.downgrades, configured: true };
  const { without, total } = countsOf(project());
  const optional = total >= MIN_REVISIONS && without >= OPTIONAL_SHARE * total;
  return { policy: optional ? 'optional' : 'required', configured: false, without, total };
}

/** The first revision file in load order without a working downgrade (whose upgrade works). */
export function firstWithoutDowngrade(project: RevisionProject): string | undefined {
  return countsOf(project).first;
}

function countsOf(project: RevisionProject): Counts {
  const script = project.script;
  let counts = detected.get(script);
  if (!counts) {
    counts = { without: 0, total: 0, first: undefined };
    for (const entry of project.entries()) {
      if (!entry.revision) continue;
      const works = functionsThatWork(entry.header);
      if (!works.upgrade) continue;
      counts.total++;
      if (works.downgrade) continue;
      counts.without++;
      counts.first ??= entry.header.path;
    }
    detected.set(script, counts);
  }
  return counts;
}

function functionsThatWork(header: RevisionHeader): { upgrade: boolean; downgrade: boolean } {
  if ('functions' in header) {
    const fns = (header as RevisionFile).functions;
    return { upgrade: fns.some((f) => f.direction === 'upgrade' && working(f)), downgrade: fns.some((f) => f.direction === 'downgrade' && working(f)) };
  }
  let text: string;
  try {
    text = decodePythonSource(readFileSync(header.path)).text;
  } catch {
    return { upgrade: false, downgrade: false };
  }
  return { upgrade: worksInText(text, 'upgrade'), downgrade: worksInText(text, 'downgrade') };
}

function working(fn: MigrationFunction): boolean {
  return !fn.isEmpty && !fn.raisesNotImplemented && !fn.alwaysRaises;
}

const DEFS = {
  upgrade: /^([ \t]*)(?:async[ \t]+)?def[ \t]+upgrade(?:_\w+)?[ \t]*\(/gm,
  downgrade: /^([ \t]*)(?:async[ \t]+)?def[ \t]+downgrade(?:_\w+)?[ \t]*\(/gm,
};

/**
 * The quick look, which agrees with the full parse on ordinary files: a module-level
 * `def downgrade...` (or `def upgrade...`) whose body holds a statement that is not `pass`, `...`, a string (a
 * docstring) or a comment, and which has no `raise` at the body's own indentation (unless a
 * `return` comes first). It reads lines, not Python, which is enough to count a history.
 */
export function worksInText(text: string, name: 'upgrade' | 'downgrade'): boolean {
  for (const m of text.matchAll(DEFS[name])) {
    if (m[1] !== '') continue;
    const lines = text.slice(m.index).split(/\r\n|\r|\n/);
    // Skip the signature, which may span lines, to the line that ends with the colon.
    let i = 0;
    while (i < lines.length && !/:\s*(#.*)?$/.test(lines[i]!)) i++;
    const sameLine = /\)\s*(?:->[^:]*)?:\s*(\S.*)$/.exec(lines[i] ?? '')?.[1];
    if (sameLine !== undefined && !sameLine.startsWith('#')) {
      if (!noOp(sameLine) && !/^raise\b/.test(sameLine)) return true;
      continue;
    }
    let inString: string | undefined;
    let indent: string | undefined;
    let works = false;
    let returned = false;
    for (i++; i < lines.length; i++) {
      const line = lines[i]!;
      const trimmed = line.trim();
      if (inString) {
        if (trimmed.includes(inString)) inString = undefined;
        continue;
      }
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const lead = /^[ \t]*/.exec(line)![0];
      if (lead === '') break;
      indent ??= lead;
      const quote = /^[rRuUbB]?("""|\'\'\')/.exec(trimmed)?.[1];
      if (quote) {
        if (trimmed.indexOf(quote, trimmed.indexOf(quote) + 3) < 0) inString = quote;
        if (lead === indent) continue;
      }
      if (/^return\b/.test(trimmed)) returned = true;
      if (lead === indent && /^raise\b/.test(trimmed) && !returned) {
        works = false;
        break;
      }
      if (lead !== indent || !noOp(trimmed)) works = true;
    }
    if (works) return true;
  }
  return false;
}

function noOp(statement: string): boolean {
  return /^(pass|\.\.\.)\s*(#.*)?$/.test(statement) || /^[rRuUbB]?(['"]).*\1\s*(#.*)?$/.test(statement);
}
