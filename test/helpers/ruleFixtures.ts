import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { type AlembicEnvironment, DEFAULT_FILE_TEMPLATE, DEFAULT_TRUNCATE_SLUG_LENGTH, listRevisionFiles, loadEnvironment } from '../../server/src/core/config';
import { parseRevisionFile } from '../../server/src/core/parse';
import { RevisionProject } from '../../server/src/core/project/revisionProject';
import { loadLintConfig } from '../../server/src/core/rules/config';
import { DEFAULT_TARGETS, lintEnvironment, type LintOptions, type RuleError } from '../../server/src/core/rules/runner';
import type { Finding, LintTargets } from '../../server/src/core/rules/types';

/**
 * Rule fixtures with inline expectations, after rust-analyzer. A marker is a comment line
 * whose text after `#` is spaces and then carets; the carets sit under the columns of the
 * nearest preceding line that is not a marker, and are followed by
 * `severity[rule-id]: message-prefix`:
 *
 *     def downgrade():
 *         pass
 *     #   ^^^^ warning[missing-downgrade]: downgrade() does nothing ...
 *
 * A finding that starts in column 0 or 1 cannot be drawn under itself, so it is written with
 * an explicit column, `#@0 ^^^^ info[...]: ...`, where the carets only give the length. A
 * range spanning lines is drawn to the end of its first line; an empty range is one caret.
 *
 * The helper strips the markers, lints the text, draws markers again from the findings and
 * compares the result with the original text, so a failure is a readable diff. The message is
 * matched as a prefix (a trailing `...` or `…` is ignored), so long messages stay readable.
 */

export interface FixtureOptions {
  settings?: LintOptions['settings'];
  targets?: LintOptions['targets'];
  /** Applied over `targets` (or over a folder fixture's own configuration). */
  overrides?: Partial<LintTargets>;
  sql?: LintOptions['sql'];
  rules?: LintOptions['rules'];
}

export interface FixtureResult {
  file: string;
  /** The fixture as written. */
  expected: string;
  /** The fixture with its markers drawn again from what the linter found. */
  actual: string;
}

interface Marker {
  /** The line of the stripped text the marker points at. */
  line: number;
  column: number;
  length: number;
  severity: string;
  rule: string;
  message: string;
  /** The marker line as written, reused when a finding matches it. */
  source: string;
}

const POSITIONAL = /^#(\s+)(\^+)\s?(.*)$/;
const EXPLICIT = /^#@(\d+) (\^+)\s?(.*)$/;
const LABEL = /^(\w+)\[([\w-]+)\]: ?(.*)$/;

/** Splits a fixture into the text to lint and its markers. */
export function parseMarkers(text: string): { stripped: string; markers: Marker[] } {
  const kept: string[] = [];
  const markers: Marker[] = [];
  for (const line of text.split('\n')) {
    const positional = POSITIONAL.exec(line);
    const explicit = positional ? undefined : EXPLICIT.exec(line);
    if (!positional && !explicit) {
      kept.push(line);
      continue;
    }
    if (kept.length === 0) throw new Error(`A marker needs a line above it to point at: ${line}`);
    const column = positional ? 1 + positional[1]!.length : Number(explicit![1]);
    const carets = (positional ?? explicit)![2]!;
    const label = LABEL.exec((positional ?? explicit)![3]!);
    if (!label) throw new Error(`A marker must read 'severity[rule-id]: message': ${line}`);
    markers.push({ line: kept.length - 1, column, length: carets.length, severity: label[1]!, rule: label[2]!, message: label[3]!, source: line });
  }
  return { stripped: kept.join('\n'), markers };
}

function messagePrefix(message: string): string {
  return message.replace(/\s*(?:\.\.\.|…)$/, '');
}

/** Draws the findings of one file under the lines they start on. */
export function renderMarkers(stripped: string, findings: readonly Finding[], written: readonly Marker[] = []): string {
  const lines = stripped.split('\n');
  const unused = [...written];
  const below = new Map<number, string[]>();
  for (const f of findings) {
    const { start, end } = f.range;
    const lineText = lines[start.line] ?? '';
    const stop = end.line === start.line ? end.character : Math.max(lineText.length, start.character + 1);
    const length = Math.max(1, stop - start.character);
    const index = unused.findIndex(
      (m) =>
        m.line === start.line &&
        m.column === start.character &&
        m.length === length &&
        m.severity === f.severity &&
        m.rule === f.rule &&
        f.message.startsWith(messagePrefix(m.message)),
    );
    let marker: string;
    if (index >= 0) {
      marker = unused[index]!.source;
      unused.splice(index, 1);
    } else {
      const carets = '^'.repeat(length);
      const head = start.character >= 2 ? `#${' '.repeat(start.character - 1)}${carets}` : `#@${start.character} ${carets}`;
      marker = `${head} ${f.severity}[${f.rule}]: ${f.message}`;
    }
    const list = below.get(start.line) ?? [];
    list.push(marker);
    below.set(start.line, list);
  }
  return lines.flatMap((l, i) => [l, ...(below.get(i) ?? [])]).join('\n');
}

