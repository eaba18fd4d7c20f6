import path from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { formatFindings, type FormatContext } from '../../../server/src/cli/format';
import type { SarifLog } from '../../../server/src/cli/format/sarif';
import { publicUrls, ruleHelp } from '../../../server/src/cli/format/help';
import type { Finding, RuleId, Severity } from '../../../server/src/core/rules/types';
import sarifSchema from '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json';

/**
 * SARIF output checked with a real validator: the SARIF 2.1.0 JSON schema (draft-04, as
 * published; @microsoft/jest-sarif ships it) with ajv, formats included, so that `uri` and
 * `uri-reference` values are checked too.
 */

// The schema's pattern for `language` has a stray `]` that is only valid without the `u` flag,
// which is how a draft-04 validator reads patterns anyway.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(sarifSchema);

function errorsOf(log: unknown): string {
  return validate(log) ? '' : ajv.errorsText(validate.errors, { separator: '\n' });
}

const cwd = path.resolve('/work/my project');

function finding(file: string, rule: RuleId, severity: Severity, line = 0): Finding {
  return {
    rule,
    severity,
    message: `${rule} at line ${line + 1}`,
    file: path.isAbsolute(file) ? file : path.join(cwd, file),
    range: { start: { line, character: 4 }, end: { line, character: 10 } },
  };
}

const ctx: FormatContext = {
  cwd,
  rules: [
    { id: 'missing-downgrade', description: 'downgrade() does nothing', defaultSeverity: 'warning' },
    { id: 'concurrently-in-transaction', description: 'CONCURRENTLY inside a transaction', defaultSeverity: 'error' },
    { id: 'unused-suppression', description: 'a suppression comment that suppresses nothing', defaultSeverity: 'off' },
  ],
  tool: {
    version: '1.2.3',
    help: (id) => (id === 'unused-suppression' ? undefined : { text: `About ${id}.`, markdown: `# ${id}\n\nAbout \`${id}\`.` }),
  },
};

const published: FormatContext = {
  ...ctx,
  tool: { ...ctx.tool, informationUri: 'https://github.com/example/alembic-pilot', helpUri: (id) => `https://github.com/example/alembic-pilot/blob/HEAD/docs/rules/${id}.md` },
};

function sarif(findings: Finding[]): SarifLog {
  return JSON.parse(formatFindings('sarif', findings, ctx)[0]!) as SarifLog;
}

