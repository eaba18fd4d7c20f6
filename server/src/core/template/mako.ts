import { pyStrip } from '../config/pyText';
import { failed, unsupported } from './errors';
import { MakoLexer, type LexNode } from './makoLexer';
import { evaluate, parseExpression, parseForHead, type Expr } from './pyExpr';
import { isPythonBuiltin, pyFunction, RE_MODULE, SUPPORTED_BUILTINS } from './pyModules';
import { isObject, isTuple, pyStr, truthy, UNDEFINED, type PyObject, type PyValue } from './pyValue';

/**
 * Renders Mako templates of the kind Alembic's `script.py.mako` is, with Mako's own output:
 * `${expr | filters}`, `% if/elif/else/endif`, `% for/endfor`, `##` comments, `<%doc>`,
 * `<%text>`, escaped newlines, `<% name = expr %>` blocks and `<%! import re %>`. The
 * expression language is the Python subset of pyExpr.ts. Anything outside the subset throws a
 * TemplateError while compiling or rendering; nothing is ever approximated.
 */

type Item =
  | { k: 'text'; text: string }
  | { k: 'expr'; expr: Expr; filters: string[]; line: number }
  | { k: 'assign'; name: string; expr: Expr; line: number }
  | { k: 'if'; branches: { test: Expr | undefined; body: Item[]; line: number }[] }
  | { k: 'for'; target: string; iter: Expr; body: Item[]; line: number };

