/**
 * The words of the confirmations before a run, without `vscode`, so they are unit-tested: the
 * plan in the order Alembic runs it, and what a downgrade may cost.
 */

export interface PlanStepText {
  id: string;
  message: string;
  isMergePoint: boolean;
  isBranchPoint: boolean;
}

export interface ConfirmInput {
  direction: 'upgrade' | 'downgrade';
  /** The database's name or its URL without password. */
  database: string;
  destination: string;
  steps: readonly PlanStepText[];
  crossesMergePoint: boolean;
  crossesBranchPoint: boolean;
  production: boolean;
}

export interface ConfirmText {
  title: string;
  detail: string;
  button: string;
}

/** Asked before every downgrade, before an upgrade that crosses a merge or branch point, and before any run on production. */
export function needsConfirmation(input: ConfirmInput): boolean {
  return input.direction === 'downgrade' || input.crossesMergePoint || input.crossesBranchPoint || input.production;
}

export function confirmText(input: ConfirmInput): ConfirmText {
  const n = input.steps.length;
  const plural = n === 1 ? 'revision' : 'revisions';
  const lines = input.steps.map((s, i) => {
    const marks = [s.isMergePoint ? 'merge' : '', s.isBranchPoint ? 'branch point' : ''].filter(Boolean);
    return `${i + 1}. ${s.id}  ${s.message}${marks.length > 0 ? `  (${marks.join(', ')})` : ''}`;
  });
  if (input.direction === 'downgrade') {
    return {
      title: `Downgrade ${input.database} to ${input.destination}? This reverts ${n} ${plural}.`,
      detail: [
        `These run downgrade(), in this order:`,
        ...lines,
        '',
        "downgrade() may drop columns, tables and the data in them; what it removes cannot be restored by upgrading again.",
        ...(input.production ? ['', `${input.database} is marked as production.`] : []),
      ].join('\n'),
      button: 'Downgrade',
    };
  }
  const crossing = [input.crossesMergePoint ? 'merges branches' : '', input.crossesBranchPoint ? 'crosses a branch point' : ''].filter(Boolean).join(' and ');
  return {
    title: `Upgrade ${input.database} to ${input.destination}? This applies ${n} ${plural}.`,
    detail: [
      `These run upgrade(), in this order:`,
      ...lines,
      ...(crossing ? ['', `The plan ${crossing}.`] : []),
      ...(input.production ? ['', `${input.database} is marked as production.`] : []),
    ].join('\n'),
    button: 'Upgrade',
  };
}

/** The stamp confirmation: nothing runs, only the version table changes. */
export function stampText(database: string, revision: string, current: readonly string[]): ConfirmText {
  return {
    title: `Stamp ${database} at ${revision}?`,
    detail: [
      `The version table is set to ${revision} without running any migration${current.length > 0 ? ` (it is at ${current.join(', ')} now)` : ''}.`,
      'Use it when the schema already matches that revision; otherwise the next upgrade or downgrade runs the wrong migrations.',
    ].join('\n'),
    button: 'Stamp',
  };
}
