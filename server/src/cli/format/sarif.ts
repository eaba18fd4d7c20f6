import { pathToFileURL } from 'node:url';
import type { RuleId, RuleSetting, Severity } from '../../core/rules/types';
import type { LocatedFinding } from './location';

/**
 * SARIF 2.1.0, the format GitHub code scanning reads. Only what code scanning uses and the
 * schema requires is written; test/unit/cli/sarif.test.ts validates the output against the
 * official JSON schema.
 */

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = '%SRCROOT%';

export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

export interface SarifRuleInput {
  id: RuleId;
  description: string;
  defaultSeverity: RuleSetting;
}

/** A rule's help as SARIF carries it inline: `text` is required, `markdown` is what viewers prefer. */
export interface SarifHelp {
  text: string;
  markdown: string;
}

export interface SarifToolInput {
  version: string;
  /**
   * Public absolute URIs only (the schema requires URIs; a `file://` path of the machine that
   * ran the lint means nothing where the log is read), so both are left out when the package
   * names no public home.
   */
  informationUri?: string;
  helpUri?: (id: RuleId) => string;
  /** Each rule's help, inline; undefined for a rule without a doc page at hand. */
  help?: (id: RuleId) => SarifHelp | undefined;
}

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

interface ReportingDescriptor {
  id: string;
  shortDescription: { text: string };
  helpUri?: string;
  help?: SarifHelp;
  defaultConfiguration: { enabled?: boolean; level: SarifLevel };
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: ArtifactLocation;
      region: { startLine: number; startColumn: number; endLine: number; endColumn: number };
    };
  }[];
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: { driver: { name: string; version: string; informationUri?: string; rules: ReportingDescriptor[] } };
    originalUriBaseIds: Record<string, { uri: string }>;
    columnKind: 'utf16CodeUnits';
    results: SarifResult[];
  }[];
}

/** SARIF has no info or hint level; both are notes, which code scanning shows as such. */
export function sarifLevel(severity: Severity): SarifLevel {
  return severity === 'error' || severity === 'warning' ? severity : 'note';
}

function descriptor(rule: SarifRuleInput, tool: SarifToolInput): ReportingDescriptor {
  // A rule that is off by default has no level of its own; it is marked disabled, and the
  // level is what it reports at when a project turns it on without naming a severity.
  const defaultConfiguration = rule.defaultSeverity === 'off' ? { enabled: false, level: 'note' as const } : { level: sarifLevel(rule.defaultSeverity) };
  return { id: rule.id, shortDescription: { text: rule.description }, ...links(rule.id, tool), defaultConfiguration };
}

function links(id: RuleId, tool: SarifToolInput): { helpUri?: string; help?: SarifHelp } {
  const help = tool.help?.(id);
  return { ...(tool.helpUri ? { helpUri: tool.helpUri(id) } : {}), ...(help ? { help } : {}) };
}

/** A relative path as a URI reference: each segment percent-encoded, `/` between them. */
function relativeUri(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

function directoryUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith('/') ? href : `${href}/`;
}

export function formatSarif(located: readonly LocatedFinding[], opts: { cwd: string; rules: readonly SarifRuleInput[]; tool: SarifToolInput }): SarifLog {
  const rules = opts.rules.map((r) => descriptor(r, opts.tool));
  const index = new Map<string, number>(rules.map((r, i) => [r.id, i]));
  const indexOf = (id: RuleId): number => {
    let i = index.get(id);
    if (i === undefined) {
      // A finding of a rule the registry does not list still needs a descriptor for ruleIndex.
      i = rules.push({ id, shortDescription: { text: id }, ...links(id, opts.tool), defaultConfiguration: { level: 'warning' } }) - 1;
      index.set(id, i);
    }
    return i;
  };
  const results = located.map((l): SarifResult => ({
    ruleId: l.finding.rule,
    ruleIndex: indexOf(l.finding.rule),
    level: sarifLevel(l.finding.severity),
    message: { text: l.finding.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: l.relative ? { uri: relativeUri(l.file), uriBaseId: SRCROOT } : { uri: pathToFileURL(l.file).href },
          region: { startLine: l.line, startColumn: l.column, endLine: l.endLine, endColumn: l.endColumn },
        },
      },
    ],
  }));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'alembic-pilot', version: opts.tool.version, ...(opts.tool.informationUri ? { informationUri: opts.tool.informationUri } : {}), rules } },
        originalUriBaseIds: { [SRCROOT]: { uri: directoryUri(opts.cwd) } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}
