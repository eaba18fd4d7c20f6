import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIniFile } from '../../../server/src/core/config/ini';
import { TemplateError } from '../../../server/src/core/template/errors';
import { CompiledTemplate, renderMako } from '../../../server/src/core/template/mako';
import { dateTimeObject, type PyDateTime, type PyValue } from '../../../server/src/core/template/pyValue';
import { COMMA_FILTER, configObject } from '../../../server/src/core/template/revisionTemplate';
import { askAlembic, BUNDLED_TEMPLATES, bundledTemplatesDir, oracleDate, type OracleAnswer } from './alembicOracle';

/**
 * The renderer against real Mako: every bundled script.py.mako, and a template that packs in
 * every construct of the subset, rendered by both with the same values, must come out the
 * same byte for byte. Constructs outside the subset must be refused by name.
 */

type Spec = Record<string, string | number | boolean | null | string[] | { $datetime: PyDateTime }>;

const naive: PyDateTime = { year: 2025, month: 3, day: 4, hour: 9, minute: 15, second: 7, microsecond: 123000, epoch: 1741079707 };
const aware: PyDateTime = { year: 2024, month: 12, day: 31, hour: 23, minute: 59, second: 0, microsecond: 0, utcOffsetMinutes: 330, epoch: 1735669740 };

const SPECS: Record<string, Spec> = {
  'a merge of two heads': { up_revision: '1a2b3c4d5e6f', down_revision: ['ae1027a6acf', '27c6a30d7c24'], branch_labels: null, depends_on: null, message: 'merge heads', create_date: { $datetime: naive }, refresh: true },
  'a child with an odd message': { up_revision: 'ff00ff00ff00', down_revision: 'ae1027a6acf', branch_labels: ['feature'], depends_on: 'cafe', message: 'it\'s "quoted" — ünïcode\tand a tab', create_date: { $datetime: aware } },
  'a base with autogenerate output': { up_revision: '000000000001', down_revision: null, branch_labels: null, depends_on: ['a', 'b'], message: 'empty message', create_date: { $datetime: naive }, imports: 'import foo', upgrades: 'op.create_table("t")', downgrades: 'op.drop_table("t")', engine1_upgrades: 'op.execute("one")' },
};

function toPy(spec: Spec, ini: string): Map<string, PyValue> {
  const data = new Map<string, PyValue>();
  for (const [k, v] of Object.entries(spec)) data.set(k, v !== null && typeof v === 'object' && !Array.isArray(v) ? dateTimeObject(v.$datetime) : v);
  data.set('comma', COMMA_FILTER);
  const file = readIniFile(ini, { here: path.dirname(ini) });
  data.set('config', configObject((name) => file.get('alembic', name)));
  return data;
}

function toOracle(spec: Spec): Record<string, unknown> {
  return Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, v !== null && typeof v === 'object' && !Array.isArray(v) ? { $datetime: oracleDate(v.$datetime) } : v]));
}

function ours(template: string, spec: Spec, ini: string): OracleAnswer {
  try {
    return { ok: CompiledTemplate.compile(readFileSync(template, 'utf8').replace(/^\uFEFF/, '')).render(toPy(spec, ini)) };
  } catch (error) {
    if (error instanceof TemplateError) return { error: error.message };
    throw error;
  }
}

let dir: string;
let ini: string;
let cases: { name: string; template: string; spec: Spec }[];
let expected: OracleAnswer[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mako-'));
  ini = path.join(dir, 'alembic.ini');
  writeFileSync(ini, '[alembic]\nscript_location = %(here)s\ndatabases = engine1, engine2,engine3\n');
  const bundled = await bundledTemplatesDir();
  const constructs = path.resolve(__dirname, '../../fixtures/template/constructs.mako');
  const crlf = path.join(dir, 'constructs-crlf.mako');
  writeFileSync(crlf, readFileSync(constructs, 'utf8').replace(/\n/g, '\r\n'));
  const bom = path.join(dir, 'generic-bom.mako');
  writeFileSync(bom, `\uFEFF${readFileSync(path.join(bundled, 'generic', 'script.py.mako'), 'utf8')}`);
  const templates: [string, string][] = [...BUNDLED_TEMPLATES.map((t): [string, string] => [t, path.join(bundled, t, 'script.py.mako')]), ['constructs', constructs], ['constructs with CRLF', crlf], ['generic with a BOM', bom]];
  cases = templates.flatMap(([t, file]) => Object.entries(SPECS).map(([s, spec]) => ({ name: `${t}: ${s}`, template: file, spec })));
  expected = await askAlembic(cases.map((c) => ({ kind: 'render', template: c.template, data: toOracle(c.spec), ini })));
});

