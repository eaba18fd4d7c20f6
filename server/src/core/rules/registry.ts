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
import type { Rule } from './types';

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
  unusedSuppression,
];
