import { describe, expect, it } from 'vitest';
import { DatabaseError } from '../../../server/src/db/errors';
import { sqliteLocation } from '../../../server/src/db/sqliteUrl';

/**
 * Which file a SQLite URL opens, by the rules of SQLAlchemy's pysqlite dialect and SQLite's URI
 * filenames. test/integration/db/sqliteState.test.ts holds the same forms to what SQLAlchemy
 * itself opens (PRAGMA database_list); these are the quick cases, and the messages.
 */

const CWD = '/srv/app';

function kindOf(url: string): string {
  try {
    const l = sqliteLocation(url, CWD);
    return l.kind === 'file' ? `${l.path}${l.mustExist ? ' (must exist)' : ''}${l.relative ? ' (relative)' : ''}` : l.kind;
  } catch (e) {
    if (e instanceof DatabaseError) return `error ${e.kind}: ${e.message}`;
    throw e;
  }
}

describe('SQLite URLs', () => {
  it.each([
    ['sqlite:///dev.db', '/srv/app/dev.db (relative)'],
    ['sqlite:///./data/../dev.db', '/srv/app/dev.db (relative)'],
    ['sqlite:////var/lib/app.db', '/var/lib/app.db'],
    ['sqlite+aiosqlite:///dev.db?timeout=5', '/srv/app/dev.db (relative)'],
    ['sqlite:///my%20data.db', '/srv/app/my data.db (relative)'],
    ['sqlite://', 'memory'],
    ['sqlite:///:memory:', 'memory'],
    ['sqlite:///file:dev.db?uri=true', '/srv/app/dev.db (relative)'],
    ['sqlite:///file:dev.db?mode=ro&uri=true', '/srv/app/dev.db (must exist) (relative)'],
    ['sqlite:///file:dev.db?mode=rw&uri=1', '/srv/app/dev.db (must exist) (relative)'],
    ['sqlite:///file:///var/lib/app.db?uri=true', '/var/lib/app.db'],
    ['sqlite:///file://localhost/var/lib/app.db?uri=yes', '/var/lib/app.db'],
    ['sqlite:///file:dev.db?mode=memory&uri=true', 'memory'],
    ['sqlite:///file::memory:?uri=true', 'memory'],
    ['sqlite:///plain.db?uri=true&mode=ro', '/srv/app/plain.db?mode=ro (relative)'],
    ['sqlite:///dev.db?uri=false&mode=ro', '/srv/app/dev.db (relative)'],
  ])('%s opens %s', (url, expected) => {
    expect(kindOf(url)).toBe(expected);
  });

  it('refuses what SQLAlchemy refuses, without printing a password', () => {
    expect(kindOf('sqlite://user:s3cret@host/dev.db')).toBe(
      'error unsupported-url: sqlite://user:***@host/dev.db is not a valid SQLite URL: SQLAlchemy accepts no user, host or port there. Use sqlite:///relative/path.db (relative to the folder Alembic runs in) or sqlite:////absolute/path.db.',
    );
    expect(kindOf('sqlite:///dev.db?uri=perhaps')).toBe('error unsupported-url: sqlite:///dev.db?uri=perhaps: uri=perhaps is not a boolean SQLAlchemy accepts (String is not true/false).');
    expect(kindOf('sqlite:///file://elsewhere/app.db?uri=true')).toMatch(/^error unsupported-url: .*invalid uri authority/);
  });

  it('leaves other drivers’ files to them', () => {
    expect(sqliteLocation('sqlite+pysqlcipher://:key@/secret.db', CWD)).toMatchObject({ kind: 'foreign', display: 'sqlite+pysqlcipher://:***@/secret.db' });
  });
});
