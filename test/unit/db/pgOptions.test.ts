import { describe, expect, it } from 'vitest';
import { isPlaceholderUrl, parseSqlalchemyUrl, redactUrl } from '../../../server/src/core/config/sqlalchemyUrl';
import { DatabaseError } from '../../../server/src/db/errors';
import { pgTarget, type PgTarget } from '../../../server/src/db/pgOptions';

/** An empty environment, so that the PG* variables of the machine running the tests play no part. */
const env: NodeJS.ProcessEnv = {};

type Expected = Partial<Pick<PgTarget, 'sslMode' | 'driver' | 'sslFiles'>> & {
  host?: string | undefined;
  port?: number;
  user?: string | undefined;
  password?: string | undefined;
  database?: string | undefined;
  options?: string | undefined;
};

function mapped(url: string): Expected {
  const t = pgTarget(url, { env });
  return {
    host: t.config.host,
    port: t.config.port!,
    user: t.config.user,
    password: t.config.password as string | undefined,
    database: t.config.database,
    options: t.config.options,
    sslMode: t.sslMode,
    driver: t.driver,
    sslFiles: t.sslFiles,
  };
}

describe('SQLAlchemy URL to pg options', () => {
  it.each<[string, Expected]>([
    ['postgresql://app:secret@db.example:6543/kraken', { host: 'db.example', port: 6543, user: 'app', password: 'secret', database: 'kraken', driver: 'default', sslMode: 'prefer' }],
    ['postgres://app@localhost/kraken', { host: 'localhost', port: 5432, user: 'app', database: 'kraken', driver: 'default' }],
    ['postgresql+psycopg2://app:p%40ss%2Fw0rd@h/db', { host: 'h', password: 'p@ss/w0rd', driver: 'psycopg2' }],
    ['postgresql+psycopg://app@h:5433/db?sslmode=require', { host: 'h', port: 5433, driver: 'psycopg', sslMode: 'require' }],
    ['postgresql+psycopg2://app@/kraken?host=/var/run/postgresql', { host: '/var/run/postgresql', port: 5432, database: 'kraken' }],
    ['postgresql+psycopg://app@/kraken?host=/tmp&port=5433', { host: '/tmp', port: 5433 }],
    ['postgresql+psycopg2://app@/db?host=primary:5434&host=replica:5435', { host: 'primary', port: 5434 }],
    ['postgresql+asyncpg://app@h/db?ssl=require', { driver: 'asyncpg', sslMode: 'require' }],
    ['postgresql+asyncpg://app@h/db?ssl=true', { sslMode: 'require' }],
    ['postgresql+asyncpg://app@h/db?ssl=disable', { sslMode: 'disable' }],
    ['postgresql+asyncpg://app@h/db', { sslMode: 'prefer' }],
    ['postgresql+pg8000://app@/db?unix_sock=/run/pg/.s.PGSQL.5439', { driver: 'pg8000', host: '/run/pg', port: 5439, sslMode: 'disable' }],
    ['postgresql://app@h/db?options=-csearch_path%3Dtenant', { options: '-csearch_path=tenant' }],
    ['postgresql://app@h/db?sslmode=verify-full&sslrootcert=/etc/ca.pem', { sslMode: 'verify-full', sslFiles: { ca: '/etc/ca.pem' } }],
    ['postgresql://app@[::1]:5432/db', { host: '::1', port: 5432 }],
    ['postgresql://app:p#ss?w@h/db', { host: 'h', password: 'p#ss?w', database: 'db' }],
    ['postgresql:///kraken', { host: undefined, user: undefined, database: 'kraken' }],
  ])('%s', (url, expected) => {
    expect(mapped(url)).toMatchObject(expected);
  });

  it('takes the host, port, user and sslmode from PG* variables when the URL has none', () => {
    const t = pgTarget('postgresql:///kraken', { env: { PGHOST: 'envhost', PGPORT: '6000', PGUSER: 'envuser', PGSSLMODE: 'disable' } });
    expect(t.config).toMatchObject({ host: 'envhost', port: 6000, user: 'envuser', database: 'kraken' });
    expect(t.sslMode).toBe('disable');
  });

  it('prefers a typed password over the URL and keeps passwords out of the key', () => {
    const t = pgTarget('postgresql://app:old@h/db', { env, password: 'typed' });
    expect(t.config.password).toBe('typed');
    expect(t.key).not.toContain('typed');
    expect(t.key).not.toContain('old');
    expect(t.display).toBe('postgresql://app:***@h/db');
  });

  it('notes a second host it cannot use', () => {
    expect(pgTarget('postgresql://app@/db?host=a&host=b', { env }).notes.join()).toMatch(/2 hosts/);
  });

  it.each([
    ['sqlite:///dev.db', /sqlite URL/],
    ['mysql+pymysql://u:secret@h/db', /mysql URL/],
    ['postgresql+pygresql://u:secret@h/db', /driver pygresql/],
    ['not a url', /Could not parse/],
  ])('refuses %s with a redacted message', (url, message) => {
    let error: unknown;
    try {
      pgTarget(url, { env });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).kind).toBe('unsupported-url');
    expect((error as DatabaseError).message).toMatch(message);
    expect((error as DatabaseError).message).not.toContain('secret');
  });
});

describe('SQLAlchemy URLs', () => {
  it('parses as SQLAlchemy does, with the query kept in order', () => {
    expect(parseSqlalchemyUrl('postgresql+psycopg2://u:p@h:1/d?a=1&b=2&a=3')).toEqual({
      backend: 'postgresql',
      driver: 'psycopg2',
      dialect: 'postgresql',
      username: 'u',
      password: 'p',
      host: 'h',
      port: 1,
      database: 'd',
      query: [
        ['a', '1'],
        ['b', '2'],
        ['a', '3'],
      ],
    });
    expect(parseSqlalchemyUrl('sqlite:///dev.db')).toMatchObject({ dialect: 'sqlite', database: 'dev.db' });
    expect(parseSqlalchemyUrl('mysql+pymysql://u@h/d')).toMatchObject({ dialect: 'mysql', driver: 'pymysql' });
  });

  it.each([
    ['postgresql://app:s3cret@h/db', 'postgresql://app:***@h/db'],
    ['postgresql://app:p#ss?w@h/db', 'postgresql://app:***@h/db'],
    ['postgresql://app@h/db', 'postgresql://app@h/db'],
    ['postgresql://h:5432/db', 'postgresql://h:5432/db'],
    ['garbage s3cret', '<an unparsable database URL>'],
  ])('redacts %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it.each([
    [undefined, true],
    ['', true],
    ['driver://user:pass@localhost/dbname', true],
    ['postgresql://u@h/d', false],
  ])('treats %s as a placeholder: %s', (url, placeholder) => {
    expect(isPlaceholderUrl(url)).toBe(placeholder);
  });
});
