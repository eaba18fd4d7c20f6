import { describe, expect, it } from 'vitest';
import { partialRevision } from '../../../server/src/runner/partialRun';

/** Where a non-transactional run stopped, from Alembic's output. */

describe('partialRevision', () => {
  it('reads the revision and the statement from the output of a non-transactional run', () => {
    const lines = [
      'INFO  [alembic.runtime.migration] Context impl SQLiteImpl.',
      'INFO  [alembic.runtime.migration] Will assume non-transactional DDL.',
      'INFO  [alembic.runtime.migration] Running upgrade r3 -> r4, r4',
      'INFO  [alembic.runtime.migration] Running upgrade r4 -> r5, r5',
      'Traceback (most recent call last):',
      'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such table: no_such_table',
      '[SQL: INSERT INTO no_such_table',
      'VALUES (1)]',
      '(Background on this error at: https://sqlalche.me/e/20/e3q8)',
    ];
    expect(partialRevision(lines)).toEqual({ revision: 'r5', direction: 'upgrade', failedStatement: 'INSERT INTO no_such_table\nVALUES (1)' });
    expect(partialRevision(lines.filter((l) => !l.includes('non-transactional')))).toBeUndefined();
  });
});
