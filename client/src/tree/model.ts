/**
 * What the Revisions view shows, computed without `vscode`: labels, descriptions, icons,
 * tooltips, states and context values of environments and revisions. The tree provider turns
 * these into TreeItems; keeping the logic here lets it be unit-tested and benchmarked in Node.
 */

/** A revision as the server's graph sends it (a subset of `GraphRevision`). */
export interface RevisionData {
  id: string;
  file: string;
  downRevisions: readonly string[];
  dependsOn: readonly string[];
  branchLabels: readonly string[];
  message: string;
  isHead: boolean;
  isBranchPoint: boolean;
  isMergePoint: boolean;
  createDate?: string | undefined;
}

/**
 * - current: in the version table;
 * - applied: an ancestor (through parents and dependencies) of a current revision;
 * - pending: neither;
 * - unknown: no database state to compare with.
 */
export type RevisionState = 'current' | 'applied' | 'pending' | 'unknown';

/** The database side of an environment, as far as the view needs it. */
export type DatabaseView =
  /** No database is configured anywhere (settings, DATABASE_URL, sqlalchemy.url). */
  | { kind: 'none' }
  /** Restricted Mode: no database is read and nothing runs Alembic. */
  | { kind: 'restricted' }
  | { kind: 'loading'; name?: string | undefined }
  | { kind: 'unreachable'; name?: string | undefined; reason: string }
  | {
      kind: 'ok';
      name?: string | undefined;
      current: readonly string[];
      /** How many revisions `upgrade heads` would run, when the planner could tell. */
      pending?: number | undefined;
      /** Something about the state a person must know, such as a version no file declares. */
      problem?: string | undefined;
    };

export interface Icon {
  /** A codicon id. */
  id: string;
  /** A theme color id, such as `charts.green`. */
  color?: string | undefined;
}

export interface ItemData {
  label: string;
  description: string;
  /** Markdown. */
  tooltip: string;
  icon: Icon;
  /** Read by the `when` clauses of package.json's menus; words separated by spaces. */
  contextValue: string;
}

export const SHORT_ID_LENGTH = 12;

export function shortId(id: string): string {
  return id.length > SHORT_ID_LENGTH ? id.slice(0, SHORT_ID_LENGTH) : id;
}

/**
 * The state of each revision in `revisions`, which must be a prefix of the environment's
 * history order (heads first). History order lists every revision before its parents and
 * dependencies, so a walk down from the current revisions that stays inside the prefix finds
 * every ancestor the prefix holds: any path between two listed revisions runs through listed
 * revisions only.
 */
export function revisionStates(revisions: readonly RevisionData[], db: DatabaseView): Map<string, RevisionState> {
  const states = new Map<string, RevisionState>();
  if (db.kind !== 'ok') {
    for (const r of revisions) states.set(r.id, 'unknown');
    return states;
  }
  const byId = new Map<string, RevisionData>();
  for (const r of revisions) byId.set(r.id, r);
  const current = new Set(db.current);
  const applied = new Set<string>();
  const stack: string[] = [];
  for (const id of current) {
    const rev = byId.get(id);
    if (rev) stack.push(...rev.downRevisions, ...rev.dependsOn);
  }
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (applied.has(id)) continue;
    const rev = byId.get(id);
    if (!rev) continue;
    applied.add(id);
    stack.push(...rev.downRevisions, ...rev.dependsOn);
  }
  for (const r of revisions) states.set(r.id, current.has(r.id) ? 'current' : applied.has(r.id) ? 'applied' : 'pending');
  return states;
}

const STATE_ICONS: Record<RevisionState, Icon> = {
  current: { id: 'pass-filled', color: 'charts.green' },
  applied: { id: 'pass', color: 'charts.green' },
  pending: { id: 'circle-large-outline', color: 'charts.yellow' },
  unknown: { id: 'circle-large-outline' },
};

/** The shape marks shown in the description: heads, merges, branch points and labels. */
export function shapeMarks(rev: RevisionData): string[] {
  const marks: string[] = [];
  if (rev.isHead) marks.push('head');
  if (rev.isMergePoint) marks.push('merge');
  if (rev.isBranchPoint) marks.push('branch point');
  for (const label of rev.branchLabels) marks.push(`@${label}`);
  return marks;
}

