import { randomUUID } from 'node:crypto';
import { failed } from './errors';
import { percentFormat } from './pyFormat';
import type { PyDateTime, PyValue } from './pyValue';

/**
 * How Alembic 1.20 names a new revision: the id from `util.rev_id()`, the create date from
 * `ScriptDirectory._generate_create_date()` and the file name from `ScriptDirectory._rev_path()`
 * (script/base.py), reproduced field for field.
 */

/** `util.rev_id()`: the last twelve hex digits of a random UUID. */
export function newRevisionId(): string {
  return randomUUID().replace(/-/g, '').slice(-12);
}

/** Python's `\w` on str: letters, numbers (all Unicode categories) and the underscore. */
const WORD = /[\p{L}\p{N}_]+/gu;

/**
 * The slug of a message: `"_".join(_slug_re.findall(message)).lower()`, cut at the last
 * underscore within `truncateSlugLength` characters (counted as Python counts, by code point)
 * and ended with an underscore when cut.
 */
export function revisionSlug(message: string | undefined, truncateSlugLength: number): string {
  const limit = truncateSlugLength || 40;
  const slug = (message ?? '').match(WORD)?.join('_').toLowerCase() ?? '';
  const chars = [...slug];
  if (chars.length <= limit) return slug;
  const head = chars.slice(0, limit).join('');
  const cut = head.lastIndexOf('_');
  return `${cut < 0 ? head : head.slice(0, cut)}_`;
}

export interface FileNameInput {
  fileTemplate: string;
  truncateSlugLength: number;
  revId: string;
  message: string | undefined;
  createDate: PyDateTime;
}

/**
 * The new file's path relative to its version location, as `_rev_path` builds it: the
 * file_template formatted with rev, slug, epoch and the create date's fields, plus `.py`. A
 * template containing `/` names a subfolder, which Alembic creates too. Throws TemplateError
 * when Python's formatting would fail (an unknown key, a wrong conversion).
 */
export function revisionFileName(input: FileNameInput): string {
  const d = input.createDate;
  const fields = new Map<string, PyValue>([
    ['rev', input.revId],
    ['slug', revisionSlug(input.message, input.truncateSlugLength)],
    ['epoch', d.epoch],
    ['year', d.year],
    ['month', d.month],
    ['day', d.day],
    ['hour', d.hour],
    ['minute', d.minute],
    ['second', d.second],
  ]);
  return `${percentFormat(input.fileTemplate, fields, `file_template '${input.fileTemplate}'`)}.py`;
}

/**
 * `_generate_create_date()`: the local time as a naive datetime without a timezone setting,
 * otherwise the time in that zone, with its offset. Like Python's ZoneInfo, the zone name must
 * be spelled as in the tz database or in capitals (Alembic retries with `upper()`).
 */
export function createDateFor(timezone: string | undefined, now: Date = new Date()): PyDateTime {
  const ms = now.getTime();
  const epoch = Math.floor(ms / 1000);
  const microsecond = (((ms % 1000) + 1000) % 1000) * 1000;
  if (timezone === undefined) {
    return {
      year: now.getFullYear(),
      month: now.getMonth() + 1,
      day: now.getDate(),
      hour: now.getHours(),
      minute: now.getMinutes(),
      second: now.getSeconds(),
      microsecond,
      epoch,
    };
  }
  const zone = resolveZone(timezone);
  const parts = new Map(
    new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  const field = (name: Intl.DateTimeFormatPartTypes): number => Number(parts.get(name));
  const wall = { year: field('year'), month: field('month'), day: field('day'), hour: field('hour'), minute: field('minute'), second: field('second') };
  const wallAsUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const utcOffsetMinutes = Math.round((wallAsUtc - epoch * 1000) / 60_000);
  return { ...wall, microsecond, epoch, utcOffsetMinutes };
}

function resolveZone(timezone: string): string {
  for (const candidate of [timezone, timezone.toUpperCase()]) {
    let resolved: string;
    try {
      resolved = new Intl.DateTimeFormat('en-US', { timeZone: candidate }).resolvedOptions().timeZone;
    } catch {
      continue;
    }
    // Intl ignores case but ZoneInfo reads files named in the database's case; an alias that
    // Intl canonicalises to another name is accepted as given.
    if (resolved === candidate || resolved.toLowerCase() !== candidate.toLowerCase()) return candidate;
  }
  throw failed(`Can't locate timezone: ${timezone}`);
}
