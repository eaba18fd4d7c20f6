import { checkedEvents, describeSource, eventRange } from './locks/events';
import { byForm, columnText } from './locks/messages';
import type { Rule } from './types';

/**
 * Adding a NOT NULL column without a database default fails on any table that has rows:
 * PostgreSQL has no value to put in them (`column "x" of relation "t" contains null values`).
 * SQLAlchemy's `default=` is applied by SQLAlchemy on INSERT and sets no database default.
 * Squawk: adding-required-field; strong_migrations: add_column with null: false.
 */
export const notNullWithoutDefault: Rule = {
  id: 'not-null-without-default',
  defaultSeverity: 'error',
  description: 'A NOT NULL column added to an existing table without a server default, which fails on a table with rows.',
  needsSql: true,
  check(ctx) {
    for (const { events } of checkedEvents(ctx)) {
      for (const e of events) {
        if (e.kind !== 'add-column' || !e.notNull || e.defaultKind !== 'none' || e.generated !== undefined || !e.existing) continue;
        ctx.report({
          range: eventRange(e),
          message: `${describeSource(e)} adds NOT NULL column ${columnText(e, e.column)} without a ${byForm(e, 'server default', 'DEFAULT')}, so it fails on a table that has rows.`,
          help: byForm(
            e,
            'Give it a server_default (default= sets no database default); or add it nullable, backfill it, then set it NOT NULL the safe way (see set-not-null).',
            'Give it a DEFAULT; or add it nullable, backfill it, then set it NOT NULL the safe way (see set-not-null).',
          ),
        });
      }
    }
  },
};
