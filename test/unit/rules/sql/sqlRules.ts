import { concurrentlyInTransaction } from '../../../../server/src/core/rules/concurrently-in-transaction';
import { nonIdempotentDdl } from '../../../../server/src/core/rules/non-idempotent-ddl';
import { seedInsertWithoutConflict } from '../../../../server/src/core/rules/seed-insert-without-conflict';
import { sqlSyntax } from '../../../../server/src/core/rules/sql-syntax';
import type { Rule } from '../../../../server/src/core/rules/types';

/** The rules that read SQL, which these tests run whether or not the registry lists them yet. */
export const SQL_RULES: readonly Rule[] = [sqlSyntax, nonIdempotentDdl, seedInsertWithoutConflict, concurrentlyInTransaction];
