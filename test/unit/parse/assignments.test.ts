import { describe, expect, it } from 'vitest';
import type { RevisionAssignment } from '../../../server/src/core/revisionHeader';
import { parse, textAt } from './helpers';

/** What matters about an assignment for the graph: its ids, None-ness and source text. */
function summary(a: RevisionAssignment | undefined): Pick<RevisionAssignment, 'ids' | 'isNone' | 'text'> | undefined {
  return a && { ids: a.ids, isNone: a.isNone, text: a.text };
}

function check(source: string, expected: ReturnType<typeof summary>): void {
  expect(summary(parse(source).downRevision)).toEqual(expected);
}

describe('down_revision values, as util.to_tuple sees them', () => {
  it.each([
    ['down_revision = None', { ids: [], isNone: true, text: 'None' }],
    ["down_revision = 'abc'", { ids: ['abc'], isNone: false, text: "'abc'" }],
    ["down_revision = ('a', 'b')", { ids: ['a', 'b'], isNone: false, text: "('a', 'b')" }],
    ["down_revision = ['a', 'b']", { ids: ['a', 'b'], isNone: false, text: "['a', 'b']" }],
    ["down_revision = 'a', 'b'", { ids: ['a', 'b'], isNone: false, text: "'a', 'b'" }],
    ["down_revision = ('a',)", { ids: ['a'], isNone: false, text: "('a',)" }],
    ["down_revision = ('a')", { ids: ['a'], isNone: false, text: "('a')" }],
    ['down_revision = ()', { ids: [], isNone: false, text: '()' }],
    ["down_revision = 'ab' 'cd'", { ids: ['abcd'], isNone: false, text: "'ab' 'cd'" }],
    ["down_revision: Union[str, Sequence[str], None] = ('a', 'b')", { ids: ['a', 'b'], isNone: false, text: "('a', 'b')" }],
    ['down_revision: str | None = None', { ids: [], isNone: true, text: 'None' }],
  ])('%s', (source, expected) => check(source, expected));
});

describe('values that are not only literals are never guessed', () => {
  it.each([
    ['down_revision = PARENT', 'PARENT'],
    ['down_revision = (cli.EXPAND_BRANCH,)', '(cli.EXPAND_BRANCH,)'],
    ["down_revision = ('a', None)", "('a', None)"],
    ['down_revision = get_parent()', 'get_parent()'],
    ["down_revision = f'abc'", "f'abc'"],
    ["down_revision = b'abc'", "b'abc'"],
    ['down_revision = 1', '1'],
  ])('%s', (source, text) => check(source, { ids: undefined, isNone: false, text }));
});

describe('which assignment counts', () => {
  it('takes the last module-level assignment', () => {
    check("down_revision = 'a'\ndown_revision = 'b'", { ids: ['b'], isNone: false, text: "'b'" });
  });

  it('ignores assignments inside functions', () => {
    check("down_revision = 'a'\ndef f():\n    down_revision = 'b'", { ids: ['a'], isNone: false, text: "'a'" });
  });

  it('reads every target of a chained assignment', () => {
    const file = parse("revision = down_revision = 'x'");
    expect([file.revision?.ids, file.downRevision?.ids]).toEqual([['x'], ['x']]);
  });

  it('ignores an annotation without a value', () => {
    expect(parse('down_revision: str').downRevision).toBeUndefined();
  });

  it('leaves revision undefined when it is never assigned', () => {
    expect(parse('x = 1').revision).toBeUndefined();
  });
});

describe('assignment ranges', () => {
  const file = parse("down_revision: str | None = ('ab', \"cd\")  # parent");

  it.each([
    ['range', (a: RevisionAssignment) => a.range, 'down_revision: str | None = (\'ab\', "cd")'],
    ['valueRange', (a: RevisionAssignment) => a.valueRange, '(\'ab\', "cd")'],
    ['first literal', (a: RevisionAssignment) => a.literals[0].range, "'ab'"],
    ['second literal', (a: RevisionAssignment) => a.literals[1].range, '"cd"'],
  ])('%s', (_label, pick, expected) => {
    const a = file.downRevision;
    expect(a && textAt(file, pick(a))).toBe(expected);
  });
});

describe('the other revision variables', () => {
  it.each([
    ["branch_labels = ('lbl',)", 'branchLabels', ['lbl']],
    ["branch_labels = 'lbl'", 'branchLabels', ['lbl']],
    ['branch_labels = (cli.CONTRACT_BRANCH,)', 'branchLabels', undefined],
    ['depends_on = ["x", "y"]', 'dependsOn', ['x', 'y']],
    ['revision: str = "x"', 'revision', ['x']],
  ] as const)('%s', (source, key, ids) => {
    expect(parse(source)[key]?.ids).toEqual(ids);
  });
});
