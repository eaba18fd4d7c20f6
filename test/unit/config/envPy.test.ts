import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEnvPy, type EnvPyFacts } from '../../../server/src/core/config/envPy';

const read = (text: string): EnvPyFacts => readEnvPy('/p/env.py', text);

describe('what env.py visibly does', () => {
  it('reads the sample: DATABASE_URL through os.environ.get, sqlalchemy.url as a fallback', () => {
    const file = path.resolve(__dirname, '../../../migrations-sample/alembic/env.py');
    const facts = readEnvPy(file, readFileSync(file, 'utf8'));
    expect(facts).toMatchObject({ exists: true, readsDatabaseUrl: true, readsConfigUrl: true, environmentVariables: ['DATABASE_URL'], unresolved: [], problems: [] });
    expect(facts.versionTable).toBeUndefined();
  });

  it.each([
    ['os.environ[...]', 'import os\nurl = os.environ["DATABASE_URL"]\n'],
    ['os.getenv', 'import os\nurl = os.getenv("DATABASE_URL", "sqlite://")\n'],
    ['os.environ.setdefault', 'import os\nos.environ.setdefault("DATABASE_URL", "x")\n'],
    ['from os import environ', 'from os import environ\nurl = environ.get("DATABASE_URL")\n'],
    ['from os import getenv as ge', 'from os import getenv as ge\nurl = ge("DATABASE_URL")\n'],
    ['import os as o', 'import os as o\nurl = o.environ.get("DATABASE_URL")\n'],
    ['import os.path', 'import os.path\ndef f():\n    return os.environ["DATABASE_URL"]\n'],
    ['inside a function, parenthesised', 'import os\ndef url():\n    return (os.environ).get(("DATABASE_URL"))\n'],
  ])('finds DATABASE_URL read through %s', (_, text) => {
    expect(read(text).readsDatabaseUrl).toBe(true);
  });

  it.each([
    ['another variable', 'import os\nurl = os.environ["APP_DB"]\n', ['APP_DB']],
    ['a name that is not os', 'import settings as os\nurl = os.environ["DATABASE_URL"]\n', []],
    ['a non-literal key', 'import os\nKEY = "DATABASE_URL"\nurl = os.environ[KEY]\n', []],
    ['a comment or string', 'import os\n# os.environ["DATABASE_URL"]\nx = \'os.getenv("DATABASE_URL")\'\n', []],
    ['pydantic settings', 'from app.settings import get_settings\nurl = get_settings().database_url\n', []],
  ])('does not take %s for DATABASE_URL', (_, text, variables) => {
    const facts = read(text);
    expect(facts.readsDatabaseUrl).toBe(false);
    expect(facts.environmentVariables).toEqual(variables);
  });

  it('reads version table literals from context.configure, when every call agrees', () => {
    const text = [
      'from alembic import context',
      'def offline():',
      '    context.configure(url=u, version_table="schema_history", version_table_schema="meta", transactional_ddl=False)',
      'def online():',
      '    context.configure(connection=c, version_table="schema_history", version_table_schema="meta")',
    ].join('\n');
    expect(read(text)).toMatchObject({ versionTable: 'schema_history', versionTableSchema: 'meta', transactionalDdl: false, unresolved: [] });
  });

  it('reports keywords it cannot know', () => {
    const text = [
      'from alembic import context as ctx',
      'ctx.configure(version_table=TABLE, version_table_schema="a")',
      'ctx.configure(version_table_schema="b")',
      'ctx.configure(**opts)',
    ].join('\n');
    const facts = read(text);
    expect(facts.versionTable).toBeUndefined();
    expect(facts.versionTableSchema).toBeUndefined();
    expect(facts.unresolved).toEqual(['version_table', 'version_table_schema', 'transactional_ddl']);
  });

  it('treats version_table_schema=None as the default', () => {
    expect(read('context.configure(version_table_schema=None)').versionTableSchema).toBeUndefined();
  });

  it('says when env.py is missing or broken', () => {
    expect(readEnvPy('/p/env.py', undefined)).toMatchObject({ exists: false, problems: ['/p/env.py does not exist'] });
    const broken = read('import os\nurl = os.environ.get("DATABASE_URL"\ndef (:\n');
    expect(broken.problems[0]).toMatch(/syntax errors/);
  });
});
