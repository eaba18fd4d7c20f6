import { describe, expect, it } from 'vitest';
import { alembicArguments, alembicFailure, countSteps, parseCurrentOutput, parseGeneratedFiles, type AlembicOperation } from '../../../server/src/runner/operations';
import { runPermission } from '../../../server/src/runner/permission';
import { configArguments, withPassword } from '../../../server/src/runner/runner';
import type { ResolvedDatabase } from '../../../server/src/db/resolve';

describe('Alembic argument arrays', () => {
  it.each<[AlembicOperation, string[]]>([
    [{ kind: 'upgrade', target: 'heads' }, ['upgrade', 'heads']],
    [{ kind: 'downgrade', target: '-1' }, ['downgrade', '-1']],
    [{ kind: 'downgrade', target: 'ab93e5d7c162@-1' }, ['downgrade', 'ab93e5d7c162@-1']],
    [{ kind: 'upgrade-sql', target: 'heads' }, ['upgrade', '--sql', 'heads']],
    [{ kind: 'upgrade-sql', from: '002', target: '7d40e9b1f3a6' }, ['upgrade', '--sql', '002:7d40e9b1f3a6']],
    [{ kind: 'downgrade-sql', from: 'ab93e5d7c162', target: '002' }, ['downgrade', '--sql', 'ab93e5d7c162:002']],
    [{ kind: 'stamp', revisions: ['001', 'e6a3f8c1b920'], purge: true }, ['stamp', '--purge', '001', 'e6a3f8c1b920']],
    [{ kind: 'current' }, ['current']],
    [
      { kind: 'revision', message: '-m looks like an option', autogenerate: true, revId: '20260110_001', head: 'analytics@head', branchLabel: 'x', versionPath: '/v', dependsOn: ['001'] },
      ['revision', '--message=-m looks like an option', '--autogenerate', '--rev-id=20260110_001', '--head=analytics@head', '--branch-label=x', '--version-path=/v', '--depends-on=001'],
    ],
    [{ kind: 'merge', message: 'merge heads', revisions: ['a1', 'b2'] }, ['merge', '--message=merge heads', 'a1', 'b2']],
  ])('%j', (op, args) => {
    expect(alembicArguments(op)).toEqual(args);
  });

  it.each<AlembicOperation>([
    { kind: 'upgrade', target: '--sql' },
    { kind: 'downgrade', target: '' },
    { kind: 'stamp', revisions: [] },
    { kind: 'merge', message: 'm', revisions: ['one'] },
    { kind: 'upgrade', target: 'a b' },
  ])('refuses %j', (op) => {
    expect(() => alembicArguments(op)).toThrow();
  });

  it('passes the config files and section the model read', () => {
    expect(configArguments({ configFile: '/p/alembic.ini', iniFile: '/p/alembic.ini', pyprojectFile: '/p/pyproject.toml', section: 'tenant' })).toEqual([
      '-c',
      '/p/alembic.ini',
      '-c',
      '/p/pyproject.toml',
      '-n',
      'tenant',
    ]);
    expect(configArguments({ configFile: '/p/pyproject.toml', pyprojectFile: '/p/pyproject.toml', section: 'alembic' })).toEqual(['-c', '/p/pyproject.toml']);
  });

  it('puts a typed password into a URL, encoded', () => {
    expect(withPassword('postgresql://app@h/db', 'p@ss word')).toBe('postgresql://app:p%40ss%20word@h/db');
    expect(withPassword('postgresql://app:old@h/db', 'new')).toBe('postgresql://app:new@h/db');
  });
});

