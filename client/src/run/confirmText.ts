import { parseSqlalchemyUrl } from '../../../server/src/core/config/sqlalchemyUrl';

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
  /** A downgrade that leaves no revision applied (a "reset" to base): it drops everything the migrations made. */
  revertsEverything?: boolean;
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

/**
 * The user types the database's name before any run on production, and before a downgrade that
 * reverts every revision: that one drops every table the migrations made, data included, on any
 * database, and a modal's default button is too easy to press.
 */
export function needsTypedName(input: Pick<ConfirmInput, 'direction' | 'production' | 'revertsEverything'>): boolean {
  return input.production || (input.direction === 'downgrade' && input.revertsEverything === true);
}

/**
 * What the user types to confirm: the database's name in the settings, else the database part of
 * its URL (`ragchat` of `postgresql://.../ragchat`), which people know, rather than the whole URL.
 */
export function nameToType(db: { name?: string; url: string; display: string }): string {
  if (db.name !== undefined) return db.name;
  try {
    return parseSqlalchemyUrl(db.url).database ?? db.display;
  } catch {
    return db.display;
  }
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
        ...(input.revertsEverything ? ['', `Every revision is reverted: ${input.database} is left with no applied revision.`] : []),
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
