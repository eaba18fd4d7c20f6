import { LineIndex } from '../parse/positions';
import { findStringLiteralEnd } from '../parse/literals';
import type { Position, Range } from '../types';
import { isRuleId } from './registry';
import type { Finding, Report, RuleId, TextEdit } from './types';

/**
 * Suppression comments:
 *
 * - `# alembic-pilot: ignore[rule-a, rule-b]` at the end of a line suppresses those rules for
 *   findings that start on that line; alone on a line it applies to the next line that is not
 *   itself a comment, so several can be stacked above one statement.
 * - `# alembic-pilot: ignore` without a list suppresses every rule there.
 * - `# alembic-pilot: ignore-file[rule-id]` anywhere suppresses the rules in the whole file
 *   (without a list, every rule).
 *
 * Comments are found with a small tokenizer that skips string literals, so a `#` inside SQL
 * text is not mistaken for one.
 */

export interface SuppressedId {
  id: string;
  range: Range;
}

export interface SuppressionComment {
  kind: 'line' | 'file';
  /** The listed ids, or undefined for a bare `ignore`/`ignore-file` (every rule). */
  ids: SuppressedId[] | undefined;
  /** For `line` comments: the 0-based line whose findings it suppresses. */
  target: number;
  /** The comment, from `#` to the end of its line. */
  range: Range;
  /** What to delete to remove the comment: the whole line when it stands alone. */
  removal: Range;
  /** The `[...]` list with its brackets, when there is one. */
  listRange?: Range;
}

export interface MalformedComment {
  range: Range;
  text: string;
}

const DIRECTIVE = /^#\s*alembic-pilot\s*:/;
const SHAPE = /^#\s*alembic-pilot\s*:\s*(ignore-file|ignore)(?![\w-])\s*(\[[^\]]*\])?\s*(?:#.*)?$/;

/** What `readSuppressionComments` found in one text. */
export interface SuppressionCommentsRead {
  comments: SuppressionComment[];
  malformed: MalformedComment[];
}

// The runner and the unused-suppression rule both read the comments of the file being linted,
// so the last text's comments are kept: the second read is then free.
let lastRead: { text: string; read: SuppressionCommentsRead } | undefined;

/**
 * Every `# alembic-pilot:` comment of a file, split into usable and malformed ones. Callers
 * share the result for the same text and must not modify it.
 */
export function readSuppressionComments(text: string): SuppressionCommentsRead {
  if (lastRead?.text !== text) lastRead = { text, read: readComments(text) };
  return lastRead.read;
}

/** Whether a text may hold `# alembic-pilot:` comments; without, it has none to read. */
export function hasDirectives(text: string): boolean {
  return text.includes('alembic-pilot');
}

/** What `readSuppressionComments` gives for a text without directives. */
export const NO_DIRECTIVES: SuppressionCommentsRead = Object.freeze({ comments: [], malformed: [] }) as SuppressionCommentsRead;

function readComments(text: string): SuppressionCommentsRead {
  // Most files have no directive at all; finding that out needs no tokenizing.
  if (!hasDirectives(text)) return { comments: [], malformed: [] };
  const lines = new LineIndex(text);
  const at = (offset: number): Position => lines.positionAt(offset);
  const all = findComments(text);
  const standalone = new Set<number>();
  for (const c of all) if (text.slice(lines.lineStart(at(c.start).line), c.start).trim() === '') standalone.add(at(c.start).line);

  const comments: SuppressionComment[] = [];
  const malformed: MalformedComment[] = [];
  for (const c of all) {
    const raw = text.slice(c.start, c.end);
    if (!DIRECTIVE.test(raw)) continue;
    const range = { start: at(c.start), end: at(c.end) };
    const shape = SHAPE.exec(raw.trimEnd());
    if (!shape) {
      malformed.push({ range, text: raw.trimEnd() });
      continue;
    }
    const line = range.start.line;
    const alone = standalone.has(line);
    let target = line;
    if (alone) {
      target = line + 1;
      while (standalone.has(target)) target++;
    }
    const lineStart = lines.lineStart(line);
    const lineEnd = line + 1 < lines.lineCount ? lines.lineStart(line + 1) : text.length;
    let codeEnd = c.start;
    while (codeEnd > lineStart && (text[codeEnd - 1] === ' ' || text[codeEnd - 1] === '\t')) codeEnd--;
    const removal = alone ? { start: at(lineStart), end: at(lineEnd) } : { start: at(codeEnd), end: at(c.end) };
    const comment: SuppressionComment = { kind: shape[1] === 'ignore-file' ? 'file' : 'line', ids: undefined, target, range, removal };
    const list = shape[2];
    if (list !== undefined) {
      const listStart = c.start + raw.indexOf(list);
      comment.listRange = { start: at(listStart), end: at(listStart + list.length) };
      comment.ids = [];
      for (const m of list.matchAll(/[^\s,[\]]+/g)) {
        const from = listStart + m.index;
        comment.ids.push({ id: m[0], range: { start: at(from), end: at(from + m[0].length) } });
      }
    }
    comments.push(comment);
  }
  return { comments, malformed };
}

