import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DatabaseError } from '../../../server/src/db/errors';
import { pgTarget } from '../../../server/src/db/pgOptions';
import type { ResolvedDatabase } from '../../../server/src/db/resolve';
import { redactUrl } from '../../../server/src/core/config/sqlalchemyUrl';
import { VersionStateReader, versionTableFor } from '../../../server/src/db/versionState';
import type { AlembicOperation } from '../../../server/src/runner/operations';
import { AlembicRunner, type RunRequest, type RunResult } from '../../../server/src/runner/runner';
import { createDatabase, startPostgres, type PostgresHandle } from '../../helpers/postgres';
import { scanProcesses, type ProcScanReport } from '../../helpers/procScan';
import { cli, copySeed, environmentOf, versionRows, withDriver, writeUvShim, type SeedCopy } from '../../helpers/seedProjects';

/**
 * No password in anything we write: every flow below runs against a cluster that requires a
 * known password, through a project whose env.py prints its URL and password on purpose (as a
 * debugging env.py might), and everything the flows produce is searched for it: results,
 * messages, errors, streamed Alembic lines, the status CLI's stdout and stderr, and the
 * command line of every process on the machine while they run. DATABASE_URL must reach Alembic
 * through its environment (checked as the positive control) and never through argv.
 * Figures: docs/RELIABILITY.md, "Secrets and trust".
 */

/** Alphanumeric tokens survive every quoting, so searching for them finds any encoded form. */
const TOKEN = 'Pil0tS3cretTok';
const PASSWORD = `${TOKEN}:p@ss/w%rd!`;
const WRONG_TOKEN = 'Wr0ngS3cretTok';
const WRONG = `${WRONG_TOKEN}@x`;
const SECRETS = [TOKEN, WRONG_TOKEN];

const python = inject('alembicPython');
let server: PostgresHandle;
let seed: SeedCopy;
let uvBin: string;
let url: string;
let asyncUrl: string;
/** Everything the flows produced, to be searched at the end. */
const written: string[] = [];
const scans: ProcScanReport[] = [];
const ini = (): string => seed.file('alembic.ini');
const withUv = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: `${uvBin}${path.delimiter}${process.env.PATH ?? ''}`, PYTHONDONTWRITEBYTECODE: '1' });

/** Prints the URL, its password and PGPASSWORD before doing anything, and fails with the URL on demand. */
const CHATTY = `import os as _os, sys as _sys
from sqlalchemy.engine import make_url as _make_url
_url = _os.environ.get("DATABASE_URL", "")
print("env.py sees DATABASE_URL=" + _url)
print("env.py sees PGPASSWORD=" + _os.environ.get("PGPASSWORD", ""), file=_sys.stderr)
if _url:
    print("password: " + str(_make_url(_url).password), file=_sys.stderr)
    print("rendered: " + _make_url(_url).render_as_string(hide_password=False))
if _os.environ.get("FAIL_WITH_URL"):
    raise RuntimeError("cannot migrate " + _url)
`;

beforeAll(async () => {
  server = await startPostgres({ password: PASSWORD });
  url = await createDatabase(server.url, 'secrets');
  asyncUrl = withDriver(url, 'asyncpg');
  seed = await copySeed('000-async-chatbot');
  uvBin = writeUvShim(python);
  const envPy = seed.file('alembic/env.py');
  writeFileSync(envPy, CHATTY + readFileSync(envPy, 'utf8'));
  // A migration that takes a moment, so that the process scan sees Alembic running.
  const slow = seed.file('alembic/versions/002_conversation_titles.py');
  writeFileSync(slow, readFileSync(slow, 'utf8').replace('    op.execute("SET lock_timeout = \'5s\'")\n    op.execute("ALTER TABLE', '    op.execute("SELECT pg_sleep(0.5)")\n    op.execute("SET lock_timeout = \'5s\'")\n    op.execute("ALTER TABLE'));
});

afterAll(async () => {
  await seed?.remove();
  if (uvBin) rmSync(uvBin, { recursive: true, force: true });
  await server?.stop();
});

