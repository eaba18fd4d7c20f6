import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { listRevisionFiles, loadEnvironment, type AlembicEnvironment } from '../../../server/src/core/config';
import { readEnvPy } from '../../../server/src/core/config/envPy';
import { RevisionProject } from '../../../server/src/core/project/revisionProject';
import type { ResolvedDatabase } from '../../../server/src/db/resolve';
import type { AlembicCommand } from '../../../server/src/runner/command';
import { parseRevisionFile } from '../../../server/src/core/parse';
import { leftBehind } from '../../../server/src/core/rules/ops/leftBehind';
import { scanRevisionHeader } from '../../../server/src/core/scan/headerScanner';
import type { PartialDescriber, RunnerEnvironment } from '../../../server/src/runner/runner';
import type { RepairInput } from '../../../server/src/runner/unknownRevision';
import { createDatabase, startPostgres, withClient, type PostgresHandle } from '../../helpers/postgres';
import { runChecked } from '../../helpers/run';

/**
 * The fault lab: a PostgreSQL cluster of its own (with a password, so that it can be stopped,
 * restarted and lied to), a small Alembic project that runs on PostgreSQL and SQLite, and the
 * sentinel: a table of user data that no migration touches, whose row count and checksum must
 * be the same after every scenario as before it. Each scenario counts as survived only when
 * its checks pass and the sentinel is intact; the tally goes to test-results/faults/.
 */

export const PASSWORD = 'Lab-pw 7/x';
const SENTINEL_ROWS = 1_000;

export interface Sentinel {
  rows: number;
  checksum: string;
}

export async function sentinelOf(url: string): Promise<Sentinel> {
  return withClient(url, async (c) => {
    const r = await c.query<{ rows: number; checksum: string }>(`SELECT count(*)::int AS rows, md5(coalesce(string_agg(id || ':' || payload, ',' ORDER BY id), '')) AS checksum FROM sentinel`);
    return r.rows[0]!;
  });
}

export interface Lab {
  server: PostgresHandle;
  /** The lab database, with the password in it. */
  url: string;
  stop(): Promise<void>;
}

/** Starts the lab's own cluster and fills the sentinel table of database `lab`. */
export async function startLab(): Promise<Lab> {
  const server = await startPostgres({ password: PASSWORD });
  const url = await createDatabase(server.url, 'lab');
  await withClient(url, async (c) => {
    await c.query('CREATE TABLE sentinel (id int PRIMARY KEY, payload text NOT NULL)');
    await c.query(`INSERT INTO sentinel SELECT i, md5(i::text) || repeat('x', i % 17) FROM generate_series(1, ${SENTINEL_ROWS}) AS i`);
    // Written to disk now: the lab stops the server later and must not lose what is not a fault.
    await c.query('CHECKPOINT');
  });
  return { server, url, stop: () => server.stop() };
}

/** The URL without its password, as a user who has not typed it yet has it. */
export function withoutPassword(url: string): string {
  return url.replace(`:${encodeURIComponent(PASSWORD)}@`, '@');
}

export function database(url: string, name = 'lab', dialect: ResolvedDatabase['dialect'] = 'postgresql'): ResolvedDatabase {
  return { url, display: url.replace(/:[^:@/]*@/, ':***@'), source: 'named', name, production: false, dialect };
}

const ENV_PY = `import os
from logging.config import fileConfig
from sqlalchemy import create_engine, pool
from alembic import context

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)


def run_migrations_offline():
    context.configure(url=os.environ.get("DATABASE_URL", "postgresql://"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
`;

const INI = `[alembic]
script_location = %(here)s/migrations
path_separator = os

[loggers]
keys = root,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
`;

/** One revision file: `upgrade` and `downgrade` are function bodies, one statement a line. */
export function revisionText(id: string, down: string | undefined, upgrade: string, downgrade = 'pass'): string {
  const indent = (body: string): string => body.split('\n').map((l) => `    ${l}`).join('\n');
  return `"""${id}"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = "${id}"\ndown_revision = ${down === undefined ? 'None' : `"${down}"`}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n${indent(upgrade)}\n\n\ndef downgrade():\n${indent(downgrade)}\n`;
}

/** The lab project's history: three revisions any database can run. */
export const BASE_REVISIONS = ['r1', 'r2', 'r3'];

export interface LabProject {
  dir: string;
  ini: string;
  versions: string;
  env(): AlembicEnvironment & RunnerEnvironment;
  project(): RevisionProject;
  /** Adds a revision file (see revisionText). */
  add(id: string, down: string | undefined, upgrade: string, downgrade?: string): string;
  remove(): void;
}

