import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../../server/src/core/template/errors';
import { renderMako } from '../../../server/src/core/template/mako';
import type { PyValue } from '../../../server/src/core/template/pyValue';

/**
 * The lexer reads comments and strings inside `${...}` and `<% %>` as Mako's `parse_until_text`
 * does, by trying a comment and a string regex at every `#` and quote. Tried naively, a long
 * line of `#` with no line end after it, or a long run of quotes that never close, rescans the
 * rest of the text at each of them: each template below took 6 to 10 s of CPU before the lexer
 * learnt to skip what cannot match (found by the long fuzz run). Each must now take well under
 * a second; the budget is CPU time, which other jobs on the machine do not inflate.
 */

const BUDGET_MS = 1_000;

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Renders `template`, returning what came out or the TemplateError's message, and the CPU it took. */
function timed(template: string, data = new Map<string, PyValue>()): { out: string; ms: number } {
  const started = cpuMs();
  let out: string;
  try {
    out = renderMako(template, data);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    out = `TemplateError: ${error.message}`;
  }
  return { out, ms: cpuMs() - started };
}

const UNTERMINATED = /an unterminated tag or expression/;

describe('long lines of comments and unclosed strings are lexed in linear time', () => {
  it.each([
    ['100,000 `#` on one line in an expression', `\${${'#'.repeat(100_000)}`, UNTERMINATED],
    ['100,000 `#` on one line in a code block', `<%${'#'.repeat(100_000)}%>ok`, /^ok$/],
    ['50,000 double quotes, each escaping what follows', `\${${'"\\'.repeat(50_000)}`, UNTERMINATED],
    ['30,000 runs of a single and a double quote that never close', `\${${'\'\\"\\'.repeat(30_000)}`, UNTERMINATED],
    // `"""` never closes here, but `"` does (as `""`): `"""` must not be tried again at every run.
    ['20,000 triple quotes that close only as one-quote strings', `\${${'"""y"x\\'.repeat(20_000)}`, UNTERMINATED],
  ])('%s', (_name, template, expected) => {
    const { out, ms } = timed(template);
    expect(out).toMatch(expected);
    expect(ms).toBeLessThan(BUDGET_MS);
  });
});

describe('strings and comments are still skipped as Mako skips them', () => {
  const data = new Map<string, PyValue>([['message', 'm']]);
  it.each([
    // A `}` inside a string does not end the expression, in any of the four quote kinds.
    ['${"}" or message}', '}'],
    ["${'}' or message}", '}'],
    ['${"""}""" or message}', '}'],
    ["${'''}''' or message}", '}'],
    // An escaped quote does not close its string.
    ['${"\\"}" or message}', '"}'],
    // `"""` is tried before `"`: the empty string `""` does not end what `"""` opened.
    ['${"""a"b""" or message}', 'a"b'],
    // A quote that never closes (in a comment with no line end before `%>`) is skipped over.
    ["<% x = 1 # it's %>${message}", 'm'],
    // One that closes further on swallows the `%>`, as in Mako.
    ['<% x = 1 # say "hi %>${message or "}"}', 'TemplateError: line 1: an unterminated tag or expression (expected %>)'],
    // A comment runs to the line end, so a `}` in it does not close the expression.
    ['${message # }\n}', 'm'],
  ])('%s', (template, expected) => {
    expect(timed(template, data).out).toBe(expected);
  });
});
