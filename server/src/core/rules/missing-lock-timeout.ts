import { checkedEvents, describeSource, eventRange, lockSettings } from './locks/events';
import { envSetsLockTimeout } from './locks/envLockTimeout';
import { lockTimeoutFix } from './locks/fixes';
import { tableText } from './locks/messages';
import type { LockEvent } from './locks/types';
import type { Rule } from './types';

/**
 * A statement that needs a lock on a busy table waits behind any long transaction on it, and
 * while it waits, every later query on the table waits behind it: a one-millisecond ALTER can
 * stop the application for as long as the slowest transaction runs. `lock_timeout` makes it
 * give up instead (and the migration can be retried). One finding per function, at the first
 * such statement not covered by a `SET lock_timeout` (a `SET LOCAL` covers only its own
 * transaction, which an autocommit block or an executed COMMIT ends). strong_migrations sets
 * it for every migration; Squawk: require-timeout-settings.
 */
export const missingLockTimeout: Rule = {
  id: 'missing-lock-timeout',
  defaultSeverity: 'warning',
  description: 'A migration function that locks an existing table without setting lock_timeout first (in the function, in env.py, or on the role).',
  needsSql: true,
  check(ctx) {
    if (lockSettings(ctx).lockTimeout === 'role' || envSetsLockTimeout(ctx.env)) return;
    for (const { fn, events } of checkedEvents(ctx)) {
      let timeout = false;
      // The transaction a `SET LOCAL lock_timeout` holds for, if one does.
      let localIn: number | undefined;
      for (const e of events) {
        if (e.kind === 'set-lock-timeout') {
          if (e.local) localIn = e.on ? e.transaction : undefined;
          else timeout = e.on;
          continue;
        }
        if (timeout || localIn === e.transaction || !e.existing || !locks(e)) continue;
        const fix = lockTimeoutFix(ctx, fn);
        ctx.report({
          range: eventRange(e),
          message: `${describeSource(e)} locks ${tableText(e)} without a lock_timeout, so while it waits behind a long transaction every query on the table waits behind it.`,
          help: `Start ${fn.name}() with op.execute("SET lock_timeout = '5s'"), or set it in env.py, or on the database role (then set lock-timeout = "role").`,
          ...(fix ? { fixes: [fix] } : {}),
        });
        break;
      }
    }
  },
};

/**
 * Whether a change takes a lock that queues reads or writes: the ALTER TABLE family, CREATE
 * INDEX and DROP INDEX without CONCURRENTLY, DROP TABLE, renames. VALIDATE CONSTRAINT and the
 * concurrent index operations take SHARE UPDATE EXCLUSIVE, which neither blocks nor queues them.
 */
function locks(e: LockEvent): boolean {
  switch (e.kind) {
    case 'create-table':
    case 'create-view':
    case 'set-lock-timeout':
    case 'end-transaction':
    case 'validate-constraint':
      return false;
    case 'create-index':
    case 'drop-index':
      return !e.concurrently;
    default:
      return true;
  }
}
