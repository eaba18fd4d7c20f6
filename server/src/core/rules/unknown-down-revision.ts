import type { Revision } from '../graph/revision';
import type { RevisionMap } from '../graph/revisionMap';
import type { IdLiteral } from '../revisionHeader';
import type { Range } from '../types';
import { projectProblemsOf, rangeOrStart } from './graphProblems';
import type { Fix, Rule, RuleContext, TextEdit } from './types';

const HELP = 'Point down_revision at an existing revision id (see `alembic heads`), or restore the missing revision file.';

export const unknownDownRevision: Rule = {
  id: 'unknown-down-revision',
  defaultSeverity: 'error',
  description: 'down_revision names a revision that no file of the environment declares.',
  check(ctx) {
    for (const p of projectProblemsOf(ctx)) {
      if (p.code !== 'unknown-down-revision') continue;
      const range = rangeOrStart(p.range);
      const fixes = pointAtHeads(ctx, range);
      ctx.report({ range, message: p.message, help: HELP, ...(fixes.length > 0 ? { fixes } : {}) });
    }
  },
};

/**
 * One fix per lineage of current heads: the missing parent is replaced by that lineage's
 * head (or its unmerged heads, which the revision then merges). Heads above this revision are
 * left out, since pointing at them would make a cycle, and so are heads above a parent it
 * keeps, which would make that parent redundant. Lineages are heads that share an ancestor;
 * with a single one the fix is the preferred one.
 */
function pointAtHeads(ctx: RuleContext, range: Range): Fix[] {
  const { file } = ctx;
  const down = file.downRevision;
  const id = file.revision?.ids?.[0];
  const missing = down?.literals.find((l) => rangeEquals(l.range, range));
  if (!down || down.ids === undefined || id === undefined || !missing) return [];
  const map = ctx.project.script.map;
  const self = map.revisions.get(id);
  if (!self || self.path !== file.path) return [];
  const kept = down.ids.filter((d) => d !== missing.value && map.revisions.has(d)).map((d) => map.revisions.get(d)!);
  const excluded = new Set([...map.descendants([self], false), ...(kept.length > 0 ? map.descendants(kept, false) : [])]);
  const candidates = map.heads.flatMap((h) => map.revisions.get(h) ?? []).filter((h) => !excluded.has(h));
  const groups = lineages(map, candidates);
  const quote = quoteOf(file.text, missing);
  const scalar = down.literals.length === 1 && !/^[([]/.test(down.text.trim());
  return groups.map((heads) => {
    const ids = heads.map((h) => h.revision);
    const listed = ids.map((h) => `${quote}${h}${quote}`).join(', ');
    const value = !scalar ? listed : ids.length === 1 ? listed : `(${listed})`;
    const edits: TextEdit[] = [{ range: scalar ? down.valueRange : missing.range, newText: value }];
    const revises = file.headers.revises;
    if (revises) {
      const parents = down.ids!.flatMap((d) => (d === missing.value ? ids : [d]));
      edits.unshift({ range: revises.range, newText: `${revises.value === '' ? ' ' : ''}${parents.join(', ')}` });
    }
    const title = `Point down_revision at the current ${ids.length === 1 ? 'head' : 'heads'} ${ids.join(', ')}`;
    return { title, edits: [{ file: file.path, edits }], isPreferred: groups.length === 1 };
  });
}

/** Groups heads that share any ancestor, in load order of each group's first head. */
function lineages(map: RevisionMap, heads: readonly Revision[]): Revision[][] {
  const below = heads.map((h) => new Set(map.ancestors([h], false)));
  const group = heads.map((_, i) => i);
  const root = (i: number): number => (group[i] === i ? i : (group[i] = root(group[i]!)));
  for (let i = 0; i < heads.length; i++) {
    for (let j = i + 1; j < heads.length; j++) {
      if ([...below[i]!].some((r) => below[j]!.has(r))) group[root(j)] = root(i);
    }
  }
  const out = new Map<number, Revision[]>();
  heads.forEach((h, i) => {
    const list = out.get(root(i)) ?? [];
    list.push(h);
    out.set(root(i), list);
  });
  return [...out.values()];
}

/** The quote character the literal was written with, so the replacement keeps the file's style. */
function quoteOf(text: string, literal: IdLiteral): string {
  const line = text.split(/\r\n|\r|\n/)[literal.range.start.line] ?? '';
  const quote = /^[a-zA-Z]*(["'])/.exec(line.slice(literal.range.start.character))?.[1];
  return quote ?? '"';
}

function rangeEquals(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}
