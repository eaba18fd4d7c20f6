import { failed, unsupported } from './errors';
import { pyRepr, pyStr, UNDEFINED, type PyObject, type PyValue } from './pyValue';

/**
 * The Python callables a template may reach: the builtins `repr` and `str`, and `re.split`,
 * which the multidb template uses to split its list of database names. Every other builtin is
 * refused by name rather than treated as an undefined template variable, because in Mako it
 * would resolve to the real builtin.
 */

export function pyFunction(name: string, call: (args: readonly PyValue[], line: number | undefined) => PyValue): PyObject {
  return { kind: 'object', typeName: `function ${name}()`, call };
}

function arity(name: string, args: readonly PyValue[], min: number, max: number, line: number | undefined): void {
  if (args.length < min || args.length > max) throw unsupported(`${name}() with ${args.length} argument(s)`, line);
}

export const SUPPORTED_BUILTINS: ReadonlyMap<string, PyObject> = new Map([
  [
    'repr',
    pyFunction('repr', (args, line) => {
      arity('repr', args, 1, 1, line);
      return pyRepr(args[0]!, line);
    }),
  ],
  [
    'str',
    pyFunction('str', (args, line) => {
      arity('str', args, 0, 1, line);
      return args.length === 0 ? '' : pyStr(args[0]!, line);
    }),
  ],
]);

const BUILTIN_NAMES = new Set(
  (
    'abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex copyright ' +
    'credits delattr dict dir divmod enumerate eval exec exit filter float format frozenset getattr globals hasattr hash help ' +
    'hex id input int isinstance issubclass iter len license list locals map max memoryview min next object oct open ord pow ' +
    'print property quit range repr reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip ' +
    'Ellipsis NotImplemented'
  ).split(' '),
);

/** Whether `name` is a Python builtin, which Mako would resolve instead of leaving it undefined. */
export function isPythonBuiltin(name: string): boolean {
  return BUILTIN_NAMES.has(name) || name.startsWith('__') || /^[A-Z]\w*(Error|Exception|Warning|Exit|Interrupt|Iteration|ExceptionGroup)$/.test(name);
}

/** Python's `\s` for str patterns; JavaScript's differs in a few control characters. */
const PY_SPACE = '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const CLASS_ESCAPES: Record<string, string> = { s: PY_SPACE, d: '\\p{Nd}', w: '[\\p{L}\\p{N}_]' };

/**
 * Translates a Python regular expression into an equivalent JavaScript one, for patterns made
 * of literal characters, `\s`, `\d`, `\w`, escaped punctuation and the greedy quantifiers
 * `*`, `+`, `?`. Patterns beyond that (classes, groups, anchors, alternation) are refused.
 */
function translatePattern(pattern: string, line: number | undefined): RegExp {
  let out = '';
  let atom = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[i + 1] ?? '';
      i++;
      if (next in CLASS_ESCAPES) out += CLASS_ESCAPES[next];
      else if (/[^\w\s]/.test(next)) out += literal(next);
      else throw unsupported(`the regular expression escape '\\${next}'`, line);
      atom = true;
    } else if ('*+?'.includes(ch)) {
      const after = pattern[i + 1];
      if (!atom || (after !== undefined && '*+?'.includes(after))) throw unsupported(`the regular expression '${pattern}'`, line);
      out += ch;
      atom = false;
    } else if ('.^$|()[]{}'.includes(ch)) {
      throw unsupported(`the regular expression '${pattern}'`, line);
    } else {
      out += literal(ch);
      atom = true;
    }
  }
  // A pattern that can match nothing splits differently in Python and JavaScript.
  if (new RegExp(`^(?:${out})$`, 'u').test('')) throw unsupported(`the regular expression '${pattern}', which can match an empty string`, line);
  return new RegExp(out, 'gu');
}

/** One literal character in a JavaScript `u` pattern, where only syntax characters may be escaped. */
function literal(ch: string): string {
  return '^$\\.*+?()[]{}|/'.includes(ch) ? `\\${ch}` : ch;
}

/** The `re` module, as far as templates use it. */
export const RE_MODULE: PyObject = {
  kind: 'object',
  typeName: 'module re',
  attr: (name) =>
    name === 'split'
      ? pyFunction('re.split', (args, line) => {
          arity('re.split', args, 2, 2, line);
          const [pattern, text] = args;
          if (typeof pattern !== 'string') throw unsupported('re.split() with a pattern that is not a string', line);
          if (typeof text !== 'string') {
            const what = text === null ? 'None' : text === UNDEFINED ? 'an undefined name' : 'a value that is not a string';
            throw failed(`re.split() is given ${what} to split (Python raises TypeError)`, line);
          }
          const re = translatePattern(pattern, line);
          const items: string[] = [];
          let last = 0;
          for (const m of text.matchAll(re)) {
            items.push(text.slice(last, m.index));
            last = m.index + m[0].length;
          }
          items.push(text.slice(last));
          return { kind: 'list', items };
        })
      : undefined,
};
