import type { SyntaxNode } from '@lezer/common';
import { parsePython, argumentGroups, callParts, dottedName, memberParts, unparenthesize } from '../parse/syntax';
import { literalValue, stringLiteralValue, type Source } from '../parse/pyValues';
import { LineIndex } from '../parse/positions';

/**
 * What an environment's env.py visibly does, read statically (it is never executed): which
 * environment variables it reads, whether it reads `sqlalchemy.url`, and the version table and
 * transactional DDL literals it hands to `context.configure(...)`. The extension uses it to
 * decide whether a URL it passes as DATABASE_URL reaches Alembic, and which table holds the
 * database's revisions.
 */

/** What env.py visibly does, read statically (never executed); every value is a literal or absent. */
export interface EnvPyFacts {
  /** Absolute path of the environment's env.py. */
  file: string;
  exists: boolean;
  /**
   * Names of environment variables env.py reads as literals through `os.environ[...]`,
   * `os.environ.get(...)`, `os.getenv(...)` (also after `from os import environ, getenv`).
   */
  environmentVariables: string[];
  /** `DATABASE_URL` is among `environmentVariables`: a URL we pass in DATABASE_URL reaches Alembic. */
  readsDatabaseUrl: boolean;
  /** It calls `config.get_main_option("sqlalchemy.url")`. */
  readsConfigUrl: boolean;
  /** `version_table=` literal of `context.configure(...)`, when every call that sets it agrees. */
  versionTable?: string;
  /** `version_table_schema=` literal of `context.configure(...)`. */
  versionTableSchema?: string;
  /** `transactional_ddl=` literal of `context.configure(...)`. */
  transactionalDdl?: boolean;
  /** Keywords of `context.configure` among the three above that are set to something not literal. */
  unresolved: string[];
  /** Why env.py could not be read or parsed fully, in plain words. */
  problems: string[];
}

const CONFIGURE_KEYS = ['version_table', 'version_table_schema', 'transactional_ddl'] as const;
type ConfigureKey = (typeof CONFIGURE_KEYS)[number];

/** Reads env.py's text (undefined when the file does not exist). */
export function readEnvPy(file: string, text: string | undefined): EnvPyFacts {
  const facts: EnvPyFacts = { file, exists: text !== undefined, environmentVariables: [], readsDatabaseUrl: false, readsConfigUrl: false, unresolved: [], problems: [] };
  if (text === undefined) {
    facts.problems.push(`${file} does not exist`);
    return facts;
  }
  const tree = parsePython(text);
  const src: Source = { text, lines: new LineIndex(text) };
  const names = { os: new Set<string>(), environ: new Set<string>(), getenv: new Set<string>(), context: new Set<string>(['context']) };
  let hasErrors = false;
  const imports: SyntaxNode[] = [];
  const calls: SyntaxNode[] = [];
  const subscripts: SyntaxNode[] = [];
  tree.iterate({
    enter(ref) {
      if (ref.type.isError) hasErrors = true;
      else if (ref.name === 'ImportStatement') imports.push(ref.node);
      else if (ref.name === 'CallExpression') calls.push(ref.node);
      else if (ref.name === 'MemberExpression' && ref.node.getChild('[')) subscripts.push(ref.node);
    },
  });
  for (const statement of imports) readImport(text, statement, names);

  const variables = new Set<string>();
  const isEnviron = (node: SyntaxNode): boolean => {
    const n = unparenthesize(node);
    if (n.name === 'VariableName') return names.environ.has(text.slice(n.from, n.to));
    const member = memberParts(text, n);
    if (!member || member.property !== 'environ') return false;
    const base = dottedName(text, member.object);
    return base !== undefined && names.os.has(base);
  };
  const configured = new Map<ConfigureKey, { values: Set<string>; unresolved: boolean }>();
  const note = (key: ConfigureKey, value: string | undefined): void => {
    const entry = configured.get(key) ?? { values: new Set<string>(), unresolved: false };
    if (value === undefined) entry.unresolved = true;
    else entry.values.add(value);
    configured.set(key, entry);
  };

  for (const node of subscripts) {
    const object = node.firstChild;
    const key = node.getChild('[')?.nextSibling;
    if (!object || !key || !isEnviron(object)) continue;
    const name = stringLiteralValue(src, key);
    if (name !== undefined) variables.add(name);
  }
  for (const node of calls) {
    const parts = callParts(node);
    if (!parts) continue;
    const callee = unparenthesize(parts.callee);
    const first = parts.args ? argumentGroups(parts.args).find((g) => g.length === 1) : undefined;
    const firstString = first ? stringLiteralValue(src, first[0]!) : undefined;
    const member = memberParts(text, callee);
    const dotted = dottedName(text, callee);
    if (member && (member.property === 'get' || member.property === 'setdefault' || member.property === 'pop') && isEnviron(member.object)) {
      if (firstString !== undefined) variables.add(firstString);
    } else if (
      (callee.name === 'VariableName' && names.getenv.has(text.slice(callee.from, callee.to))) ||
      (member?.property === 'getenv' && names.os.has(dottedName(text, member.object) ?? ''))
    ) {
      if (firstString !== undefined) variables.add(firstString);
    } else if (member?.property === 'get_main_option' && firstString === 'sqlalchemy.url') {
      facts.readsConfigUrl = true;
    } else if (dotted !== undefined && member?.property === 'configure' && names.context.has(dottedName(text, member.object) ?? '')) {
      readConfigure(src, parts.args, note);
    }
  }

  facts.environmentVariables = [...variables].sort();
  facts.readsDatabaseUrl = variables.has('DATABASE_URL');
  for (const key of CONFIGURE_KEYS) {
    const entry = configured.get(key);
    if (!entry) continue;
    const only = entry.values.size === 1 ? [...entry.values][0]! : undefined;
    if (entry.unresolved || only === undefined) {
      facts.unresolved.push(key);
      continue;
    }
    if (key === 'transactional_ddl') facts.transactionalDdl = only === 'True';
    else if (only !== 'None') {
      if (key === 'version_table') facts.versionTable = only;
      else facts.versionTableSchema = only;
    }
  }
  if (hasErrors) facts.problems.push(`${file} has syntax errors, so what it reads may be incomplete`);
  return facts;
}

