import { checkedEvents, describeSource, eventRange } from './locks/events';
import { columnText } from './locks/messages';
import type { Rule } from './types';

/**
 * A new column whose default differs per row (a volatile function, serial, identity) makes
 * PostgreSQL write a value into every existing row: the whole table is rewritten under an
 * ACCESS EXCLUSIVE lock. Since PostgreSQL 11 a constant or stable default (`now()`) is stored
 * once in the catalog and costs nothing; before 11, every non-null default rewrites.
 * strong_migrations: add_column_default / add_column_default_callable; Squawk:
 * adding-field-with-default.
 */
export const volatileDefault: Rule = {
  id: 'volatile-default',
  defaultSeverity: 'warning',
  description: 'A column added to an existing table with a volatile default, serial or identity (any default before PostgreSQL 11), which rewrites the table.',
  needsSql: true,
  check(ctx) {
    const version = ctx.targets.postgresVersion;
    for (const { events } of checkedEvents(ctx)) {
      for (const e of events) {
        if (e.kind !== 'add-column' || !e.existing) continue;
        const column = columnText(e, e.column);
        let what: string | undefined;
        if (e.generated === 'serial' || e.generated === 'identity') what = `${e.generated} column ${column}, which fills in every existing row`;
        else if (e.defaultKind === 'volatile') what = `${column} with a volatile default, which is computed for every existing row`;
        else if (e.defaultKind === 'non-volatile' && version < 11) what = `${column} with a default, which PostgreSQL ${version} writes into every existing row`;
        if (!what) continue;
        ctx.report({
          range: eventRange(e),
          message: `${describeSource(e)} adds ${what}, so the whole table is rewritten under an ACCESS EXCLUSIVE lock that blocks its reads and writes.`,
          help:
            version < 11
              ? 'Add the column without a default, set the default in a second statement (it applies to new rows only), then backfill in batches.'
              : 'Add the column nullable without the default, set the default with ALTER COLUMN ... SET DEFAULT (new rows only), then backfill existing rows in batches.',
        });
      }
    }
  },
};
