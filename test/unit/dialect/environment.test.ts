import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AlembicEnvironment } from '../../../server/src/core/config';
import { dialectOfUrl, environmentDialect } from '../../../server/src/core/dialect';
import { loadLintConfig } from '../../../server/src/core/rules/config';
import { editorLintSettings } from '../../../server/src/lsp/settings';
import { tempDir } from '../../helpers/tempDir';

function project(files: Record<string, string>, url?: string): AlembicEnvironment {
  const here = tempDir('alembic-pilot-dialect-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(here, name)), { recursive: true });
    writeFileSync(path.join(here, name), text);
  }
  const env: AlembicEnvironment = {
    configFile: path.join(here, 'alembic.ini'),
    section: 'alembic',
    here,
    scriptLocation: path.join(here, 'migrations'),
    versionLocations: [],
    recursiveVersionLocations: false,
    fileTemplate: '',
    truncateSlugLength: 40,
    prependSysPath: [],
    problems: [],
  };
  if (url !== undefined) env.sqlalchemyUrl = url;
  return env;
}

describe('the dialect of a URL', () => {
  it.each([
    ['postgresql://u:p@h/db', 'postgresql'],
    ['postgresql+psycopg://h/db', 'postgresql'],
    ['postgres://h/db', 'postgresql'],
    ['mysql+pymysql://h/db', 'mysql'],
    ['mariadb://h/db', 'mariadb'],
    ['sqlite:///db.sqlite', 'sqlite'],
    ['oracle+oracledb://h', 'oracle'],
    ['mssql+pyodbc://h', 'mssql'],
    ['driver://user:pass@localhost/dbname', undefined],
    ['', undefined],
  ])('%s', (url, expected) => {
    expect(dialectOfUrl(url)).toBe(expected);
  });
});

describe('the dialect of an environment', () => {
  it('is PostgreSQL with transactional DDL by default', () => {
    expect(environmentDialect(project({}))).toEqual({ name: 'postgresql', source: 'default', transactionalDdl: true });
  });

  it('follows a literal URL, and MySQL has no transactional DDL', () => {
    expect(environmentDialect(project({}, 'mysql://h/db'))).toEqual({ name: 'mysql', source: 'url', transactionalDdl: false });
  });

  it('takes the setting over the URL (develop on SQLite, run PostgreSQL)', () => {
    expect(environmentDialect(project({}, 'sqlite:///dev.db'), 'postgresql')).toEqual({ name: 'postgresql', source: 'setting', transactionalDdl: true });
  });

  it('reads a literal transactional_ddl=False in env.py', () => {
    const env = project({ 'migrations/env.py': 'from alembic import context\n\ndef run():\n    context.configure(\n        connection=c,\n        transactional_ddl=False,\n    )\n' }, 'postgresql://h/db');
    expect(environmentDialect(env)).toEqual({ name: 'postgresql', source: 'url', transactionalDdl: false, transactionalDdlFrom: { file: path.join(env.scriptLocation!, 'env.py'), line: 6 } });
  });

  it('ignores a transactional_ddl that is not a literal', () => {
    const env = project({ 'migrations/env.py': 'context.configure(transactional_ddl=settings.TX)\n' });
    expect(environmentDialect(env).transactionalDdl).toBe(true);
  });
});

describe('dialect, idempotency and downgrades settings', () => {
  it('are read from [tool.alembic-pilot], and the editor wins', () => {
    const env = project({ 'pyproject.toml': '[tool.alembic-pilot]\ndialect = "postgresql"\nidempotency = "everywhere"\ndowngrades = "optional"\n' }, 'sqlite:///dev.db');
    const fromFile = loadLintConfig(env);
    expect(fromFile.problems).toEqual([]);
    expect(fromFile.targets).toMatchObject({ idempotency: 'everywhere', downgrades: 'optional', dialect: { name: 'postgresql', source: 'setting' } });
    const editor = editorLintSettings({ dialect: 'sqlite', idempotency: 'off', downgrades: 'required' }, env.configFile, []);
    expect(loadLintConfig(env, editor).targets).toMatchObject({ idempotency: 'off', downgrades: 'required', dialect: { name: 'sqlite', source: 'setting' } });
  });

  it('report bad values with their line and fall back', () => {
    const env = project({ 'pyproject.toml': '[tool.alembic-pilot]\ndialect = "db2"\nidempotency = "always"\ndowngrades = true\n' }, 'mysql://h/db');
    const config = loadLintConfig(env);
    expect(config.problems.map((p) => [p.line, p.message.replace(/^.*\] /, '')])).toEqual([
      [2, 'dialect: "db2" is not a dialect; expected one of postgresql, mysql, mariadb, sqlite, oracle, mssql. The dialect of sqlalchemy.url is used.'],
      [3, 'idempotency: "always" must be one of "auto", "everywhere", "off"; "auto" is used.'],
      [4, 'downgrades: true must be "required" or "optional"; the policy is detected from the history.'],
    ]);
    expect(config.targets.dialect?.name).toBe('mysql');
    expect(config.targets.idempotency).toBeUndefined();
  });
});
