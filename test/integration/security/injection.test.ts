import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AlembicRunner } from '../../../server/src/runner/runner';
import { run } from '../../helpers/run';
import { revisionIds } from '../../helpers/sampleProject';
import { cli, copySeed, environmentOf, SEED_ROOT, venvCommand, type SeedCopy } from '../../helpers/seedProjects';
import { inWorkspace, scaffoldSession, type ScaffoldSession } from '../../helpers/seedScaffold';

/**
 * No injection: revision messages, ids, labels and file names that hold `$(…)`, backticks,
 * quotes, `;`, line breaks or `../` never run a command and never write outside the version
 * location, through New Revision (the server's scaffold), the runner (Alembic writes the file)
 * and the CLI. A marker file that any of those commands would create must never appear, and
 * every process is spawned with an argument array and no shell (checked at run time).
 */

const python = inject('alembicPython');
const requireCjs = createRequire(__filename);
const spawnHook = requireCjs('../../helpers/spawnHook.cjs') as { install(record: (call: SpawnCall) => void): () => void };

interface SpawnCall {
  fn: string;
  file: string;
  argsIsArray: boolean;
  args?: string[];
  shell: boolean;
}

let sandbox: string;
let marker: string;
let seed: SeedCopy;

/** Messages that a shell, a Python string or a path join would misread. */
const hostile = (): string[] => [
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `it's a "quoted" message; touch ${marker}`,
  `a; touch ${marker} #`,
  'first line\nsecond line',
  '../../../../../tmp/escaped',
  '..\\..\\windows path',
  'back\\slash \\n and \\" quote',
  '%(rev)s %(slug)s ${message} <% x %>',
  'ünïcödé ✓ message',
];

beforeAll(async () => {
  sandbox = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-inject-'));
  marker = path.join(sandbox, 'pwned');
  seed = await copySeed('000-async-chatbot');
});

afterAll(async () => {
  await seed?.remove();
  rmSync(sandbox, { recursive: true, force: true });
});

function pythonFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.py')).map((f) => path.join(dir, f));
}

function alembicIn(root: string, args: string[]): ReturnType<typeof run> {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  delete env['DATABASE_URL'];
  return run(python, ['-m', 'alembic', ...args], { cwd: root, env, timeoutMs: 120_000 });
}

describe('New Revision (the server renders, the client writes)', () => {
  let session: ScaffoldSession;
  const configFile = (): string => inWorkspace(session, 'alembic.ini');
  const versions = (): string => inWorkspace(session, 'alembic/versions');

  beforeAll(async () => {
    session = await scaffoldSession(seed.root);
  });

  afterAll(() => session?.stop());

  it('keeps hostile messages in the docstring and the slug, inside the version location; Alembic loads every file and nothing runs', async () => {
    const created: string[] = [];
    for (const message of hostile()) {
      const result = await session.scaffold({ configFile: configFile(), section: 'alembic', kind: 'revision', message });
      if (!result.ok) throw new Error(`${JSON.stringify(message)}: ${result.reason}`);
      expect(path.dirname(result.file)).toBe(versions());
      expect(path.basename(result.file)).toMatch(/^[0-9a-f]{12}_[\p{L}\p{N}_]*\.py$/u);
      expect(result.text).toContain(`"""${message}\n`);
      created.push(await session.create(result, configFile()));
    }
    expect(pythonFilesUnder(session.root).filter((f) => !f.startsWith(versions()) && !f.includes(`${path.sep}src${path.sep}`) && !f.endsWith('env.py'))).toEqual([]);
    const heads = await alembicIn(session.root, ['heads']);
    expect(heads.code, heads.stderr).toBe(0);
    expect(revisionIds(heads.stdout)).toHaveLength(1);
    const history = await alembicIn(session.root, ['history']);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toContain(`$(touch ${marker})`);
    expect(existsSync(marker)).toBe(false);
    for (const file of created) rmSync(file);
  });

  it('refuses a message that would close the docstring and become code, before any file exists', async () => {
    const before = readdirSync(versions()).sort();
    for (const message of [`x"""\nimport os; os.system("touch ${marker}")\n"""`, `x"""; __import__("os").system("touch ${marker}"); """`]) {
      const result = await session.scaffold({ configFile: configFile(), section: 'alembic', kind: 'revision', message });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(/^The message would change the code of the new revision/);
    }
    expect(readdirSync(versions()).sort()).toEqual(before);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses ids and branch labels that are not plain names (paths, quotes, shell syntax, spaces)', async () => {
    for (const revId of ['../../escaped', '..', 'a/b', 'a\\b', `a"""b`, "a'b", '$(id)', '`id`', 'a b', 'a;b', '.hidden', 'x\ny']) {
      const result = await session.scaffold({ configFile: configFile(), section: 'alembic', kind: 'revision', message: 'm', revId });
      expect(result.ok, revId).toBe(false);
      expect(!result.ok && result.reason, revId).toMatch(/may hold only letters, digits, '_' and '\.'|not allowed in revision identifier/);
    }
    const label = await session.scaffold({ configFile: configFile(), section: 'alembic', kind: 'revision', message: 'm', parent: 'base', branchLabel: `$(touch ${marker})` });
    expect(label).toMatchObject({ ok: false, fallback: false });
    expect(!label.ok && label.reason).toMatch(/^The branch label .* may hold only/);
  });

  it('refuses a file_template that would put the file outside the version location', async () => {
    const copy = await copySeed('000-async-chatbot');
    const other = await scaffoldSession(copy.root).catch(async (e: unknown) => {
      await copy.remove();
      throw e;
    });
    try {
      const ini = inWorkspace(other, 'alembic.ini');
      writeFileSync(ini, readFileSync(ini, 'utf8').replace('file_template = %%(rev)s_%%(slug)s', 'file_template = ../../%%(rev)s_%%(slug)s'));
      const { DidChangeWatchedFilesNotification, FileChangeType } = await import('vscode-languageserver-protocol/node');
      const { pathToFileURL } = await import('node:url');
      await other.client.conn.sendNotification(DidChangeWatchedFilesNotification.method, { changes: [{ uri: pathToFileURL(ini).toString(), type: FileChangeType.Changed }] });
      const deadline = Date.now() + 20_000;
      let result = await other.scaffold({ configFile: ini, section: 'alembic', kind: 'revision', message: 'm' });
      while (result.ok && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        result = await other.scaffold({ configFile: ini, section: 'alembic', kind: 'revision', message: 'm' });
      }
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(/^file_template names \.\.\/\.\.\/[0-9a-f]{12}_m\.py, which is outside the version location/);
    } finally {
      other.stop();
      await copy.remove();
    }
  });
});

