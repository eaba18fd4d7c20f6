import { reportProblems } from './graphProblems';
import type { Rule } from './types';

export const unknownDownRevision: Rule = {
  id: 'unknown-down-revision',
  defaultSeverity: 'error',
  description: 'down_revision names a revision that no file of the environment declares.',
  check(ctx) {
    reportProblems(ctx, 'unknown-down-revision', 'Point down_revision at an existing revision id (see `alembic heads`), or restore the missing revision file.');
  },
};