function options(o: FixtureOptions, errors: RuleError[]): LintOptions {
  return {
    settings: o.settings ?? {},
    targets: { ...(o.targets ?? DEFAULT_TARGETS), ...o.overrides },
    sql: o.sql,
    ...(o.rules ? { rules: o.rules } : {}),
    onRuleError: (e) => errors.push(e),
  };
}

/** An environment holding just `folder`, for single-file fixtures and tests that need no alembic.ini. */
export function bareEnvironment(folder: string): AlembicEnvironment {
  return {
    configFile: path.join(folder, 'alembic.ini'),
    section: 'alembic',
    here: folder,
    scriptLocation: folder,
    versionLocations: [folder],
    recursiveVersionLocations: false,
    fileTemplate: DEFAULT_FILE_TEMPLATE,
    truncateSlugLength: DEFAULT_TRUNCATE_SLUG_LENGTH,
    prependSysPath: [],
    problems: [],
  };
}

function lintTexts(env: AlembicEnvironment, files: readonly { file: string; text: string }[], o: FixtureOptions): FixtureResult[] {
  const parsed = files.map((f) => ({ ...f, ...parseMarkers(f.text) }));
  const project = new RevisionProject(parseRevisionFile);
  for (const f of parsed) project.updateFile(f.file, f.stripped);
  const errors: RuleError[] = [];
  const findings = lintEnvironment(env, project, options(o, errors));
  if (errors.length > 0) throw new Error(`Rules threw: ${errors.map((e) => `${e.rule} on ${e.file}: ${String(e.error)}`).join('; ')}`);
  const results = parsed.map((f) => ({
    file: f.file,
    expected: f.text,
    actual: renderMarkers(
      f.stripped,
      findings.filter((x) => x.file === f.file),
      f.markers,
    ),
  }));
  // Findings about the environment are placed in its config file, which is read from disk with
  // its marker lines (comments to configparser), so they are drawn there the same way.
  const others = [...new Set(findings.map((x) => x.file))].filter((file) => !parsed.some((f) => f.file === file));
  for (const file of others) {
    if (file !== env.configFile) throw new Error(`A finding in ${file}, which is neither a fixture file nor its config`);
    const text = readFileSync(file, 'utf8');
    const { stripped, markers } = parseMarkers(text);
    const markerLines = text.split('\n').map((l, i) => ({ l, i })).filter(({ l }) => /^#(\s+\^|@\d+ \^)/.test(l)).map(({ i }) => i);
    const toStripped = (line: number): number => line - markerLines.filter((m) => m < line).length;
    const shifted = findings
      .filter((x) => x.file === file)
      .map((x) => ({ ...x, range: { start: { ...x.range.start, line: toStripped(x.range.start.line) }, end: { ...x.range.end, line: toStripped(x.range.end.line) } } }));
    results.push({ file, expected: text, actual: renderMarkers(stripped, shifted, markers) });
  }
  return results;
}

/** Lints one fixture text as the only revision of an environment and draws its markers again. */
export function lintFixtureText(text: string, o: FixtureOptions = {}, file = path.resolve('fixture.py')): string {
  return lintTexts(bareEnvironment(path.dirname(file)), [{ file, text }], o)[0]!.actual;
}

/**
 * Lints a fixture: a `.py` file alone, or a folder holding an environment (an alembic.ini and
 * its revision files, and a pyproject.toml whose [tool.alembic-pilot] applies as it would in a
 * project), and returns every file's text as written and as drawn again.
 */
export function renderFixture(fixturePath: string, o: FixtureOptions = {}): FixtureResult[] {
  if (statSync(fixturePath).isDirectory()) {
    const env = loadEnvironment(fixturePath);
    const files = listRevisionFiles(env).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
    if (files.length === 0) throw new Error(`The fixture environment ${fixturePath} has no revision files`);
    const config = loadLintConfig(env);
    return lintTexts(env, files, { ...o, settings: { ...config.settings, ...o.settings }, targets: o.targets ?? config.targets });
  }
  const file = path.resolve(fixturePath);
  return lintTexts(bareEnvironment(path.dirname(file)), [{ file, text: readFileSync(file, 'utf8') }], o);
}

/** Fails with a diff of the first file whose findings differ from its markers. */
export function checkFixture(fixturePath: string, o: FixtureOptions = {}): void {
  for (const r of renderFixture(fixturePath, o)) expect(r.actual, path.relative(process.cwd(), r.file)).toBe(r.expected);
}
