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
import type { Rule } from './types';

/**
 * The lock and downtime rules (docs/rules/, "Lock and downtime rules"). They report on nearly
 * any DDL of an upgrade, so the other rules' fixtures are linted without them and theirs with
 * every rule (test/unit/rules/locks/fixtures.test.ts).
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

/**
 * Every implemented rule. Adding a rule is one import and one line here, plus its doc page
 * docs/rules/<id>.md and its fixtures test/fixtures/rules/<id>/.
 */
export const RULES: readonly Rule[] = [
  pythonSyntax,
  unknownDownRevision,
  unknownDependency,
  duplicateRevision,
  revisionCycle,
  branchLabelConflict,
  multipleHeads,
  revisionHeaderMismatch,
  missingDowngrade,
  incompleteDowngrade,
  sqlSyntax,
  nonIdempotentDdl,
  nonIdempotentOp,
  seedInsertWithoutConflict,
  concurrentlyInTransaction,
  ...LOCK_RULES,
  unusedSuppression,
];