/** `import os`, `import os as o`, `from os import environ, getenv as g`, `from alembic import context as c`. */
function readImport(text: string, statement: SyntaxNode, names: { os: Set<string>; environ: Set<string>; getenv: Set<string>; context: Set<string> }): void {
  const parts: string[] = [];
  for (let c = statement.firstChild; c; c = c.nextSibling) parts.push(c.name === 'VariableName' ? text.slice(c.from, c.to) : c.name);
  if (parts[0] === 'import') {
    // `import os`, `import os as o` and `import os.path` (which binds `os` too), not `import os.path as p`.
    for (let i = 1; i < parts.length; i++) {
      if (parts[i] !== 'os' || parts[i - 1] === '.' || parts[i - 1] === 'as') continue;
      let end = i + 1;
      while (end < parts.length && parts[end] !== ',') end++;
      const alias = parts.indexOf('as', i);
      if (alias < 0 || alias > end) names.os.add('os');
      else if (alias === i + 1 && parts[i + 2] !== undefined) names.os.add(parts[i + 2]!);
    }
    return;
  }
  if (parts[0] !== 'from') return;
  const importAt = parts.indexOf('import');
  const module = parts.slice(1, importAt).join('');
  const into =
    module === 'os'
      ? new Map([
          ['environ', names.environ],
          ['getenv', names.getenv],
        ])
      : module === 'alembic'
        ? new Map([['context', names.context]])
        : undefined;
  if (!into) return;
  for (let i = importAt + 1; i < parts.length; i++) {
    const name = parts[i]!;
    const target = into.get(name);
    if (!target) continue;
    target.add(parts[i + 1] === 'as' && parts[i + 2] !== undefined ? parts[i + 2]! : name);
  }
}

/** Notes the literal (or unknown) value of each keyword we care about in one `context.configure(...)`. */
function readConfigure(src: Source, args: SyntaxNode | null, note: (key: ConfigureKey, value: string | undefined) => void): void {
  if (!args) return;
  for (const group of argumentGroups(args)) {
    if (group[0]?.name === '**') {
      for (const key of CONFIGURE_KEYS) note(key, undefined);
      continue;
    }
    if (group.length !== 3 || group[1]!.name !== 'AssignOp') continue;
    const key = src.text.slice(group[0]!.from, group[0]!.to);
    if (!(CONFIGURE_KEYS as readonly string[]).includes(key)) continue;
    const value = literalValue(src, group[2]!);
    if (typeof value === 'string') note(key as ConfigureKey, value);
    else if (value === null) note(key as ConfigureKey, 'None');
    else if (typeof value === 'boolean') note(key as ConfigureKey, value ? 'True' : 'False');
    else note(key as ConfigureKey, undefined);
  }
}