/**
 * The suppression comments of one file, remembering which of them were used so that the
 * unused ones can be reported afterwards.
 */
export class Suppressions {
  private readonly comments: SuppressionComment[];
  private readonly used = new Set<SuppressionComment>();
  private readonly usedIds = new Set<SuppressedId>();

  /** `source` is the file's text, or its comments as `readSuppressionComments` read them. */
  constructor(
    private readonly file: string,
    source: string | SuppressionCommentsRead,
  ) {
    this.comments = (typeof source === 'string' ? readSuppressionComments(source) : source).comments;
  }

  /**
   * True when a comment suppresses the finding; the comment is then counted as used. With
   * `explicitOnly`, only comments that name the rule count: a report that a bare `ignore`
   * is unused must not be hidden by that same comment.
   */
  suppresses(f: Finding, explicitOnly = false): boolean {
    let hit = false;
    for (const c of this.comments) {
      if (c.kind === 'line' && c.target !== f.range.start.line) continue;
      if (c.ids === undefined) {
        if (explicitOnly) continue;
        this.used.add(c);
        hit = true;
        continue;
      }
      for (const id of c.ids) {
        if (id.id !== f.rule) continue;
        this.used.add(c);
        this.usedIds.add(id);
        hit = true;
      }
    }
    return hit;
  }

  /**
   * Reports for the comments, and the ids inside them, that suppressed nothing. Only ids of
   * rules in `checked` count: a rule that was switched off, threw, or could not run cannot
   * show that its suppression is unneeded. Ids that are not rule ids at all are reported by
   * the unused-suppression rule itself, not here.
   */
  unused(checked: ReadonlySet<RuleId>): Report[] {
    const out: Report[] = [];
    for (const c of this.comments) {
      const what = c.kind === 'file' ? 'ignore-file' : 'ignore';
      if (c.ids === undefined) {
        if (this.used.has(c)) continue;
        out.push(removeComment(this.file, c, `This \`alembic-pilot: ${what}\` comment suppresses nothing, so it would silently hide the next real problem${c.kind === 'file' ? ' in this file' : ' here'}.`));
        continue;
      }
      const known = c.ids.filter((i) => isRuleId(i.id));
      const stale = known.filter((i) => checked.has(i.id as RuleId) && !this.usedIds.has(i));
      if (stale.length === 0) continue;
      if (stale.length === c.ids.length) {
        const names = stale.map((i) => i.id).join(', ');
        out.push(removeComment(this.file, c, `This suppression of ${names} suppresses nothing, so it would silently hide the next real problem ${c.kind === 'file' ? 'in this file' : 'here'}.`));
        continue;
      }
      for (const s of stale) out.push(removeId(this.file, c, s));
    }
    return out;
  }
}

function removeComment(file: string, c: SuppressionComment, message: string): Report {
  const edit: TextEdit = { range: c.removal, newText: '' };
  return { range: c.range, message, help: 'Remove the comment.', fixes: [{ title: 'Remove the unused suppression comment', edits: [{ file, edits: [edit] }], isPreferred: true }] };
}

function removeId(file: string, c: SuppressionComment, id: SuppressedId): Report {
  const rest = c.ids!.filter((i) => i !== id).map((i) => i.id);
  const edit: TextEdit = { range: c.listRange!, newText: `[${rest.join(', ')}]` };
  return {
    range: id.range,
    message: `${id.id} reports nothing here, so suppressing it would silently hide its next real finding.`,
    help: `Remove ${id.id} from the list.`,
    fixes: [{ title: `Remove ${id.id} from the suppression comment`, edits: [{ file, edits: [edit] }], isPreferred: true }],
  };
}

/** The `#` comments of Python source as [start, end) offsets, skipping string literals. */
function findComments(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text[i];
    if (ch === '#') {
      let end = i;
      while (end < n && text[end] !== '\n' && text[end] !== '\r') end++;
      out.push({ start: i, end });
      i = end;
    } else if (ch === '"' || ch === "'") {
      const end = findStringLiteralEnd(text, i);
      if (end >= 0) i = end;
      else if (text.startsWith(ch.repeat(3), i)) i = n;
      else {
        // An unclosed one-line string ends at the line break; comments may follow on later lines.
        let j = i + 1;
        while (j < n && text[j] !== '\n' && text[j] !== '\r') j++;
        i = j;
      }
    } else i++;
  }
  return out;
}
