import { reportProblems } from './graphProblems';
import type { Rule } from './types';

export const unknownDependency: Rule = {
  id: 'unknown-dependency',
  defaultSeverity: 'error',
  description: 'depends_on names something that is neither a revision id nor a branch label.',
  check(ctx) {
    reportProblems(ctx, 'unknown-dependency', 'Name an existing revision id or branch label in depends_on, or remove the entry.');
  },
};