function record(result: RunResult): RunResult {
  written.push(result.message, result.alembicError ?? '', result.stdout, ...result.output.map((l) => l.text), result.databaseError?.message ?? '', JSON.stringify(result.before ?? []), JSON.stringify(result.after ?? []));
  return result;
}

/** Runs an operation through the runner (uv run alembic), streaming lines as the client does, with the process scan on. */
async function runScanned(operation: AlembicOperation, database: ResolvedDatabase | undefined, extra: Partial<RunRequest> = {}): Promise<RunResult> {
  const streamed: string[] = [];
  const scan = scanProcesses(SECRETS, seed.root);
  const runner = new AlembicRunner({ graceMs: 1_000, processEnv: withUv() });
  try {
    const result = await runner.run({
      env: environmentOf(ini()),
      command: { argv: ['uv', 'run', 'alembic'], source: 'setting', description: 'uv run alembic' },
      operation,
      ...(database ? { database } : {}),
      onOutput: (l) => streamed.push(`[alembic ${l.stream}] ${l.text}`),
      ...extra,
    });
    written.push(...streamed);
    return record(result);
  } finally {
    scans.push(scan.stop());
  }
}

const named = (u: string): ResolvedDatabase => ({ url: u, display: redactUrl(u), source: 'named', name: 'dev', production: false, dialect: 'postgresql' });

describe('the runner with a password in the URL (a named database or DATABASE_URL)', () => {
  it('upgrade, current, downgrade, stamp and Show SQL: Alembic printed the URL, and every line we kept is redacted', async () => {
    const db = named(asyncUrl);
    const up = await runScanned({ kind: 'upgrade', target: 'heads' }, db, { expectedCurrent: ['002'] });
    expect(up.ok, up.message).toBe(true);
    // The positive control: env.py did print the URL and the password, and we cut them.
    expect(up.output.some((l) => l.text.startsWith('env.py sees DATABASE_URL=postgresql+asyncpg://postgres:***@'))).toBe(true);
    expect(up.output.some((l) => l.text === 'password: ***')).toBe(true);
    expect(up.output.some((l) => /^rendered: postgresql\+asyncpg:\/\/postgres:\*\*\*@/.test(l.text))).toBe(true);
    const current = await runScanned({ kind: 'current' }, db);
    expect(current.current).toEqual(['002']);
    expect((await runScanned({ kind: 'downgrade', target: '001' }, db, { expectedCurrent: ['001'] })).ok).toBe(true);
    expect((await runScanned({ kind: 'stamp', revisions: ['002'] }, db)).ok).toBe(true);
    const sql = await runScanned({ kind: 'upgrade-sql', from: '001', target: '002' }, db);
    expect(sql.ok, sql.message).toBe(true);
    expect(sql.stdout).toContain('ALTER TABLE conversations ADD COLUMN IF NOT EXISTS title');
    expect(await versionRows(url)).toEqual(['002']);
  });

  it('an Alembic failure whose exception holds the URL is reported with the URL redacted', async () => {
    const r = await runScanned({ kind: 'downgrade', target: 'base' }, named(asyncUrl), { extraEnv: { FAIL_WITH_URL: '1' } });
    expect(r.errorKind).toBe('alembic');
    expect(r.alembicError).toMatch(/^RuntimeError: cannot migrate postgresql\+asyncpg:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/secrets$/);
  });

  it('a wrong password fails with a clear message and no password, ours or the wrong one', async () => {
    const wrong = asyncUrl.replace(encodeURIComponent(PASSWORD), encodeURIComponent(WRONG));
    expect(wrong).not.toBe(asyncUrl);
    const r = await runScanned({ kind: 'upgrade', target: 'heads' }, named(wrong));
    expect(r.ok).toBe(false);
    expect(r.errorKind).toBe('database');
    expect(r.message).toMatch(/password|authentication/i);
  });
});