describe('SARIF', () => {
  const log = sarif([
    finding('alembic/versions/002 add index.py', 'concurrently-in-transaction', 'error', 4),
    finding('alembic/versions/001.py', 'missing-downgrade', 'warning'),
    finding('alembic/versions/001.py', 'multiple-heads', 'info', 2),
    finding(path.resolve('/elsewhere/003.py'), 'missing-downgrade', 'hint'),
  ]);
  const run = log.runs[0]!;

  it('is valid against the SARIF 2.1.0 schema', () => {
    expect(errorsOf(log)).toBe('');
  });

  it('is valid with no results', () => {
    expect(errorsOf(sarif([]))).toBe('');
    expect(sarif([]).runs[0]!.results).toEqual([]);
  });

  it('describes the tool and every rule, with each rule help inline and no local links', () => {
    expect(log.version).toBe('2.1.0');
    expect(run.tool.driver).toMatchObject({ name: 'alembic-pilot', version: '1.2.3' });
    expect(run.tool.driver.informationUri).toBeUndefined();
    expect(run.tool.driver.rules.slice(0, 3)).toEqual([
      { id: 'missing-downgrade', shortDescription: { text: 'downgrade() does nothing' }, help: { text: 'About missing-downgrade.', markdown: '# missing-downgrade\n\nAbout `missing-downgrade`.' }, defaultConfiguration: { level: 'warning' } },
      { id: 'concurrently-in-transaction', shortDescription: { text: 'CONCURRENTLY inside a transaction' }, help: { text: 'About concurrently-in-transaction.', markdown: '# concurrently-in-transaction\n\nAbout `concurrently-in-transaction`.' }, defaultConfiguration: { level: 'error' } },
      { id: 'unused-suppression', shortDescription: { text: 'a suppression comment that suppresses nothing' }, defaultConfiguration: { enabled: false, level: 'note' } },
    ]);
    expect(JSON.stringify(log)).not.toMatch(/"(helpUri|informationUri)"/);
  });

  it('links to a public home when the package has one', () => {
    const withLinks = JSON.parse(formatFindings('sarif', [], published)[0]!) as SarifLog;
    expect(errorsOf(withLinks)).toBe('');
    expect(withLinks.runs[0]!.tool.driver.informationUri).toBe('https://github.com/example/alembic-pilot');
    expect(withLinks.runs[0]!.tool.driver.rules[0]!.helpUri).toBe('https://github.com/example/alembic-pilot/blob/HEAD/docs/rules/missing-downgrade.md');
  });

  it('points every ruleIndex at the descriptor of its ruleId, adding one for an unlisted rule', () => {
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
    expect(run.tool.driver.rules.map((r) => r.id)).toContain('multiple-heads');
  });

  it('maps error and warning through, info and hint to note', () => {
    expect(run.results.map((r) => [r.ruleId, r.level])).toEqual([
      ['missing-downgrade', 'note'],
      ['missing-downgrade', 'warning'],
      ['multiple-heads', 'note'],
      ['concurrently-in-transaction', 'error'],
    ]);
  });

  it('locates results relative to %SRCROOT%, percent-encoded, with 1-based exclusive regions', () => {
    expect(run.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: 'file:///work/my%20project/' } });
    expect(run.columnKind).toBe('utf16CodeUnits');
    expect(run.results[3]!.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'alembic/versions/002%20add%20index.py', uriBaseId: '%SRCROOT%' },
      region: { startLine: 5, startColumn: 5, endLine: 5, endColumn: 11 },
    });
  });

  it('gives a file outside the working directory an absolute file URI', () => {
    expect(run.results[0]!.locations[0]!.physicalLocation.artifactLocation).toEqual({ uri: 'file:///elsewhere/003.py' });
  });

  it('is checked by a validator that rejects what the schema forbids', () => {
    // Guards the tests above: a validator that accepted anything would make them pass vacuously.
    const broken = structuredClone(log) as unknown as { runs: { results: { locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
    broken.runs[0]!.results[0]!.locations[0]!.physicalLocation.region.startLine = 0;
    expect(errorsOf(broken)).toMatch(/startLine/);
    expect(errorsOf({ ...log, version: '2.0.0' })).not.toBe('');
    const badUri = structuredClone(log);
    badUri.runs[0]!.tool.driver.rules[0]!.helpUri = 'docs/rules/missing-downgrade.md';
    const noText = structuredClone(log) as unknown as { runs: { tool: { driver: { rules: { help?: { text?: string } }[] } } }[] };
    delete noText.runs[0]!.tool.driver.rules[0]!.help!.text;
    expect(errorsOf(noText)).toMatch(/text/);
    expect(errorsOf(badUri)).toMatch(/helpUri|format "uri"/);
  });
});

describe('rule help and public links', () => {
  it('reads a doc page as Markdown and as plain text', () => {
    const help = ruleHelp(path.resolve(__dirname, '../../../docs/rules/missing-downgrade.md'));
    expect(help?.markdown).toMatch(/^# missing-downgrade/);
    expect(help?.text).not.toMatch(/`|^#/m);
    expect(ruleHelp('/no/such/page.md')).toBeUndefined();
  });

  it.each([
    [{}, {}],
    [{ homepage: 'file:///opt/x' }, {}],
    [{ repository: 'git+https://github.com/acme/alembic-pilot.git' }, { home: 'https://github.com/acme/alembic-pilot', docs: 'https://github.com/acme/alembic-pilot/blob/HEAD/docs/rules' }],
    [{ homepage: 'https://acme.dev/pilot', repository: { type: 'git', url: 'https://github.com/acme/pilot' } }, { home: 'https://acme.dev/pilot', docs: 'https://github.com/acme/pilot/blob/HEAD/docs/rules' }],
  ])('links from %j', (pkg, expected) => {
    expect(publicUrls(pkg)).toEqual(expected);
  });
});