export function labProject(): LabProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-faults-'));
  const versions = path.join(dir, 'migrations', 'versions');
  mkdirSync(versions, { recursive: true });
  const ini = path.join(dir, 'alembic.ini');
  writeFileSync(ini, INI);
  writeFileSync(path.join(dir, 'migrations', 'env.py'), ENV_PY);
  const add = (id: string, down: string | undefined, upgrade: string, downgrade = 'pass'): string => {
    const file = path.join(versions, `${id}.py`);
    writeFileSync(file, revisionText(id, down, upgrade, downgrade));
    return file;
  };
  add('r1', undefined, 'op.create_table("accounts", sa.Column("id", sa.Integer(), primary_key=True))', 'op.drop_table("accounts")');
  add('r2', 'r1', 'op.add_column("accounts", sa.Column("email", sa.Text()))', 'op.drop_column("accounts", "email")');
  add('r3', 'r2', 'op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True))', 'op.drop_table("orders")');
  return {
    dir,
    ini,
    versions,
    env() {
      const env = loadEnvironment(ini);
      const envPy = path.join(dir, 'migrations', 'env.py');
      return { ...env, envPy: readEnvPy(envPy, readFileSync(envPy, 'utf8')) };
    },
    project() {
      const project = new RevisionProject();
      project.loadFromDisk(listRevisionFiles(loadEnvironment(ini)));
      return project;
    },
    add,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A command that runs Alembic and notes each start in `log`, one line per process, so that a
 * test can count the Alembic processes a request started.
 */
export function countingCommand(python: string, dir: string): { command: AlembicCommand; starts(): number } {
  const log = path.join(dir, 'alembic-starts.log');
  const wrapper = path.join(dir, 'counting_alembic.py');
  writeFileSync(
    wrapper,
    `import os, sys\nwith open(${JSON.stringify(log)}, "a") as f:\n    f.write(str(os.getpid()) + "\\n")\nos.execv(sys.executable, [sys.executable, "-m", "alembic"] + sys.argv[1:])\n`,
  );
  return {
    command: { argv: [python, wrapper], source: 'setting', description: 'Alembic, counted' },
    starts: () => {
      try {
        return readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
      } catch {
        return 0;
      }
    },
  };
}

/**
 * What the language server answers for a project, done here in-process: the inputs of the
 * unknown-revision repair (the checkout's ids and heads, and a header reader for files found in
 * git history) and the describer of what a failed revision left.
 */
export function modelOf(project: LabProject): {
  repairInput(unknown: readonly string[]): Pick<RepairInput, 'unknown' | 'knownIds' | 'heads' | 'versionLocations' | 'readHeader'>;
  describePartial: PartialDescriber;
} {
  return {
    repairInput(unknown) {
      const script = project.project().script;
      return {
        unknown,
        knownIds: [...script.map.revisions.keys()],
        heads: script.getHeads(),
        versionLocations: project.env().versionLocations,
        readHeader: (file, text) => {
          const header = scanRevisionHeader(file, text);
          return Promise.resolve({ ...(header.revision?.ids?.[0] !== undefined ? { revision: header.revision.ids[0] } : {}), downRevisions: header.downRevision?.ids ?? [] });
        },
      };
    },
    describePartial: (partial) => {
      const rev = project.project().script.map.get(partial.revision);
      if (!rev) return Promise.resolve(undefined);
      return Promise.resolve(leftBehind(parseRevisionFile(rev.path, readFileSync(rev.path, 'utf8')), partial.direction, partial.failedStatement));
    },
  };
}

export async function git(dir: string, ...args: string[]): Promise<string> {
  const env = { ...process.env, GIT_AUTHOR_NAME: 'Lab', GIT_AUTHOR_EMAIL: 'lab@example.invalid', GIT_COMMITTER_NAME: 'Lab', GIT_COMMITTER_EMAIL: 'lab@example.invalid' };
  return (await runChecked('git', args, { cwd: dir, env, timeoutMs: 30_000 })).stdout;
}

interface Outcome {
  scenario: string;
  survived: boolean;
  sentinelBefore: Sentinel;
  sentinelAfter: Sentinel | undefined;
  failure?: string;
}

/**
 * Declares scenarios of one area and tallies them. `scenario(name, body)` is a test: it
 * records the sentinel, runs `body`, makes sure the server is up again, and checks the
 * sentinel once more.
 */
export function faultArea(area: string, labUrl: () => string, ensureUp: () => Promise<void>): (name: string, body: () => Promise<void>, timeoutMs?: number) => void {
  const outcomes: Outcome[] = [];
  afterAll(() => {
    const survived = outcomes.filter((o) => o.survived).length;
    console.log(`faults (${area}): ${survived} of ${outcomes.length} scenarios survived`);
    const out = path.resolve(__dirname, '../../../test-results/faults');
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, `${area.replace(/\W+/g, '-')}.json`), `${JSON.stringify({ area, survived, tried: outcomes.length, outcomes }, null, 2)}\n`);
  });
  return (name, body, timeoutMs = 180_000) => {
    it(
      name,
      async () => {
        const sentinelBefore = await sentinelOf(labUrl());
        let failure: unknown;
        try {
          await body();
        } catch (e) {
          failure = e;
        }
        await ensureUp();
        const sentinelAfter = await sentinelOf(labUrl()).catch(() => undefined);
        const intact = sentinelAfter !== undefined && sentinelAfter.rows === sentinelBefore.rows && sentinelAfter.checksum === sentinelBefore.checksum;
        const outcome: Outcome = { scenario: name, survived: failure === undefined && intact, sentinelBefore, sentinelAfter };
        if (failure !== undefined) outcome.failure = failure instanceof Error ? failure.message : String(failure);
        outcomes.push(outcome);
        if (failure !== undefined) throw failure;
        expect(sentinelAfter, 'the sentinel table after the scenario').toEqual(sentinelBefore);
      },
      timeoutMs,
    );
  };
}
