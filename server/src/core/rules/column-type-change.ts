import { changesWithoutRewrite, rewritesUnlessUtc } from './locks/columnTypes';
import { typeBefore } from './locks/columnHistory';
import { checkedEvents, describeSource, eventRange } from './locks/events';
import { byForm, columnText } from './locks/messages';
import type { Rule } from './types';

/**
 * Changing a column's type rewrites the whole table (and rebuilds its indexes) under an ACCESS
 * EXCLUSIVE lock, except for the casts PostgreSQL does in place: a longer or unlimited
 * varchar, text for varchar, more numeric precision at the same scale, no numeric limits.
 * Without `existing_type` (and in SQL, which never says) the old type is looked up in the
 * history: the nearest ancestor that creates the column or changes its type. When that does
 * not tell either, the change is reported and the message says the old type is unknown.
 * Squawk: changing-column-type; strong_migrations: change_column.
 */
export const columnTypeChange: Rule = {
  id: 'column-type-change',
  defaultSeverity: 'warning',
  description: 'ALTER COLUMN ... TYPE (op.alter_column(type_=...)) on an existing table, unless it is a cast PostgreSQL does without a rewrite.',
  needsSql: true,
  check(ctx) {
    for (const { events } of checkedEvents(ctx)) {
      for (const e of events) {
        if (e.kind !== 'alter-type' || !e.existing) continue;
        const from = e.from ?? (e.column !== undefined ? typeBefore(ctx, e.table, e.column) : undefined);
        if (from && e.to && changesWithoutRewrite(from, e.to)) continue;
        // PostgreSQL casts nothing to an enum without USING (text to enum is an explicit cast
        // only), so such a change either finds the column of that enum already, and changes
        // nothing, or fails: it never rewrites.
        if (!from && e.to?.family === 'enum' && !e.using) continue;
        const column = columnText(e, e.column);
        const to = e.to ? ` to ${e.to.text}` : '';
        const rewrite = 'the whole table is rewritten under an ACCESS EXCLUSIVE lock that blocks its reads and writes';
        let message: string;
        if (from && e.to && rewritesUnlessUtc(from, e.to)) {
          message = `${describeSource(e)} changes ${column} from ${from.text}${to}, so unless the session's TimeZone is UTC, ${rewrite}.`;
        } else if (from) {
          message = `${describeSource(e)} changes ${column} from ${from.text}${to}, so ${rewrite}.`;
        } else {
          message = `${describeSource(e)} changes the type of ${column}${to} ${byForm(e, 'without existing_type', 'from a type not stated here')}, so unless the old type casts in place, ${rewrite}.`;
        }
        ctx.report({
          range: eventRange(e),
          message,
          help: `Add a column of the new type, write to both, backfill it in batches, switch reads, then drop the old column.${e.source.via === 'op' && !from ? ' If the change is a cast PostgreSQL does in place (a longer varchar, text, more numeric precision), pass existing_type so the rule can tell.' : ''}`,
        });
      }
    }
  },
};
