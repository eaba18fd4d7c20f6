import type { SyntaxNode, Tree } from '@lezer/common';
import type { RevisionAssignment } from '../revisionHeader';
import type { Range } from '../types';
import { revisionAssignment, splitAssignment } from './assignments';
import { type Binding, bindingsOfStatement } from './bindings';
import { extractDocstringHeaders } from './docstringHeaders';
import { evaluateConcatenation } from './literals';
import type { MappedString } from './mappedString';
import type { Source } from './pyValues';
import { childrenOf, stringPieces, unparenthesize } from './syntax';
import type { DocstringHeaders } from '../revisionHeader';

/** The module-level facts of a revision file, before its functions are looked into. */
export interface ModuleFacts {
  revision?: RevisionAssignment;
  downRevision?: RevisionAssignment;
  branchLabels?: RevisionAssignment;
  dependsOn?: RevisionAssignment;
  docstring?: string;
  docstringRange?: Range;
  headers: DocstringHeaders;
  opNames: Set<string>;
  /** Module-level bindings of each name, in source order. */
  bindings: Map<string, Binding[]>;
  /** Module-level function definitions (decorated or not), in source order. */
  functionNodes: SyntaxNode[];
}

const REVISION_VARIABLES = {
  revision: 'revision',
  down_revision: 'downRevision',
  branch_labels: 'branchLabels',
  depends_on: 'dependsOn',
} as const;

/**
 * Reads the top-level statements only: Alembic reads these four variables off the module
 * object, so only module-level bindings count, and the last one wins as it does in Python.
 * Bindings inside `if`/`try` blocks at module level are not followed.
 */
export function readModule(src: Source, tree: Tree): ModuleFacts {
  const facts: ModuleFacts = { headers: {}, opNames: new Set(['op']), bindings: new Map(), functionNodes: [] };
  const top = tree.topNode;
  let first = true;
  for (const stmt of simpleStatements(top)) {
    if (stmt.name === 'Comment' || stmt.type.isError) continue;
    if (first) {
      first = false;
      readDocstring(src, stmt, facts);
    }
    switch (stmt.name) {
      case 'AssignStatement':
        readAssignment(src, stmt, facts);
        break;
      case 'UpdateStatement':
        bindingsOfStatement(src.text, stmt, (name, b) => addBinding(facts.bindings, name, b));
        break;
      case 'FunctionDefinition':
        facts.functionNodes.push(stmt);
        break;
      case 'DecoratedStatement': {
        const inner = stmt.lastChild;
        if (inner && inner.name === 'FunctionDefinition') facts.functionNodes.push(inner);
        break;
      }
      case 'ImportStatement':
        readOpImport(src.text, stmt, facts.opNames);
        break;
      default:
        break;
    }
  }
  return facts;
}

/**
 * The module's statements in order, with `a = 1; b = 2` (a StatementGroup to lezer) split into
 * its statements, since Python runs each of them.
 */
function* simpleStatements(top: SyntaxNode): Generator<SyntaxNode> {
  for (let stmt = top.firstChild; stmt; stmt = stmt.nextSibling) {
    if (stmt.name !== 'StatementGroup') {
      yield stmt;
      continue;
    }
    for (let inner = stmt.firstChild; inner; inner = inner.nextSibling) if (inner.name !== ';') yield inner;
  }
}

function addBinding(bindings: Map<string, Binding[]>, name: string, binding: Binding): void {
  const list = bindings.get(name);
  if (list) list.push(binding);
  else bindings.set(name, [binding]);
}

function readAssignment(src: Source, stmt: SyntaxNode, facts: ModuleFacts): void {
  bindingsOfStatement(src.text, stmt, (name, b) => addBinding(facts.bindings, name, b));
  const a = splitAssignment(src.text, stmt);
  if (!a) return;
  // `revision = down_revision = "x"` binds one value to each name: it is read once, however
  // many names the chain repeats (a chain of thousands of `revision =` took 17 s when each
  // name read the value again).
  let value: RevisionAssignment | undefined;
  for (const name of a.names) {
    if (Object.hasOwn(REVISION_VARIABLES, name)) {
      const key = REVISION_VARIABLES[name as keyof typeof REVISION_VARIABLES];
      facts[key] = value ??= revisionAssignment(src, a);
    }
  }
}

/**
 * The module docstring: the first statement, when it is a plain str literal (implicit
 * concatenation and parentheses allowed; f-strings and bytes are not docstrings to Python).
 */
function readDocstring(src: Source, stmt: SyntaxNode, facts: ModuleFacts): void {
  if (stmt.name !== 'ExpressionStatement') return;
  const parts = childrenOf(stmt);
  if (parts.length !== 1) return;
  const expr = unparenthesize(parts[0]);
  if (expr.name !== 'String' && expr.name !== 'ContinuedString') return;
  const r = evaluateConcatenation(src.text, stringPieces(expr));
  if (!r || r.isBytes || r.isFString) return;
  facts.docstring = r.value.value;
  facts.docstringRange = src.lines.rangeOf(expr.from, expr.to);
  facts.headers = extractDocstringHeaders(r.value.value, (from, to) => valueRange(src, r.value, from, to));
}

function valueRange(src: Source, value: MappedString, from: number, to: number): Range {
  const start = src.lines.positionAt(value.sourceAt(from));
  const end = to === from ? start : src.lines.positionAt(value.sourceEndAt(to));
  return { start, end };
}

/** `from alembic import op as migration_op` makes `migration_op` the name to look for. */
function readOpImport(text: string, stmt: SyntaxNode, opNames: Set<string>): void {
  const children = childrenOf(stmt);
  if (children[0]?.name !== 'from') return;
  const module = children[1];
  if (!module || text.slice(module.from, module.to) !== 'alembic') return;
  for (let i = 0; i < children.length; i++) {
    if (children[i].name !== 'VariableName' || text.slice(children[i].from, children[i].to) !== 'op') continue;
    const alias = children[i + 1]?.name === 'as' ? children[i + 2] : undefined;
    if (alias && alias.name === 'VariableName' && i > 1) opNames.add(text.slice(alias.from, alias.to));
  }
}
