import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AlembicEnvironment } from '../config';
import { parsePython } from '../parse/syntax';
import { argumentGroups, callParts, dottedName } from '../parse/syntax';
import { decodePythonSource } from '../scan/decode';
import { canonicalDialect, hasTransactionalDdl } from './condition';

/**
 * The database an environment's migrations run on, as far as it can be known without running
 * env.py: the `dialect` setting when given (a team that develops on SQLite but deploys on
 * PostgreSQL says so there), else the scheme of a literal `sqlalchemy.url`, else PostgreSQL,
 * the database this tool is for.
 */
export interface EnvironmentDialect {
  /** SQLAlchemy's dialect name: `postgresql`, `mysql`, `mariadb`, `sqlite`, `oracle`, `mssql`. */
  name: string;
  /** Where the name came from. */
  source: 'setting' | 'url' | 'default';
  /**
   * Whether a migration that fails rolls its DDL back: the dialect's own (Alembic's
   * `transactional_ddl` of its implementation), unless env.py passes a literal
   * `transactional_ddl=` to `context.configure(...)`.
   */
  transactionalDdl: boolean;
  /** Set when env.py decided `transactionalDdl`: the file and the 1-based line of the keyword. */
  transactionalDdlFrom?: { file: string; line: number };
}

/** PostgreSQL with transactional DDL: what rules assume when nothing else is known. */
export const DEFAULT_DIALECT: EnvironmentDialect = { name: 'postgresql', source: 'default', transactionalDdl: true };

/**
 * The dialect of an environment. `setting` is the merged `dialect` setting (already
 * validated); env.py is read from the script location, so call this when the configuration is
 * loaded, not per file.
 */
export function environmentDialect(env: AlembicEnvironment, setting?: string): EnvironmentDialect {
  const fromSetting = setting === undefined ? undefined : canonicalDialect(setting);
  const fromUrl = env.sqlalchemyUrl === undefined ? undefined : dialectOfUrl(env.sqlalchemyUrl);
  const name = fromSetting ?? fromUrl ?? 'postgresql';
  const source = fromSetting ? 'setting' : fromUrl ? 'url' : 'default';
  const configured = env.scriptLocation === undefined ? undefined : configuredTransactionalDdl(path.join(env.scriptLocation, 'env.py'));
  if (configured) return { name, source, transactionalDdl: configured.value, transactionalDdlFrom: { file: configured.file, line: configured.line } };
  return { name, source, transactionalDdl: hasTransactionalDdl(name) };
}

/**
 * The dialect a database URL names (`postgresql+psycopg://...` is `postgresql`), or undefined
 * when it names none that SQLAlchemy ships, as Alembic's sample `driver://user:pass@...` does.
 */
export function dialectOfUrl(url: string): string | undefined {
  const m = /^\s*([A-Za-z][A-Za-z0-9_]*)(?:\+[^:/]*)?:\/\//.exec(url);
  return m ? canonicalDialect(m[1]!) : undefined;
}

/**
 * A literal `transactional_ddl=True|False` passed to `context.configure(...)` in env.py. When
 * the offline and online paths disagree, False wins: a re-run is possible on one of them.
 */
export function configuredTransactionalDdl(envPy: string): { value: boolean; file: string; line: number } | undefined {
  let text: string;
  try {
    text = decodePythonSource(readFileSync(envPy)).text;
  } catch {
    return undefined;
  }
  if (!text.includes('transactional_ddl')) return undefined;
  const tree = parsePython(text);
  let found: { value: boolean; file: string; line: number } | undefined;
  tree.iterate({
    enter: (ref) => {
      if (ref.name !== 'CallExpression') return true;
      const parts = callParts(ref.node);
      const callee = parts && dottedName(text, parts.callee);
      if (!parts?.args || !callee || !/(^|\.)configure$/.test(callee)) return true;
      for (const g of argumentGroups(parts.args)) {
        if (g.length !== 3 || g[1]!.name !== 'AssignOp' || text.slice(g[0]!.from, g[0]!.to) !== 'transactional_ddl') continue;
        const value = text.slice(g[2]!.from, g[2]!.to);
        if (value !== 'True' && value !== 'False') continue;
        if (found && found.value === false) continue;
        found = { value: value === 'True', file: envPy, line: lineOf(text, g[0]!.from) };
      }
      return true;
    },
  });
  return found;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
