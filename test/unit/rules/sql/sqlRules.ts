import { LOCK_RULES, RULES } from '../../../../server/src/core/rules/registry';
import { concurrentlyInTransaction } from '../../../../server/src/core/rules/concurrently-in-transaction';
import { nonIdempotentDdl } from '../../../../server/src/core/rules/non-idempotent-ddl';
import { seedInsertWithoutConflict } from '../../../../server/src/core/rules/seed-insert-without-conflict';
import { sqlSyntax } from '../../../../server/src/core/rules/sql-syntax';
import type { Rule } from '../../../../server/src/core/rules/types';

/** The rules that read SQL, which these tests run whether or not the registry lists them yet. */
export const SQL_RULES: readonly Rule[] = [sqlSyntax, nonIdempotentDdl, seedInsertWithoutConflict, concurrentlyInTransaction];

/**
 * Every registered rule and the SQL rules, without the lock rules: those report on nearly any
 * DDL, and their own tests (test/unit/rules/locks) lint with them.
 */
export const RULES_WITHOUT_LOCKS: readonly Rule[] = [...RULES.filter((r) => !SQL_RULES.some((s) => s.id === r.id) && !LOCK_RULES.includes(r)), ...SQL_RULES];