export function revisionItem(rev: RevisionData, state: RevisionState, relativeFile: string): ItemData {
  const marks = shapeMarks(rev);
  const description = [shortId(rev.id), state === 'unknown' ? undefined : state, ...marks].filter(Boolean).join(' · ');
  const icon = rev.isMergePoint ? { id: 'git-merge', color: STATE_ICONS[state].color } : rev.isBranchPoint ? { id: 'repo-forked', color: STATE_ICONS[state].color } : STATE_ICONS[state];
  const lines = [
    `**${escapeMarkdown(rev.message || '(no message)')}**`,
    '',
    `Revision: \`${rev.id}\``,
    `Parents: ${rev.downRevisions.length === 0 ? '(base)' : rev.downRevisions.map((d) => `\`${d}\``).join(', ')}`,
  ];
  if (rev.dependsOn.length > 0) lines.push(`Depends on: ${rev.dependsOn.map((d) => `\`${d}\``).join(', ')}`);
  if (rev.branchLabels.length > 0) lines.push(`Branch labels: ${rev.branchLabels.map((d) => `\`${d}\``).join(', ')}`);
  if (rev.createDate) lines.push(`Date: ${escapeMarkdown(rev.createDate)}`);
  lines.push(`File: ${escapeMarkdown(relativeFile)}`, `State: ${state}`);
  const context = ['revision', state];
  if (state !== 'unknown') context.push('known');
  if (rev.isHead) context.push('head');
  return {
    label: rev.message || rev.id,
    description,
    tooltip: lines.join('  \n'),
    icon,
    contextValue: context.join(' '),
  };
}

export interface EnvironmentData {
  configFile: string;
  section: string;
  /** The config file relative to its workspace folder, plus `[section]` when not the default. */
  label: string;
  heads: readonly string[];
  /** The head groups `multiple-heads` reports: Merge Heads is offered only when there is one. */
  mergeHeads: readonly (readonly string[])[];
  revisionCount: number;
}

export function environmentItem(env: EnvironmentData, db: DatabaseView): ItemData {
  const parts: string[] = [];
  let icon: Icon = { id: 'database' };
  let dbLine: string;
  switch (db.kind) {
    case 'none':
      parts.push('no database');
      dbLine = 'Database: none configured';
      break;
    case 'restricted':
      parts.push('Restricted Mode');
      dbLine = 'Database: not read in Restricted Mode';
      break;
    case 'loading':
      parts.push(db.name ?? 'database', '…');
      dbLine = `Database: ${db.name ?? '(from the environment)'}, reading…`;
      break;
    case 'unreachable':
      parts.push(db.name ?? 'database', 'unreachable');
      icon = { id: 'warning', color: 'problemsWarningIcon.foreground' };
      dbLine = `Database: ${db.name ?? '(from the environment)'}, unreachable: ${escapeMarkdown(db.reason)}`;
      break;
    case 'ok': {
      const current = db.current.length === 0 ? 'empty' : db.current.map(shortId).join(', ');
      parts.push(db.name ?? 'database', current);
      if (db.pending !== undefined) parts.push(db.pending === 0 ? 'up to date' : `${db.pending} pending`);
      if (db.problem !== undefined) icon = { id: 'warning', color: 'problemsWarningIcon.foreground' };
      dbLine = `Database: ${db.name ?? '(from the environment)'}, at ${db.current.length === 0 ? 'base (nothing applied)' : db.current.map((c) => `\`${c}\``).join(', ')}`;
      break;
    }
  }
  const context = ['environment'];
  if (db.kind === 'ok' && db.current.length > 0) context.push('applied');
  if (db.kind !== 'none' && db.kind !== 'restricted') context.push('database');
  if (env.mergeHeads.length > 0) context.push('multipleHeads');
  return {
    label: env.label,
    description: parts.join(' · '),
    tooltip: [
      `**${escapeMarkdown(env.label)}**`,
      '',
      `Config: ${escapeMarkdown(env.configFile)}`,
      `Revisions: ${env.revisionCount}`,
      `Heads: ${env.heads.map((h) => `\`${h}\``).join(', ') || '(none)'}`,
      dbLine,
    ].join('  \n'),
    icon,
    contextValue: context.join(' '),
  };
}

/** The "Load more…" item's label for the next page. */
export function loadMoreLabel(loaded: number, total: number, pageSize: number): string {
  return `Load more… (${Math.min(pageSize, total - loaded)} of ${total - loaded} remaining)`;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