// The folder holds this file's templates and ini, and every test reads it, so it goes at the end.
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('rendering like Mako', () => {
  const names = [...BUNDLED_TEMPLATES, 'constructs', 'constructs with CRLF', 'generic with a BOM'].flatMap((t) => Object.keys(SPECS).map((s) => `${t}: ${s}`));
  it.each(names)('%s', (name) => {
    const i = cases.findIndex((c) => c.name === name);
    const want = expected[i]!;
    expect('ok' in want, JSON.stringify(want)).toBe(true);
    expect(ours(cases[i]!.template, cases[i]!.spec, ini)).toEqual(want);
  });
});

describe('failing where Mako fails', () => {
  const failing: [string, string][] = [
    ['an undefined name written out', 'x ${imports} y\n'],
    ['an unclosed % if', '% if message:\nhi\n'],
    ['a mismatched % end', '% if message:\nhi\n% endfor\n'],
    ['re.split of an option that is not set', '<%! import re %>\n% for n in re.split(r",\\s*", config.get_main_option("nope")):\n${n}\n% endfor\n'],
    ['a name read before its assignment', '${label}\n<% label = "x" %>\n'],
  ];
  let answers: OracleAnswer[];
  beforeAll(async () => {
    const files = failing.map(([, text], i) => {
      const file = path.join(dir, `failing-${i}.mako`);
      writeFileSync(file, text);
      return file;
    });
    answers = await askAlembic(files.map((template) => ({ kind: 'render', template, data: toOracle(SPECS['a merge of two heads']!), ini })));
  });
  it.each(failing.map(([name], i) => [name, i] as const))('%s', (_name, i) => {
    expect('error' in answers[i]!, JSON.stringify(answers[i])).toBe(true);
    const mine = ours(path.join(dir, `failing-${i}.mako`), SPECS['a merge of two heads']!, ini);
    expect('error' in mine, JSON.stringify(mine)).toBe(true);
  });
});

describe('long input (found by fuzzing)', () => {
  it('skips a coding comment, and reads a long first line without one, in linear time', () => {
    const data = new Map<string, PyValue>([['message', 'm']]);
    expect(renderMako('# -*- coding: utf-8 -*-\n${message}\n', data)).toBe('m\n');
    // Mako's own regex for the coding comment backtracks quadratically over a long encoding name
    // with no line end after it: 100,000 characters took a minute. The timeout catches that.
    const long = `#coding:${'x'.repeat(100_000)}`;
    expect(renderMako(long, data)).toBe(long);
    expect(renderMako(`#${'coding:x '.repeat(10_000)}\n\${message}`, data)).toBe('m');
  }, 10_000);
});

describe('refusing what is outside the subset', () => {
  const data = new Map<string, PyValue>([['down_revision', ['a', 'b']], ['message', 'm'], ['comma', COMMA_FILTER]]);
  it.each([
    ['${", ".join(down_revision)}', "the attribute '.join'"],
    ['${message | h}', "the 'h' filter"],
    ['${len(down_revision)}', "the Python builtin 'len'"],
    ['${down_revision[0]}', "the Python operator or syntax '['"],
    ['${f"{message}"}', 'an f-string'],
    ['${message + "x"}', "the Python operator or syntax '+'"],
    ['<%def name="f()">x</%def>', 'the <%def> tag'],
    ['<%page args="x"/>', 'the <%page> tag'],
    ['<%include file="other.mako"/>', 'the <%include> tag'],
    ['<%! import os %>', "the module-level statement 'import os'"],
    ['<% import os %>', "the Python statement 'import os'"],
    ['% while message:\n% endwhile\n', "'% while'"],
    ['% for a, b in down_revision:\n% endfor\n', "',' where 'in' was expected"],
    ['% for r in down_revision:\n${loop.index}\n% endfor\n', "Mako's 'loop' variable"],
    ['% for r in down_revision:\n% else:\n% endfor\n', "'% else' after '% for'"],
    ['${context.get("len")}', "context.get('len'), which finds a Python builtin"],
    // Found by fuzzing: the parser and the evaluator recurse once per level and overflowed the stack.
    [`\${${'not '.repeat(5_000)}message}`, 'an expression nested more than 100 levels deep'],
    [`\${${'('.repeat(5_000)}message${')'.repeat(5_000)}}`, 'an expression nested more than 100 levels deep'],
    [`\${message${' or message'.repeat(5_000)}}`, 'an expression nested more than 100 levels deep'],
    [`\${comma${'.x'.repeat(5_000)}}`, 'an expression nested more than 100 levels deep'],
    ['${"%99999999999s" % message}', 'a field width or precision over 1,000,000 in a % expression'],
  ])('%s', (template, construct) => {
    let error: unknown;
    try {
      renderMako(template, data);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).kind).toBe('unsupported');
    expect((error as TemplateError).message).toContain(`this template uses ${construct}`);
    expect((error as TemplateError).message).toContain('which Alembic Pilot cannot render');
  });
});
