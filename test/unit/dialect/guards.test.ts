import { describe, expect, it } from 'vitest';
import { dialectAt, type EnvironmentDialect } from '../../../server/src/core/dialect';
import { parseRevisionFile } from '../../../server/src/core/parse';
import type { MigrationFunction } from '../../../server/src/core/parse/types';

/**
 * Dialect guards, data-driven: each source marks the code to ask about with `HERE` (an
 * op.execute call), and the expected dialect of that code in a PostgreSQL environment.
 */

const PG: EnvironmentDialect = { name: 'postgresql', source: 'default', transactionalDdl: true };
const SQLITE: EnvironmentDialect = { name: 'sqlite', source: 'url', transactionalDdl: false };

function dialectOfHere(source: string, env: EnvironmentDialect = PG): ReturnType<typeof dialectAt> {
  const file = parseRevisionFile('/x.py', source);
  const fn = file.functions.find((f) => f.name === 'upgrade') as MigrationFunction;
  const call = fn.sql.find((s) => s.text === 'HERE');
  if (!call) throw new Error('no HERE in the source');
  return dialectAt(fn, call.callRange.start, env);
}

const body = (lines: string): string => `from alembic import op\n\ndef upgrade():\n${lines.replace(/^/gm, '    ')}\n`;

describe('dialect of a code location', () => {
  it.each([
    ['no guard', 'op.execute("HERE")', 'postgresql', false],
    ['== on get_bind().dialect.name', 'if op.get_bind().dialect.name == "mysql":\n    op.execute("HERE")', 'mysql', true],
    ['== on context.get_context()', 'if context.get_context().dialect.name == "sqlite":\n    op.execute("HERE")', 'sqlite', true],
    ['bind.engine.name', 'bind = op.get_bind()\nif bind.engine.name == "mysql":\n    op.execute("HERE")', 'mysql', true],
    ['reversed operands', 'if "mysql" == op.get_bind().dialect.name:\n    op.execute("HERE")', 'mysql', true],
    ['!= branch', 'if op.get_bind().dialect.name != "postgresql":\n    op.execute("HERE")', undefined, true],
    ['else of ==', 'if op.get_bind().dialect.name == "mysql":\n    pass\nelse:\n    op.execute("HERE")', 'postgresql', true],
    ['else of !=', 'if op.get_bind().dialect.name != "mysql":\n    pass\nelse:\n    op.execute("HERE")', 'mysql', true],
    ['elif', 'name = op.get_bind().dialect.name\nif name == "mysql":\n    pass\nelif name == "sqlite":\n    op.execute("HERE")', 'sqlite', true],
    ['in tuple', 'if op.get_bind().dialect.name in ("mysql", "mariadb"):\n    op.execute("HERE")', undefined, true],
    ['not in', 'if op.get_bind().dialect.name not in ("mysql", "sqlite"):\n    op.execute("HERE")', 'postgresql', true],
    ['isinstance', 'if isinstance(op.get_bind().dialect, MySQLDialect):\n    op.execute("HERE")', 'mysql', true],
    ['isinstance tuple', 'if isinstance(bind.dialect, (mysql.dialect, PGDialect)):\n    pass\nelse:\n    op.execute("HERE")', undefined, true],
    ['startswith', 'if not connection.engine.name.startswith("mysql"):\n    pass\nelse:\n    op.execute("HERE")', 'mysql', true],
    ['bind and ==', 'bind = op.get_bind()\nif bind and bind.engine.name == "mysql":\n    op.execute("HERE")', 'mysql', true],
    ['else of bind and ==', 'bind = op.get_bind()\nif bind and bind.engine.name == "mysql":\n    pass\nelse:\n    op.execute("HERE")', 'postgresql', true],
    ['not a and b (Python binds not first)', 'if not op.get_bind().dialect.name == "mysql" and flag:\n    op.execute("HERE")', 'postgresql', true],
    ['a flag in an and says nothing of the else', 'if flag and op.get_bind().dialect.name == "mysql":\n    pass\nelse:\n    op.execute("HERE")', 'postgresql', false],
    ['or of two', 'd = op.get_bind().dialect.name\nif d == "mysql" or d == "sqlite":\n    pass\nelse:\n    op.execute("HERE")', 'postgresql', true],
    ['local flag', 'is_mysql = op.get_bind().dialect.name == "mysql"\nif is_mysql:\n    op.execute("HERE")', 'mysql', true],
    ['dialect variable', 'dialect = op.get_bind().dialect\nif dialect.name == "sqlite":\n    op.execute("HERE")', 'sqlite', true],
    ['early return', 'if op.get_bind().dialect.name != "mysql":\n    return\nop.execute("HERE")', 'mysql', true],
    ['early return on ==', 'if op.get_bind().dialect.name == "sqlite":\n    return\nop.execute("HERE")', 'postgresql', true],
    ['raise exits too', 'if op.get_bind().dialect.name != "mysql":\n    raise RuntimeError()\nop.execute("HERE")', 'mysql', true],
    ['no early return when the branch falls through', 'if op.get_bind().dialect.name != "mysql":\n    log()\nop.execute("HERE")', 'postgresql', false],
    ['nested guards', 'if op.get_bind().dialect.name != "postgresql":\n    if flag:\n        op.execute("HERE")', undefined, true],
    ['inside a loop under a guard', 'if op.get_bind().dialect.name == "mysql":\n    for t in tables:\n        op.execute("HERE")', 'mysql', true],
    ['an unrelated name test', 'if column.name == "mysql":\n    op.execute("HERE")', 'postgresql', false],
  ])('%s', (_, code, name, guarded) => {
    const d = dialectOfHere(body(code));
    expect({ name: d.name, guarded: d.guarded }).toEqual({ name, guarded });
  });

  it('follows a module-level helper that returns the test', () => {
    const src = `from alembic import op\n\ndef is_postgres():\n    return op.get_context().dialect.name == "postgresql"\n\ndef upgrade():\n    if is_postgres():\n        op.execute("HERE")\n`;
    expect(dialectOfHere(src, SQLITE)).toEqual({ name: 'postgresql', guarded: true, transactionalDdl: true });
  });

  it('follows a module-level helper that returns the name', () => {
    const src = `from alembic import op\n\ndef dialect_name():\n    return op.get_context().dialect.name\n\ndef upgrade():\n    if dialect_name() == "postgresql":\n        pass\n    else:\n        op.execute("HERE")\n`;
    expect(dialectOfHere(src).name).toBe(undefined);
  });

  it('takes transactional DDL from the guarded dialect, unless env.py set it', () => {
    const src = body('if op.get_bind().dialect.name == "mysql":\n    op.execute("HERE")');
    expect(dialectOfHere(src).transactionalDdl).toBe(false);
    const forced: EnvironmentDialect = { ...PG, transactionalDdl: true, transactionalDdlFrom: { file: '/env.py', line: 3 } };
    expect(dialectOfHere(src, forced).transactionalDdl).toBe(true);
  });
});
