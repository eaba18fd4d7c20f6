import { reportProblems } from './graphProblems';
import type { Rule } from './types';

export const branchLabelConflict: Rule = {
  id: 'branch-label-conflict',
  defaultSeverity: 'error',
  description: 'A branch label is already used by another revision, or is a revision id.',
  check(ctx) {
    reportProblems(ctx, 'branch-label-conflict', 'Rename the label so that it is unique and is not also a revision id.');
  },
};
