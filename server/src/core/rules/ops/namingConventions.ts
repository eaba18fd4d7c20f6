import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SyntaxNode } from '@lezer/common';
import type { AlembicEnvironment } from '../../config';
import { evaluateConcatenation } from '../../parse';
import { argumentGroups, childrenOf, parsePython, stringPieces, unparenthesize } from '../../parse/syntax';
import { decodePythonSource } from '../../scan/decode';
import type { Change } from './changes';

/**
 * The constraint naming convention Alembic applies to `op.*` calls: `target_metadata`'s
 * `MetaData(naming_convention=...)`. When an upgrade creates constraint `N` on table `T` and
 * the convention for its kind uses `%(constraint_name)s`, the database name is the rendered
 * one, and a downgrade dropping that rendered name drops the constraint.
 *
 * The convention is read when it is literal: in the revision file, in env.py, or in a project
 * module env.py imports (and the modules those import, one level further). When none is found,
 * the forms SQLAlchemy's documentation recommends are assumed (`documented`), under which
 * `ck_<table>_<name>` is a check constraint's name; SQLAlchemy's own default only names indexes.
 */
export interface NamingConventions {
  /** `ix`, `uq`, `ck`, `fk`, `pk` to the template. */
  templates: Readonly<Record<string, string>>;
  /** No literal convention was found: SQLAlchemy's documented forms are assumed. */
  documented: boolean;
}

/** The convention SQLAlchemy's documentation ("Configuring Constraint Naming Conventions") recommends. */
export const DOCUMENTED: NamingConventions = {
  templates: {
    ix: 'ix_%(column_0_label)s',
    uq: 'uq_%(table_name)s_%(column_0_name)s',
    ck: 'ck_%(table_name)s_%(constraint_name)s',
    fk: 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s',
    pk: 'pk_%(table_name)s',
  },
  documented: true,
};

const KIND_KEYS: Record<string, string> = { check: 'ck', unique: 'uq', foreignkey: 'fk', primary: 'pk', '': 'ck' };

/**
 * The names the database may know change `c` by: the name as given, and the convention's
 * rendering when its template uses `%(constraint_name)s` (SQLAlchemy applies a convention to
 * an explicitly named constraint only then).
 */
export function conventionalNames(c: Change, conventions: NamingConventions | undefined): string[] {
  const names = [c.name];
  const template = (conventions ?? DOCUMENTED).templates[c.kind === 'index' ? 'ix' : (KIND_KEYS[c.constraintType ?? ''] ?? 'ck')];
  if (template === undefined || !template.includes('%(constraint_name)s')) return names;
  const rendered = render(template, c);
  if (rendered !== undefined && rendered !== c.name) names.push(rendered);
  return names;
}

/** Python's `template % tokens` for the tokens SQLAlchemy offers; undefined when one is unknown here. */
function render(template: string, c: Change): string | undefined {
  const columns = c.columns ?? [];
  let unknown = false;
  const out = template.replace(/%\(([a-z0-9_]+)\)s/g, (_, token: string) => {
    const value = tokenValue(token, c, columns);
    if (value === undefined) unknown = true;
    return value ?? '';
  });
  return unknown ? undefined : out;
}

function tokenValue(token: string, c: Change, columns: readonly string[]): string | undefined {
  switch (token) {
    case 'table_name':
      return c.table;
    case 'constraint_name':
      return c.name;
    case 'referred_table_name':
      return c.referent;
    case 'column_0_name':
    case 'column_0_key':
      return columns[0];
    case 'column_0_label':
      return c.table !== undefined && columns[0] !== undefined ? `${c.table}_${columns[0]}` : undefined;
    case 'column_0N_name':
    case 'column_0N_key':
      return columns.length > 0 ? columns.join('') : undefined;
    case 'column_0_N_name':
    case 'column_0_N_key':
      return columns.length > 0 ? columns.join('_') : undefined;
    default:
      return undefined;
  }
}

const byEnvironment = new WeakMap<AlembicEnvironment, NamingConventions>();
const byFileText = new Map<string, NamingConventions | undefined>();

/**
 * The convention for revision files of `env`, or of one file that declares its own (a literal
 * `naming_convention=` in the revision wins). Read once per environment object; the language
 * server makes a new one when env.py changes.
 */
export function namingConventionsFor(env: AlembicEnvironment, revisionText?: string): NamingConventions {
  if (revisionText !== undefined && revisionText.includes('naming_convention')) {
    if (!byFileText.has(revisionText)) {
      if (byFileText.size > 64) byFileText.clear();
      byFileText.set(revisionText, literalConvention(revisionText));
    }
    const own = byFileText.get(revisionText);
    if (own) return own;
  }
  let found = byEnvironment.get(env);
  if (!found) {
    found = environmentConvention(env) ?? DOCUMENTED;
    byEnvironment.set(env, found);
  }
  return found;
}

