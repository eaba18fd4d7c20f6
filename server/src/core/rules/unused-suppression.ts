import { isRuleId } from './registry';
import { readSuppressionComments } from './suppressions';
import type { Rule } from './types';

/**
 * A suppression comment that suppresses nothing hides the next real problem on its line
 * without anyone noticing. This rule reports the comments that cannot work at all (a
 * misspelt directive, an id that is no rule); the runner, which knows what each comment
 * actually suppressed, reports the ones that could work but did not (see Suppressions.unused).
 */
export const unusedSuppression: Rule = {
  id: 'unused-suppression',
  defaultSeverity: 'info',
  description: 'A suppression comment, or a rule id inside one, that suppresses nothing.',
  check(ctx) {
    const { comments, malformed } = readSuppressionComments(ctx.file.text);
    for (const m of malformed) {
      ctx.report({
        range: m.range,
        message: `\`${m.text}\` is not a suppression comment Alembic Pilot understands, so it suppresses nothing.`,
        help: 'Write `# alembic-pilot: ignore[rule-id]` (this line or the next) or `# alembic-pilot: ignore-file[rule-id]`.',
      });
    }
    for (const c of comments) {
      for (const id of c.ids ?? []) {
        if (isRuleId(id.id)) continue;
        ctx.report({
          range: id.range,
          message: `'${id.id}' is not an Alembic Pilot rule id, so this entry suppresses nothing.`,
          help: 'Use the id shown in the diagnostic, for example missing-downgrade.',
        });
      }
    }
  },
};
