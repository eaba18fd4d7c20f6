import type { Finding } from '../../core/rules/types';
import { formatJson } from './json';
import { locateAll } from './location';
import { formatSarif, type SarifRuleInput, type SarifToolInput } from './sarif';
import { formatText } from './text';

export const OUTPUT_FORMATS = ['text', 'json', 'sarif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function isOutputFormat(value: string): value is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(value);
}

export interface FormatContext {
  cwd: string;
  rules: readonly SarifRuleInput[];
  tool: SarifToolInput;
}

/** The findings as the lines to print on stdout (none for text output without findings). */
export function formatFindings(format: OutputFormat, findings: readonly Finding[], ctx: FormatContext): string[] {
  const located = locateAll(findings, ctx.cwd);
  switch (format) {
    case 'text':
      return formatText(located);
    case 'json':
      return [formatJson(located)];
    case 'sarif':
      return [JSON.stringify(formatSarif(located, ctx), null, 2)];
  }
}