const MAX_MODULES = 24;

function environmentConvention(env: AlembicEnvironment): NamingConventions | undefined {
  if (env.scriptLocation === undefined) return undefined;
  const envPy = path.join(env.scriptLocation, 'env.py');
  const roots = [env.here, ...env.prependSysPath, env.scriptLocation, path.dirname(env.scriptLocation), path.dirname(path.dirname(env.scriptLocation))];
  const seen = new Set<string>();
  let frontier = [envPy];
  for (let depth = 0; depth < 3 && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const file of frontier) {
      if (seen.has(file) || seen.size >= MAX_MODULES) continue;
      seen.add(file);
      const text = readText(file);
      if (text === undefined) continue;
      const convention = text.includes('naming_convention') ? literalConvention(text) : undefined;
      if (convention) return convention;
      for (const module of importedModules(text)) next.push(...moduleFiles(module, roots));
    }
    frontier = next;
  }
  return undefined;
}

function readText(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return undefined;
    return decodePythonSource(readFileSync(file)).text;
  } catch {
    return undefined;
  }
}

/** `a.b` for `import a.b` and `from a.b import c`, and `a.b.c` too (c may be a module). */
function importedModules(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^[ \t]*from[ \t]+([A-Za-z_][\w.]*)[ \t]+import[ \t]+\(?([^\n)]*)/gm)) {
    out.push(m[1]!);
    for (const name of m[2]!.split(',')) {
      const n = name.trim().split(/\s+as\s+/)[0]!.trim();
      if (/^[A-Za-z_]\w*$/.test(n)) out.push(`${m[1]}.${n}`);
    }
  }
  for (const m of text.matchAll(/^[ \t]*import[ \t]+([A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*)/gm)) {
    for (const n of m[1]!.split(',')) out.push(n.trim());
  }
  return out.filter((m) => !/^(alembic|sqlalchemy|os|sys|logging|typing)(\.|$)/.test(m));
}

function moduleFiles(module: string, roots: readonly string[]): string[] {
  const rel = module.split('.').join(path.sep);
  return roots.flatMap((r) => [path.join(r, `${rel}.py`), path.join(r, rel, '__init__.py')]);
}

/**
 * The first `naming_convention=` keyword argument whose value is a dict literal, or a name
 * bound at module level to one.
 */
function literalConvention(text: string): NamingConventions | undefined {
  const tree = parsePython(text);
  const dicts = new Map<string, SyntaxNode>();
  for (let stmt = tree.topNode.firstChild; stmt; stmt = stmt.nextSibling) {
    if (stmt.name !== 'AssignStatement') continue;
    const parts = childrenOf(stmt);
    const value = parts[parts.length - 1];
    if (parts[0]?.name === 'VariableName' && value && unparenthesize(value).name === 'DictionaryExpression') dicts.set(text.slice(parts[0].from, parts[0].to), unparenthesize(value));
  }
  let found: NamingConventions | undefined;
  tree.iterate({
    enter: (ref) => {
      if (found) return false;
      if (ref.name !== 'ArgList') return true;
      for (const g of argumentGroups(ref.node)) {
        if (g.length !== 3 || g[1]!.name !== 'AssignOp' || text.slice(g[0]!.from, g[0]!.to) !== 'naming_convention') continue;
        const value = unparenthesize(g[2]!);
        const dict = value.name === 'DictionaryExpression' ? value : value.name === 'VariableName' ? dicts.get(text.slice(value.from, value.to)) : undefined;
        const templates = dict && dictOfStrings(text, dict);
        if (templates && Object.keys(templates).length > 0) found = { templates, documented: false };
      }
      return true;
    },
  });
  return found;
}

function dictOfStrings(text: string, dict: SyntaxNode): Record<string, string> | undefined {
  const items = childrenOf(dict).filter((c) => c.name !== '{' && c.name !== '}' && c.name !== ',' && c.name !== ':');
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < items.length; i += 2) {
    const key = stringValue(text, items[i]!);
    const value = stringValue(text, items[i + 1]!);
    if (key !== undefined && value !== undefined && Object.hasOwn(KEY_NAMES, key)) out[key] = value;
  }
  return out;
}

const KEY_NAMES: Record<string, true> = { ix: true, uq: true, ck: true, fk: true, pk: true };

function stringValue(text: string, node: SyntaxNode): string | undefined {
  const n = unparenthesize(node);
  if (n.name !== 'String' && n.name !== 'ContinuedString') return undefined;
  const r = evaluateConcatenation(text, stringPieces(n));
  return r && !r.isBytes && !r.isFString ? r.value.value : undefined;
}