describe('the runner: Alembic writes the file (the fallback and Autogenerate)', () => {
  it('passes hostile messages as one argument each; no shell runs them; files land in the version location', async () => {
    const copy = await copySeed('000-async-chatbot');
    const calls: SpawnCall[] = [];
    const uninstall = spawnHook.install((c) => calls.push(c));
    try {
      const runner = new AlembicRunner();
      const env = environmentOf(copy.file('alembic.ini'));
      for (const message of hostile().filter((m) => !m.includes('\n'))) {
        const r = await runner.run({ env, command: venvCommand(python), operation: { kind: 'revision', message } });
        expect(r.ok, r.message).toBe(true);
        expect(r.files).toHaveLength(1);
        expect(path.dirname(r.files![0]!)).toBe(copy.file('alembic/versions'));
      }
      expect(existsSync(marker)).toBe(false);
      const heads = await alembicIn(copy.root, ['heads']);
      expect(heads.code, heads.stderr).toBe(0);
      // Messages that could become code, and ids that are paths, never reach Alembic.
      for (const operation of [
        { kind: 'revision' as const, message: `x"""; __import__("os").system("touch ${marker}"); """` },
        { kind: 'revision' as const, message: 'two\nlines' },
        { kind: 'revision' as const, message: 'm', revId: '../../escaped' },
        { kind: 'merge' as const, message: 'm', revisions: ['001', '002'], branchLabel: '$(id)' },
      ]) {
        const before = calls.length;
        const r = await runner.run({ env, command: venvCommand(python), operation });
        expect(r.errorKind, JSON.stringify(operation)).toBe('invalid');
        expect(calls.length).toBe(before);
      }
      expect(existsSync(marker)).toBe(false);
    } finally {
      uninstall();
      await copy.remove();
    }
    expect(calls.length).toBeGreaterThan(5);
    expect(calls.filter((c) => c.fn !== 'spawn' || !c.argsIsArray || c.shell)).toEqual([]);
    console.log(`injection: runner spawn calls ${calls.length}, without an array or with a shell 0`);
  });
});

describe('the CLI on hostile file and folder names', () => {
  it('graph, lint and status (SQLite, through alembic current) read them as names; nothing runs', async () => {
    // Relative: a shell would create the marker in its working directory (the sandbox, or the project).
    const root = path.join(sandbox, `proj $(touch ${path.basename(marker)}); 'q' "d"`);
    mkdirSync(root);
    // The incident service develops on SQLite, which status reads through `alembic current`.
    cpSync(path.join(SEED_ROOT, '002-incident-service'), root, { recursive: true });
    const backend = path.join(root, 'backend');
    // A revision file whose name is shell syntax.
    const weird = path.join(backend, 'alembic', 'versions', `004_$(touch ${path.basename(marker)});'x'"y"\`z\`.py`);
    writeFileSync(weird, '"""weird name\n\nRevision ID: 004\n"""\nrevision = "004"\ndown_revision = "003_alert_category"\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n');
    const log = path.join(sandbox, 'spawns.jsonl');
    const hook = `--require=${path.join(__dirname, '..', '..', 'helpers', 'spawnHook.cjs')}`;
    const env = { PATH: `${path.dirname(python)}${path.delimiter}${process.env.PATH ?? ''}`, NODE_OPTIONS: hook, SPAWN_LOG: log };
    const graph = await cli(['graph', backend], { cwd: sandbox, env });
    expect(graph.code, graph.stderr).toBe(0);
    expect(graph.stdout.split('\n')[0]).toBe('003_alert_category -> 004 (head), weird name');
    const lint = await cli(['lint', backend], { cwd: sandbox, env });
    expect(lint.stderr).toBe('');
    expect(lint.stdout).toContain('003_alert_category.py');
    const status = await cli(['status', '--json', '--url', 'sqlite:///state.db', backend], { cwd: sandbox, env });
    expect(status.stderr).toMatch(/reading its state with `alembic current`/);
    expect(status.stdout, status.stderr).not.toBe('');
    expect(JSON.parse(status.stdout)).toMatchObject({ current: [], pending: ['001_initial_schema', '002_add_resolution_notes', '003_alert_category', '004'] });
    expect(existsSync(path.join(backend, 'state.db'))).toBe(true);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(path.join(backend, path.basename(marker)))).toBe(false);
    const calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SpawnCall);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.fn === 'spawn')).toBe(true);
    expect(calls.every((c) => c.argsIsArray && !c.shell)).toBe(true);
    expect(calls.some((c) => c.args?.includes('current'))).toBe(true);
    console.log(`injection: CLI spawn calls ${calls.length}, without an array or with a shell 0`);
  });
});
