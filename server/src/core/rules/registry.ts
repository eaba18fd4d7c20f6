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
  'unused-suppression': unusedSuppression,
};

/** Every rule, in the order they run. */
export const RULES: readonly Rule[] = Object.values(RULE_BY_ID);

/** Every rule id. */
export const RULE_IDS: readonly RuleId[] = Object.keys(RULE_BY_ID) as RuleId[];

/** Whether `value` is a rule id, so configuration and comments can tell a misspelt id. */
export function isRuleId(value: string): value is RuleId {
  return Object.hasOwn(RULE_BY_ID, value);
}
