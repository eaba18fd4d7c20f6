import { readFileSync, writeFileSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import { LineIndex } from '../core/parse';
import type { Finding, Fix, RuleId, TextEdit } from '../core/rules/types';

/**
 * `lint --fix`: applies the idempotency guards the rules offer (`IF NOT EXISTS`,
 * `if_not_exists=True`, a DO block that ignores the duplicate, and the like) to the files in
 * place. Other fixes, such as creating a merge revision, change the history rather than one
 * statement, so they stay editor actions.
 */

export const FIXABLE_RULES: ReadonlySet<RuleId> = new Set<RuleId>(['non-idempotent-ddl', 'non-idempotent-op']);

export interface FixOutcome {
  applied: { finding: Finding; title: string }[];
  skipped: { finding: Finding; reason: string }[];
}

interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

const BOM = '\uFEFF';

/** The fix to apply for a finding: the preferred one, else the first, and never one that creates files. */
function chosenFix(finding: Finding): Fix | undefined {
  const fixes = (finding.fixes ?? []).filter((f) => !f.creates?.length);
  return fixes.find((f) => f.isPreferred) ?? fixes[0];
}

function same(a: OffsetEdit, b: OffsetEdit): boolean {
  return a.start === b.start && a.end === b.end && a.newText === b.newText;
}

function overlaps(a: OffsetEdit, b: OffsetEdit): boolean {
  // Two insertions at one point overlap too: which goes first would be a guess.
  return (a.start < b.end && b.start < a.end) || a.start === b.start;
}

/** Applies non-overlapping edits to a text; ranges are 0-based lines and UTF-16 columns. */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const index = new LineIndex(text);
  const offset = (p: TextEdit['range']['start']): number => index.lineStart(p.line) + p.character;
  const sorted = edits.map((e) => ({ start: offset(e.range.start), end: offset(e.range.end), newText: e.newText })).sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

class FileTexts {
  private readonly texts = new Map<string, { text: string; bom: boolean } | { error: string }>();

  get(file: string): { text: string; bom: boolean } | { error: string } {
    let t = this.texts.get(file);
    if (!t) {
      try {
        const raw = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(readFileSync(file));
        t = raw.startsWith(BOM) ? { text: raw.slice(1), bom: true } : { text: raw, bom: false };
      } catch (e) {
        t = { error: e instanceof TypeError ? 'the file is not UTF-8' : (e as Error).message };
      }
      this.texts.set(file, t);
    }
    return t;
  }
}

/**
 * Applies the chosen fix of every fixable finding. A fix whose edits overlap an edit already
 * accepted for the same file is skipped as a whole, so a file never gets half a fix; running
 * `--fix` again picks it up once the first one is in place. A fix whose edits were all
 * accepted already (two findings in one statement, both fixed by wrapping the statement in a
 * DO block) is applied once and listed for each finding.
 */
export function applyFixes(findings: readonly Finding[]): FixOutcome {
  const outcome: FixOutcome = { applied: [], skipped: [] };
  const texts = new FileTexts();
  const accepted = new Map<string, { offsets: OffsetEdit[]; edits: TextEdit[] }>();

  for (const finding of findings) {
    if (!FIXABLE_RULES.has(finding.rule)) continue;
    const fix = chosenFix(finding);
    if (!fix) continue;
    const planned: { file: string; offsets: OffsetEdit[]; edits: TextEdit[] }[] = [];
    let reason: string | undefined;
    for (const { file, edits } of fix.edits) {
      const t = texts.get(file);
      if ('error' in t) {
        reason = `${file} cannot be rewritten: ${t.error}`;
        break;
      }
      const index = new LineIndex(t.text);
      const offsets = edits.map((e) => ({
        start: index.lineStart(e.range.start.line) + e.range.start.character,
        end: index.lineStart(e.range.end.line) + e.range.end.character,
        newText: e.newText,
      }));
      const taken = accepted.get(file)?.offsets ?? [];
      if (offsets.every((o) => taken.some((t2) => same(o, t2)))) continue;
      if (offsets.some((o) => taken.some((t2) => overlaps(o, t2)))) {
        reason = 'it overlaps another fix; run --fix again to apply it';
        break;
      }
      planned.push({ file, offsets, edits });
    }
    if (reason !== undefined) {
      outcome.skipped.push({ finding, reason });
      continue;
    }
    for (const p of planned) {
      const a = accepted.get(p.file) ?? { offsets: [], edits: [] };
      a.offsets.push(...p.offsets);
      a.edits.push(...p.edits);
      accepted.set(p.file, a);
    }
    outcome.applied.push({ finding, title: fix.title });
  }

  for (const [file, { edits }] of accepted) {
    const t = texts.get(file);
    if ('error' in t) continue;
    writeFileSync(file, (t.bom ? BOM : '') + applyTextEdits(t.text, edits));
  }
  return outcome;
}
