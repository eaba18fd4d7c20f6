import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AlembicEnvironment } from '../config';
import { literalName } from '../parse';
import type { MigrationFunction, OpCall, RevisionFile } from '../parse/types';
import { downgradePolicy, firstWithoutDowngrade, MIN_REVISIONS, OPTIONAL_SHARE } from './downgradePolicy';
import { downgradeEdits, reversedSteps } from './ops/reverse';
import type { Fix, Report, Rule, RuleContext } from './types';

/**
 * An upgrade that changes the database paired with a downgrade that cannot take the change
 * back: missing, empty, or raising NotImplementedError (a revision declared irreversible).
 * The multidb template's `upgrade_<engine>`/`downgrade_<engine>` are paired per engine.
 *
 * "Changes the database" means an `op.*` call or executed SQL in the upgrade's own body, SQL
 * text or a SQLAlchemy Core statement run through `op.get_bind()` alike; work done in helper
 * functions the upgrade calls is not seen, so such upgrades are left alone rather than guessed at.
 *
 * In an environment that does not write downgrades (see downgradePolicy.ts) nothing is reported
 * per file; when the history shows it (rather than the setting), that is said once, as info,
 * on the config line that names the script location.
 */
export const missingDowngrade: Rule = {
  id: 'missing-downgrade',
  defaultSeverity: 'warning',
  description: 'upgrade() changes the database but downgrade() is missing, empty, or raises NotImplementedError.',
  check(ctx) {
    // The file's own findings come first, and the policy (which reads the whole history unless
    // the setting gives it) only when there is something to report: a file whose downgrade
    // works then depends on nothing but itself, so its outcome is kept between edits and runs.
    const found = fileFindings(ctx.file);
    if (found.length === 0) return;
    const policy = downgradePolicy(ctx.targets, () => ctx.project);
    if (policy.policy === 'optional') {
      if (!policy.configured) reportPolicy(ctx, policy.without ?? 0, policy.total ?? 0);
      return;
    }
    for (const r of found) ctx.report(r);
  },
};

/** What the rule reports on this file when the project writes downgrades. */
function fileFindings(file: RevisionFile): Report[] {
  const found: Report[] = [];
  const rev = file.revision?.ids?.length === 1 ? file.revision.ids[0]! : path.basename(file.path, '.py');
  for (const up of file.functions) {
    if (up.direction !== 'upgrade' || up.raisesNotImplemented) continue;
    const undone = consequence(up);
    if (undone === undefined) continue;
    const downName = up.engine === '' ? 'downgrade' : `downgrade_${up.engine}`;
    const down = file.functions.find((f) => f.direction === 'downgrade' && f.engine === up.engine);
    if (!down) {
      const fix = reversingFix(file, up, undefined, downName);
      found.push({
        range: up.nameRange,
        message: `There is no ${downName}(), so \`alembic downgrade\` past ${rev} stops with AttributeError instead of undoing ${up.name}().`,
        help: `Write a ${downName}() that reverses ${up.name}(), or one that raises NotImplementedError to declare the revision irreversible.`,
        ...(fix ? { fixes: [fix] } : {}),
      });
    } else if (down.raisesNotImplemented || down.alwaysRaises) {
      found.push({
        range: down.nameRange,
        message: `${downName}() ${down.raisesNotImplemented ? 'raises NotImplementedError' : 'always raises'}, declaring revision ${rev} irreversible, so \`alembic downgrade\` past it stops with an error.`,
        help: `If the change can be reversed, write the reverse operations in ${downName}(); otherwise suppress this finding to record the decision.`,
      });
    } else if (down.isEmpty) {
      const fix = reversingFix(file, up, down, downName);
      found.push({
        range: down.nameRange,
        message: `${downName}() does nothing, so \`alembic downgrade\` past ${rev} ${undone}.`,
        help: `Reverse each operation of ${up.name}() in ${downName}(), in the opposite order.`,
        ...(fix ? { fixes: [fix] } : {}),
      });
    }
  }
  return found;
}

/**
 * The one note about an environment that does not write downgrades, made while linting its
 * first revision without a working downgrade in load order, so that it appears once however
 * the files are shared out.
 */
