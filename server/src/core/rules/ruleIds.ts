import type { RuleId } from './types';

/**
 * Every rule id the product defines, implemented yet or not, so that configuration and
 * suppression comments can tell a misspelt id from one whose rule is merely switched off. The
 * record makes the compiler insist that the list matches the `RuleId` type.
 */
const IDS: Record<RuleId, true> = {
  'missing-downgrade': true,
  'incomplete-downgrade': true,
  'non-idempotent-ddl': true,
  'non-idempotent-op': true,
  'concurrently-in-transaction': true,
  'sql-syntax': true,
  'seed-insert-without-conflict': true,
  'unknown-down-revision': true,
  'unknown-dependency': true,
  'duplicate-revision': true,
  'revision-cycle': true,
  'multiple-heads': true,
  'revision-header-mismatch': true,
  'branch-label-conflict': true,
  'python-syntax': true,
  'unused-suppression': true,
  'index-without-concurrently': true,
  'drop-index-without-concurrently': true,
  'not-null-without-default': true,
  'volatile-default': true,
  'set-not-null': true,
  'constraint-without-not-valid': true,
  'unique-constraint-without-index': true,
  'column-type-change': true,
  'rename-column': true,
  'rename-table': true,
  'drop-column': true,
  'drop-table': true,
  'missing-lock-timeout': true,
};

export const RULE_IDS: readonly RuleId[] = Object.keys(IDS) as RuleId[];

export function isRuleId(value: string): value is RuleId {
  return Object.hasOwn(IDS, value);
}