/** Mako's names that a template cannot use as plain variables, or that we do not reproduce. */
const RESERVED = new Set(['loop', 'capture', 'caller', 'self', 'local', 'parent', 'next', 'STOP_RENDERING', 'pageargs']);
const ESCAPE_FILTERS = new Set(['h', 'x', 'u', 'entity', 'decode']);
const FRAGMENT = /^(\w+)(?:\s+([\s\S]*?))?:\s*(#|$)/;

export class CompiledTemplate {
  private constructor(
    private readonly body: Item[],
    private readonly modules: ReadonlySet<string>,
    /** Names assigned anywhere in the body; Python treats them as locals throughout. */
    private readonly localNames: ReadonlySet<string>,
  ) {}

  /** Compiles a template's text; throws TemplateError for syntax errors and unsupported constructs. */
  static compile(text: string): CompiledTemplate {
    const nodes = new MakoLexer(text).parse();
    const modules = new Set<string>();
    const localNames = new Set<string>();
    const body = buildTree(nodes, modules, localNames);
    return new CompiledTemplate(body, modules, localNames);
  }

  /** Renders with the given variables, as Mako's `render_unicode(**data)`. */
  render(data: ReadonlyMap<string, PyValue>): string {
    for (const name of ['context', 'UNDEFINED', 'loop', 'STOP_RENDERING']) {
      if (data.has(name)) throw failed(`the variable name '${name}' is reserved by Mako`);
    }
    const locals = new Map<string, PyValue>();
    const contextObject: PyObject = {
      kind: 'object',
      typeName: 'context',
      attr: (name) =>
        name === 'get'
          ? pyFunction('context.get', (args, line) => {
              if (args.length < 1 || args.length > 2) throw unsupported(`context.get() with ${args.length} argument(s)`, line);
              const key = args[0]!;
              if (typeof key !== 'string') throw unsupported('context.get() with a key that is not a string', line);
              if (RESERVED.has(key)) throw unsupported(`context.get('${key}')`, line);
              if (data.has(key)) return data.get(key)!;
              const builtin = SUPPORTED_BUILTINS.get(key);
              if (builtin) return builtin;
              if (isPythonBuiltin(key)) throw unsupported(`context.get('${key}'), which finds a Python builtin`, line);
              return args[1] ?? null;
            })
          : undefined,
    };
    const lookup =
      (line: number) =>
      (name: string): PyValue => {
        if (locals.has(name)) return locals.get(name)!;
        if (this.localNames.has(name)) throw failed(`'${name}' is read before the template assigns it (Python raises UnboundLocalError)`, line);
        if (this.modules.has(name)) return RE_MODULE;
        if (name === 'context') return contextObject;
        if (name === 'UNDEFINED') return UNDEFINED;
        if (RESERVED.has(name)) throw unsupported(`Mako's '${name}' variable`, line);
        if (data.has(name)) return data.get(name)!;
        const builtin = SUPPORTED_BUILTINS.get(name);
        if (builtin) return builtin;
        if (isPythonBuiltin(name)) throw unsupported(`the Python builtin '${name}'`, line);
        return UNDEFINED;
      };
    const out: string[] = [];
    const run = (items: readonly Item[]): void => {
      for (const item of items) {
        switch (item.k) {
          case 'text':
            out.push(item.text);
            break;
          case 'expr':
            out.push(applyFilters(evaluate(item.expr, lookup(item.line), item.line), item.filters, lookup(item.line), item.line));
            break;
          case 'assign':
            locals.set(item.name, evaluate(item.expr, lookup(item.line), item.line));
            break;
          case 'if': {
            const branch = item.branches.find((b) => b.test === undefined || truthy(evaluate(b.test, lookup(b.line), b.line)));
            if (branch) run(branch.body);
            break;
          }
          case 'for':
            for (const value of iterate(evaluate(item.iter, lookup(item.line), item.line), item.line)) {
              locals.set(item.target, value);
              run(item.body);
            }
            break;
        }
      }
    };
    run(this.body);
    return out.join('');
  }
}

/** Compiles and renders in one step. */
export function renderMako(text: string, data: ReadonlyMap<string, PyValue>): string {
  return CompiledTemplate.compile(text).render(data);
}

function iterate(v: PyValue, line: number): readonly PyValue[] {
  if (typeof v === 'string') return [...v];
  if (isTuple(v)) return v;
  if (typeof v === 'object' && v !== null && !isObject(v)) return v.items;
  const what = v === UNDEFINED ? 'a name that the caller did not pass' : v === null ? 'None' : 'a value that cannot be iterated';
  throw failed(`% for iterates over ${what} (Python raises TypeError)`, line);
}

/** Mako's filter chain: `str` first unless `n` is among the filters, then each in order. */
function applyFilters(value: PyValue, filters: readonly string[], lookup: (name: string) => PyValue, line: number): string {
  const chain = filters.includes('n') ? filters.filter((f) => f !== 'n') : ['str', ...filters];
  let v = value;
  for (const f of chain) {
    if (f === 'str' || f === 'unicode') v = pyStr(v, line);
    else if (f === 'trim') v = pyStrip(pyStr(v, line));
    else if (ESCAPE_FILTERS.has(f)) throw unsupported(`the '${f}' filter`, line);
    else {
      const fn = lookup(f);
      if (!isObject(fn) || !fn.call) throw failed(`the filter '${f}' is not a function the template is given`, line);
      v = fn.call([v], line);
    }
  }
  if (typeof v !== 'string') throw failed('an expression whose filters produce a value that is not text (Python raises TypeError)', line);
  return v;
}

function parseFilters(text: string, line: number): string[] {
  if (text === '') return [];
  return text.split(',').map((f) => {
    const name = f.trim();
    if (!/^\w+$/.test(name)) throw unsupported(`the filter expression '${name}'`, line);
    return name;
  });
}

interface Frame {
  keyword: 'if' | 'for';
  /** Where the nodes that follow go: the current branch's body or the loop's body. */
  body: Item[];
  ifItem?: Extract<Item, { k: 'if' }>;
  sawElse?: boolean;
  line: number;
}

function buildTree(nodes: readonly LexNode[], modules: Set<string>, localNames: Set<string>): Item[] {
  const root: Item[] = [];
  const stack: Frame[] = [];
  const target = (): Item[] => stack.at(-1)?.body ?? root;
  for (const node of nodes) {
    switch (node.k) {
      case 'text':
        target().push(node);
        break;
      case 'expr':
        target().push({ k: 'expr', expr: parseExpression(node.code, node.line), filters: parseFilters(node.filters, node.line), line: node.line });
        break;
      case 'code':
        for (const statement of codeStatements(node.code, node.line)) {
          if (node.module) {
            const m = /^import\s+(\w+)$/.exec(statement);
            if (m?.[1] !== 're') throw unsupported(`the module-level statement '${statement}'`, node.line);
            modules.add('re');
            continue;
          }
          const m = /^([A-Za-z_]\w*)\s*=(?!=)\s*(.+)$/s.exec(statement);
          if (!m) throw unsupported(`the Python statement '${statement}'`, node.line);
          localNames.add(m[1]!);
          target().push({ k: 'assign', name: m[1]!, expr: parseExpression(m[2]!, node.line), line: node.line });
        }
        break;
      case 'control':
        controlLine(node, stack, target, localNames);
        break;
    }
  }
  const open = stack.at(-1);
  if (open) throw failed(`'% ${open.keyword}' has no '% end${open.keyword}'`, open.line);
  return root;
}

function controlLine(node: Extract<LexNode, { k: 'control' }>, stack: Frame[], target: () => Item[], localNames: Set<string>): void {
  const { line } = node;
  if (node.isEnd) {
    const top = stack.pop();
    if (!top || top.keyword !== node.keyword) throw failed(`'% end${node.keyword}' does not close ${top ? `'% ${top.keyword}'` : 'anything'}`, line);
    return;
  }
  const m = FRAGMENT.exec(pyStrip(node.text));
  if (!m) throw failed(`the control line '% ${node.text}' is not a partial control statement`, line);
  const keyword = m[1]!;
  const code = m[2] ?? '';
  const top = stack.at(-1);
  if (keyword === 'if') {
    const ifItem: Extract<Item, { k: 'if' }> = { k: 'if', branches: [{ test: parseExpression(code, line), body: [], line }] };
    target().push(ifItem);
    stack.push({ keyword: 'if', body: ifItem.branches[0]!.body, ifItem, line });
  } else if (keyword === 'elif' || keyword === 'else') {
    if (top?.keyword === 'for') throw unsupported(`'% ${keyword}' after '% for'`, line);
    if (!top?.ifItem || top.sawElse) throw failed(`'% ${keyword}' without a matching '% if'`, line);
    if (keyword === 'else' && code !== '') throw failed(`'% else' takes no condition`, line);
    const branch = { test: keyword === 'elif' ? parseExpression(code, line) : undefined, body: [] as Item[], line };
    top.ifItem.branches.push(branch);
    top.body = branch.body;
    top.sawElse = keyword === 'else';
  } else if (keyword === 'for') {
    const { target: name, iter } = parseForHead(code, line);
    localNames.add(name);
    const item: Extract<Item, { k: 'for' }> = { k: 'for', target: name, iter, body: [], line };
    target().push(item);
    stack.push({ keyword: 'for', body: item.body, line });
  } else if (['while', 'try', 'with', 'except', 'finally'].includes(keyword)) {
    throw unsupported(`'% ${keyword}'`, line);
  } else {
    throw failed(`'% ${keyword}' is not a Python control statement`, line);
  }
}

/**
 * The statements of a `<% %>` block, one per line. Mako dedents the block as a whole; lines of
 * different indentation would open Python blocks, which are refused here.
 */
function codeStatements(code: string, line: number): string[] {
  const lines = code.split('\n').map((l) => l.replace(/\r$/, ''));
  const kept = lines.filter((l) => pyStrip(l) !== '' && !pyStrip(l).startsWith('#'));
  const indents = new Set(kept.map((l) => /^[ \t]*/.exec(l)![0]));
  if (indents.size > 1) throw unsupported('a Python block with indented statements', line);
  return kept.map((l) => {
    const s = pyStrip(l);
    if (s.endsWith('\\') || s.includes(';')) throw unsupported(`the Python statement '${s}'`, line);
    return s;
  });
}