describe('the runner with the password from SecretStorage (the URL has none)', () => {
  it('passes it through the environment only; streamed lines show no trace of it', async () => {
    const bare = asyncUrl.replace(`:${encodeURIComponent(PASSWORD)}@`, '@');
    expect(bare).not.toContain(TOKEN);
    const r = await runScanned({ kind: 'downgrade', target: 'base' }, named(bare), { password: PASSWORD, expectedCurrent: [] });
    expect(r.ok, r.message).toBe(true);
    expect(r.output.some((l) => l.text === 'env.py sees PGPASSWORD=***')).toBe(true);
    expect(await versionRows(url)).toEqual([]);
    const up = await runScanned({ kind: 'upgrade', target: 'heads' }, named(bare), { password: PASSWORD, expectedCurrent: ['002'] });
    expect(up.ok, up.message).toBe(true);
  });
});

describe('state reads through pg', () => {
  it('succeed with the password, and fail clearly (wrong password, refused, unknown host) without one in the message', async () => {
    const reader = new VersionStateReader();
    const table = versionTableFor(undefined, undefined);
    try {
      expect((await reader.read(pgTarget(asyncUrl), table)).current).toEqual(['002']);
      const bare = url.replace(`:${encodeURIComponent(PASSWORD)}@`, '@');
      expect((await reader.read(pgTarget(bare, { password: PASSWORD }), table)).current).toEqual(['002']);
      const port = Number(new URL(url).port);
      const failures = [
        url.replace(encodeURIComponent(PASSWORD), encodeURIComponent(WRONG)),
        url.replace(`:${port}/`, ':1/'),
        url.replace('127.0.0.1', 'no-such-host.invalid'),
      ];
      const kinds: string[] = [];
      for (const failing of failures) {
        const error = await reader.read(pgTarget(failing), table).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DatabaseError);
        kinds.push((error as DatabaseError).kind);
        written.push((error as DatabaseError).message, String((error as DatabaseError).stack));
      }
      expect(kinds).toEqual(['authentication', 'refused', 'dns']);
      const withPassword = await reader.read(pgTarget(bare, { password: WRONG }), table).catch((e: unknown) => e as DatabaseError);
      expect(withPassword).toBeInstanceOf(DatabaseError);
      written.push((withPassword as DatabaseError).message);
    } finally {
      await reader.close();
    }
  });
});

describe('the status CLI', () => {
  it('at head, with a wrong password and with an unreachable server: DATABASE_URL in its environment, nothing in its output', async () => {
    const cases: [string, number][] = [
      [asyncUrl, 0],
      [asyncUrl.replace(encodeURIComponent(PASSWORD), encodeURIComponent(WRONG)), 2],
      [asyncUrl.replace(`:${new URL(url).port}/`, ':1/'), 2],
    ];
    for (const [databaseUrl, code] of cases) {
      const scan = scanProcesses(SECRETS, 'dist/cli.js');
      const r = await cli(['status', '--json', '.'], { cwd: seed.root, env: { DATABASE_URL: databaseUrl } });
      scans.push(scan.stop());
      expect(r.code, r.stderr).toBe(code);
      written.push(r.stdout, r.stderr);
    }
    expect(written.at(-1)).toMatch(/^alembic-pilot: .*refused/);
    expect(written.at(-3)).toMatch(/^alembic-pilot: .*password/i);
  });
});

describe('what was written', () => {
  it('holds no password, and no process ever had one on its command line', () => {
    const everything = written.join('\n');
    expect(everything.length).toBeGreaterThan(2_000);
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
    const hits = scans.flatMap((s) => s.argvHits);
    expect(hits).toEqual([]);
    // The scans did see Alembic (through the uv stand-in) and the CLI running, with the URL in their environment.
    expect(scans.reduce((n, s) => n + s.seen.length, 0)).toBeGreaterThan(5);
    expect(scans.reduce((n, s) => n + s.environmentHits, 0)).toBeGreaterThan(5);
    const figures = {
      runs: scans.length,
      samples: scans.reduce((n, s) => n + s.samples, 0),
      processesSeen: scans.reduce((n, s) => n + s.seen.length, 0),
      withPasswordInEnvironment: scans.reduce((n, s) => n + s.environmentHits, 0),
      linesSearched: everything.split('\n').length,
      secretsFound: 0,
    };
    console.log(`secrets: ${JSON.stringify(figures)}`);
  });
});
