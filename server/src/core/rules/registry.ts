import { branchLabelConflict } from './branch-label-conflict';
import { concurrentlyInTransaction } from './concurrently-in-transaction';
import { duplicateRevision } from './duplicate-revision';
import { incompleteDowngrade } from './incomplete-downgrade';
import { missingDowngrade } from './missing-downgrade';
import { multipleHeads } from './multiple-heads';
import { nonIdempotentDdl } from './non-idempotent-ddl';
import { nonIdempotentOp } from './non-idempotent-op';
import { pythonSyntax } from './python-syntax';
import { revisionCycle } from './revision-cycle';
import { revisionHeaderMismatch } from './revision-header-mismatch';
import { seedInsertWithoutConflict } from './seed-insert-without-conflict';
import { sqlSyntax } from './sql-syntax';
import { unknownDependency } from './unknown-dependency';
import { unknownDownRevision } from './unknown-down-revision';
import { unusedSuppression } from './unused-suppression';
import { indexWithoutConcurrently } from './index-without-concurrently';
import { dropIndexWithoutConcurrently } from './drop-index-without-concurrently';
import { notNullWithoutDefault } from './not-null-without-default';
import { volatileDefault } from './volatile-default';
import { setNotNull } from './set-not-null';
import { constraintWithoutNotValid } from './constraint-without-not-valid';
import { uniqueConstraintWithoutIndex } from './unique-constraint-without-index';
import { columnTypeChange } from './column-type-change';
import { renameColumn } from './rename-column';
import { renameTable } from './rename-table';
import { dropColumn } from './drop-column';
import { dropTable } from './drop-table';
import { missingLockTimeout } from './missing-lock-timeout';
import type { Rule, RuleId } from './types';

/**
 * Every rule, by id: the one list of rules. `RuleId` is derived from its keys, the runner runs
 * `RULES` in this order, and everything else reads it: configuration and suppression comments
 * (`isRuleId`), the fixture tests (test/fixtures/rules/<id>/), the docs check (docs/rules/<id>.md)
 * and the settings schema in package.json (`alembicPilot.rules`, checked by
 * test/unit/rules/registry.test.ts). Adding a rule is one import and one entry here, plus its
 * doc page and fixtures; the key must be the rule's id.
 */
export const RULE_BY_ID = {
  'python-syntax': pythonSyntax,
  'unknown-down-revision': unknownDownRevision,
  'unknown-dependency': unknownDependency,
  'duplicate-revision': duplicateRevision,
  'revision-cycle': revisionCycle,
  'branch-label-conflict': branchLabelConflict,
  'multiple-heads': multipleHeads,
  'revision-header-mismatch': revisionHeaderMismatch,
  'missing-downgrade': missingDowngrade,
  'incomplete-downgrade': incompleteDowngrade,
  'sql-syntax': sqlSyntax,
  'non-idempotent-ddl': nonIdempotentDdl,
  'non-idempotent-op': nonIdempotentOp,
  'seed-insert-without-conflict': seedInsertWithoutConflict,
  'concurrently-in-transaction': concurrentlyInTransaction,
  'index-without-concurrently': indexWithoutConcurrently,
  'drop-index-without-concurrently': dropIndexWithoutConcurrently,
  'not-null-without-default': notNullWithoutDefault,
  'volatile-default': volatileDefault,
  'set-not-null': setNotNull,
  'constraint-without-not-valid': constraintWithoutNotValid,
  'unique-constraint-without-index': uniqueConstraintWithoutIndex,
  'column-type-change': columnTypeChange,
  'rename-column': renameColumn,
  'rename-table': renameTable,
  'drop-column': dropColumn,
  'drop-table': dropTable,
  'missing-lock-timeout': missingLockTimeout,
  'unused-suppression': unusedSuppression,
};

/** Every rule, in the order they run. */
export const RULES: readonly Rule[] = Object.values(RULE_BY_ID);

/**
 * The lock and downtime rules (docs/rules/, "Lock and downtime rules"). They report on nearly
 * any DDL of an upgrade, so the other rules' fixtures are linted without them, and theirs with
 * every rule.
 */
export const LOCK_RULES: readonly Rule[] = [
  indexWithoutConcurrently,
  dropIndexWithoutConcurrently,
  notNullWithoutDefault,
  volatileDefault,
  setNotNull,
  constraintWithoutNotValid,
  uniqueConstraintWithoutIndex,
  columnTypeChange,
  renameColumn,
  renameTable,
  dropColumn,
  dropTable,
  missingLockTimeout,
];

/** Every rule id. */
export const RULE_IDS: readonly RuleId[] = Object.keys(RULE_BY_ID) as RuleId[];

/** Whether `value` is a rule id, so configuration and comments can tell a misspelt id. */
export function isRuleId(value: string): value is RuleId {
  return Object.hasOwn(RULE_BY_ID, value);
}