describe('reading what Alembic printed', () => {
  it('takes the ids of `alembic current`, ignoring log lines', () => {
    const out = ['INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.', 'ab93e5d7c162 (head)', 'e6a3f8c1b920 (analytics) (effective head)', ''].join('\n');
    expect(parseCurrentOutput(out)).toEqual(['ab93e5d7c162', 'e6a3f8c1b920']);
    expect(parseCurrentOutput('')).toEqual([]);
  });

  it('finds the generated files', () => {
    expect(parseGeneratedFiles('  Generating /p/versions/2026_01_10_1200-abc_x.py ...  done\n')).toEqual(['/p/versions/2026_01_10_1200-abc_x.py']);
  });

  it('counts migration steps', () => {
    expect(countSteps(['INFO  [alembic.runtime.migration] Running upgrade  -> 001, baseline', 'INFO  [alembic.runtime.migration] Running upgrade 001 -> 002, x', 'other'])).toBe(2);
  });

  it('finds Alembic error messages', () => {
    expect(alembicFailure(['INFO x', "FAILED: Can't locate revision identified by 'zzz'"])).toBe("Can't locate revision identified by 'zzz'");
    const traceback = ['Traceback (most recent call last):', '  File "x.py", line 1', '    raise', 'psycopg.errors.DivisionByZero: division by zero', '[SQL: SELECT 1/0]', '(Background on this error at: https://sqlalche.me/e/20/9h9h)'];
    expect(alembicFailure(traceback)).toBe('psycopg.errors.DivisionByZero: division by zero [SQL: SELECT 1/0]');
    // SQLAlchemy's message runs over several lines after the exception; the first one is the error,
    // then the statement (the e2e flow failure-log found the notification showing "[SQL: ...]" alone).
    const chained = [
      'Traceback (most recent call last):',
      '  File "/v/psycopg/cursor.py", line 117, in execute',
      '    raise ex.with_traceback(None)',
      'psycopg.errors.UndefinedTable: relation "no_such_table" does not exist',
      'LINE 1: SELECT * FROM no_such_table',
      '                      ^',
      '',
      'The above exception was the direct cause of the following exception:',
      '',
      'Traceback (most recent call last):',
      '  File "<frozen runpy>", line 198, in _run_module_as_main',
      '  File "/v/psycopg/cursor.py", line 117, in execute',
      '    raise ex.with_traceback(None)',
      '    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
      'sqlalchemy.exc.ProgrammingError: (psycopg.errors.UndefinedTable) relation "no_such_table" does not exist',
      'LINE 1: SELECT * FROM no_such_table',
      '                      ^',
      '[SQL: SELECT * FROM no_such_table]',
      '(Background on this error at: https://sqlalche.me/e/21/f405)',
    ];
    expect(alembicFailure(chained)).toBe('sqlalchemy.exc.ProgrammingError: (psycopg.errors.UndefinedTable) relation "no_such_table" does not exist [SQL: SELECT * FROM no_such_table]');
    expect(alembicFailure(['Traceback (most recent call last):', '  File "x.py", line 3, in upgrade', 'KeyboardInterrupt'])).toBe('KeyboardInterrupt');
    // SQLAlchemy's message for a lost connection goes over several lines; the first says what happened.
    const lost = [
      'Traceback (most recent call last):',
      '  File "x.py", line 1',
      'sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) terminating connection due to administrator command',
      'server closed the connection unexpectedly',
      '\tThis probably means the server terminated abnormally',
      '',
      '[SQL: SELECT pg_sleep(60)]',
      '(Background on this error at: https://sqlalche.me/e/20/e3q8)',
    ];
    expect(alembicFailure(lost)).toBe('sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) terminating connection due to administrator command [SQL: SELECT pg_sleep(60)]');
    expect(alembicFailure(['nothing'])).toBeUndefined();
  });

  it("reads the traceback from stderr alone: env.py's buffered stdout can land inside it", () => {
    // Seen in CI: Python flushes a piped stdout at exit, so a line env.py printed came between
    // the traceback's header and its exception line, and was reported as the error.
    const out = (text: string) => ({ stream: 'stdout' as const, text });
    const err = (text: string) => ({ stream: 'stderr' as const, text });
    const lines = [
      err('Traceback (most recent call last):'),
      err('  File "env.py", line 40, in <module>'),
      out('rendered: postgresql+asyncpg://postgres:***@127.0.0.1:5432/app'),
      err('RuntimeError: cannot migrate postgresql+asyncpg://postgres:***@127.0.0.1:5432/app'),
    ];
    expect(alembicFailure(lines)).toBe('RuntimeError: cannot migrate postgresql+asyncpg://postgres:***@127.0.0.1:5432/app');
    // Alembic's FAILED line is printed on stdout and still wins.
    expect(alembicFailure([out("FAILED: Can't locate revision identified by 'zzz'"), err('x')])).toBe("Can't locate revision identified by 'zzz'");
  });
});

describe('which URLs a run may use', () => {
  const db = (source: ResolvedDatabase['source'], url = 'postgresql://app:pw@h/db'): ResolvedDatabase => ({ url, display: 'postgresql://app:***@h/db', source, production: false, dialect: 'postgresql' });
  const envPy = (reads: boolean) => ({ file: '/p/alembic/env.py', exists: true, readsDatabaseUrl: reads, environmentVariables: reads ? ['DATABASE_URL'] : ['APP_DB'] });

  it('allows a URL that env.py reads, or the config URL itself', () => {
    expect(runPermission({ envPy: envPy(true) }, db('named'))).toEqual({ allowed: true });
    expect(runPermission({ envPy: envPy(false), sqlalchemyUrl: 'postgresql://app:pw@h/db' }, db('config'))).toEqual({ allowed: true });
    expect(runPermission({ envPy: envPy(false), sqlalchemyUrl: 'postgresql://app:pw@h/db' }, db('dotenv'))).toEqual({ allowed: true });
  });

  it('refuses another URL when env.py does not read DATABASE_URL, and says why without the password', () => {
    const p = runPermission({ envPy: envPy(false), sqlalchemyUrl: 'postgresql://app:cfgpw@other/db' }, db('named'));
    expect(p.allowed).toBe(false);
    if (p.allowed) return;
    expect(p.openFile).toBe('/p/alembic/env.py');
    expect(p.reason).toMatch(/does not read DATABASE_URL/);
    expect(p.reason).toMatch(/reads APP_DB instead/);
    expect(p.reason).not.toMatch(/cfgpw|:pw@/);
  });
});