function reportPolicy(ctx: RuleContext, without: number, total: number): void {
  if (firstWithoutDowngrade(ctx.project) !== ctx.file.path) return;
  const line = scriptLocationLine(ctx.env);
  const share = Math.round((100 * without) / total);
  ctx.report({
    file: ctx.env.configFile,
    severity: 'info',
    range: { start: { line, character: 0 }, end: { line, character: lineLength(ctx.env, line) } },
    message: `${without} of ${total} revisions (${share}%) have no working downgrade, so this project does not write downgrades and missing-downgrade reports no single revision; \`alembic downgrade\` is not expected to work here.`,
    help: `Set [tool.alembic-pilot] downgrades = "optional" to record the policy (this note goes away) or "required" to report every revision; ${Math.round(OPTIONAL_SHARE * 100)}% of at least ${MIN_REVISIONS} revisions is what counts as a policy.`,
  });
}

const configLines = new WeakMap<AlembicEnvironment, string[]>();

function linesOf(env: AlembicEnvironment): string[] {
  let lines = configLines.get(env);
  if (!lines) {
    try {
      lines = readFileSync(env.configFile, 'utf8').split(/\r\n|\r|\n/);
    } catch {
      lines = [];
    }
    configLines.set(env, lines);
  }
  return lines;
}

/** The 0-based line of `script_location` in the environment's section of its config file (0 when not found). */
function scriptLocationLine(env: AlembicEnvironment): number {
  const lines = linesOf(env);
  const header = env.iniFile ? new RegExp(`^\\s*\\[${env.section.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\]`) : /^\s*\[tool\.alembic\]/;
  let inSection = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^\s*\[/.test(l)) inSection = header.test(l);
    else if (inSection && /^\s*script_location\s*[=:]/.test(l)) return i;
  }
  return 0;
}

function lineLength(env: AlembicEnvironment, line: number): number {
  return linesOf(env)[line]?.length ?? 0;
}

/**
 * Writes the downgrade from the upgrade's calls in reverse, when every one of them has a known
 * inverse (see ops/reverse.ts); otherwise there is no fix rather than a partial one.
 */
function reversingFix(file: RevisionFile, up: MigrationFunction, down: MigrationFunction | undefined, downName: string): Fix | undefined {
  const steps = reversedSteps(file, up);
  if (!steps) return undefined;
  const edits = downgradeEdits(file, up, down, downName, steps);
  return { title: `Write ${downName}() reversing ${up.name}()`, edits: [{ file: file.path, edits }], isPreferred: true };
}

/** What an empty downgrade fails to undo, or undefined when the upgrade changes nothing. */
function consequence(up: MigrationFunction): string | undefined {
  const calls = up.opCalls.filter((c) => c.name !== 'get_bind' && c.name !== 'get_context' && c.name !== 'f' && c.name !== 'batch_alter_table');
  const first = calls[0];
  if (!first) return up.sql.length > 0 ? 'does not undo the SQL it executed' : undefined;
  const more = calls.length > 1 ? ` (and ${calls.length - 1} more change${calls.length > 2 ? 's' : ''})` : '';
  const created = creation(first);
  return created ? `leaves ${created}${more} behind` : `does not undo op.${first.name}(${target(first)})${more}`;
}

/** Names what a creating call creates: "table `users`", "column `users.email`". */
function creation(call: OpCall): string | undefined {
  const name = literalName(call.args[0]?.value);
  switch (call.name) {
    case 'create_table':
      return name ? `table \`${name}\`` : 'a table';
    case 'add_column': {
      const table = call.receiver === 'batch' ? call.batchTable : name;
      const column = literalName(call.args[call.receiver === 'batch' ? 0 : 1]?.value);
      return column ? `column \`${table ? `${table}.` : ''}${column}\`` : 'a column';
    }
    case 'create_index':
      return name ? `index \`${name}\`` : 'an index';
    case 'create_foreign_key':
    case 'create_unique_constraint':
    case 'create_check_constraint':
    case 'create_primary_key':
    case 'create_exclude_constraint':
      return name ? `constraint \`${name}\`` : 'a constraint';
    case 'create_table_comment':
      return 'a table comment';
    default:
      return undefined;
  }
}

function target(call: OpCall): string {
  const name = call.name === 'execute' ? undefined : literalName(call.args[0]?.value);
  return name === undefined ? '…' : `'${name}'`;
}
