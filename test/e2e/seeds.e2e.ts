import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { startPostgres, withClient, type PostgresHandle } from '../helpers/postgres';
import { scanProcesses } from '../helpers/procScan';
import { run } from '../helpers/run';
import { SEED_ROOT, withDriver, writeUvShim } from '../helpers/seedProjects';
import { until, type Driver } from './driver';
import { flow, type FlowContext } from './harness';
import { watchExtensionProcesses } from './host/extensionProcesses';
import { recordMetric } from './results';
import { filesContaining, seedWorkspace, type SeedWorkspace } from './seedWorkspace';

/**
 * One flow per seed project (test/fixtures/seed-projects, after ../shared/seeds): open it, see
 * the Revisions view with the right states, and apply one upgrade, checked in the database.
 * 000's start script migrates outside the editor and the view follows by itself. 003 and 004
 * run against a cluster that requires a password (typed into the prompt and kept in
 * SecretStorage, or written in the team's .env); afterwards every file the editor wrote and
 * every command line seen during the flow are searched for it.
 */

const TOKEN = 'E2eS3cretTok';
const PASSWORD = `${TOKEN}:w/p@ss`;
let uvBin: string;
let secured: PostgresHandle;

beforeAll(async () => {
  uvBin = writeUvShim(inject('alembicPython'));
  secured = await startPostgres({ password: PASSWORD });
});

afterAll(async () => {
  if (uvBin) rmSync(uvBin, { recursive: true, force: true });
  await secured?.stop();
});

/** The state of a revision as its row shows it (`<short id> · <state> · ...`). */
async function stateOf(driver: Driver, shortId: string): Promise<string | undefined> {
  return (await driver.treeTexts()).find((r) => r.description.startsWith(`${shortId} ·`))?.description.split(' · ')[1];
}

/**
 * Waits for the environment row's description: `<database> · <current> · <pending>`. A database
 * from DATABASE_URL has no name, so the view names it by its URL without the password.
 */
async function envRow(driver: Driver, expected: string, timeoutMs = 60_000): Promise<string> {
  const matches = (text: string): boolean => (expected.startsWith('database · ') ? / · /.test(text) && text.slice(text.indexOf(' · ')) === expected.slice('database'.length) : text === expected);
  return until(`the environment to read "${expected}"`, async () => {
    const text = await driver.rowDescription('alembic.ini');
    return matches(text) ? text : undefined;
  }, timeoutMs);
}

/** Nothing the editor wrote holds the password (the browser profile is code-server's secret store), nor did any command line. */
function assertNoSecret(f: FlowContext, scan: ReturnType<typeof scanProcesses>, workspaceSkip: string[] = []): void {
  const report = scan.stop();
  expect(report.argvHits).toEqual([]);
  // The positive control: Alembic ran, with the password in its environment.
  expect(report.environmentHits).toBeGreaterThan(0);
  const run = path.dirname(f.wb.userDataDir);
  const editor = filesContaining(run, [TOKEN], [path.join(run, 'chromium')]);
  expect(editor.searched).toBeGreaterThan(10);
  expect(editor.hits).toEqual([]);
  const workspace = filesContaining(f.ws.folder, [TOKEN], workspaceSkip);
  expect(workspace.hits).toEqual([]);
  recordMetric(`secrets:${path.basename(f.ws.folder).slice(0, 24)}`, JSON.stringify({ filesSearched: editor.searched + workspace.searched, bytes: editor.bytes + workspace.bytes, processSamples: report.samples, secretsFound: 0 }));
}


/**
 * The labels of the view's rows once it lists as many as `expected` has: the environment's row
 * gets its description before its revisions are drawn, and the view is read in one go.
 */
async function labelsOnceListed(driver: Driver, expected: readonly string[]): Promise<string[]> {
  let seen: string[] = [];
  try {
    return await until(`the view to list ${expected.length} rows`, async () => {
      seen = (await driver.treeTexts()).map((r) => r.label);
      return seen.length >= expected.length ? seen : undefined;
    });
  } catch (error) {
    // Say what the view showed instead, and why (the view's message), for the CI log.
    throw new Error(`${(error as Error).message}; it listed ${JSON.stringify(seen)} under the message ${JSON.stringify(await driver.viewMessage())}`);
  }
}

flow(
  'seed-000',
  'async chatbot: `uv run alembic` from the editor; the start script migrates outside it and the view follows by itself',
  async ({ driver, ws, step, extensionLog }) => {
    const seed = ws as SeedWorkspace;
    await driver.openRevisionsView();
    await driver.widenSidebar();
    // The database of .env, named by its URL (no password in this one).
    expect(await envRow(driver, 'database · empty · 2 pending')).toBe(`${withDriver(ws.databaseUrl, 'asyncpg')} · empty · 2 pending`);
    expect(await labelsOnceListed(driver, ['alembic.ini', 'conversation titles', 'baseline schema'])).toEqual(['alembic.ini', 'conversation titles', 'baseline schema']);
    expect(await stateOf(driver, '002')).toBe('pending');
    await step('view');

    await driver.rowMenu('baseline schema', 'Upgrade to Here');
    expect(await driver.notification(/^Upgraded /, 120_000)).toMatch(/^Upgraded .* to 001 \(1 revision\) in \d+\.\d s\.$/);
    expect(await ws.versionRows()).toEqual(['001']);
    expect(extensionLog()).toContain('(uv run alembic)');
    await until('001 current', async () => ((await stateOf(driver, '001')) === 'current' ? true : undefined));
    await step('upgraded');

    // The service starts: its script migrates to head, with no editor involved.
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${uvBin}${path.delimiter}${process.env.PATH ?? ''}` };
    delete env['DATABASE_URL'];
    const started = await run(seed.file('scripts/start.sh'), ['--once'], { cwd: seed.folder, env, timeoutMs: 120_000 });
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout.trim()).toBe('chatbot ready: schema 002, 0 conversations');
    expect(await ws.versionRows()).toEqual(['002']);
    // No click: the view polls the database while it is visible.
    await envRow(driver, 'database · 002 · up to date', 60_000);
    expect(await stateOf(driver, '002')).toBe('current');
    expect(await stateOf(driver, '001')).toBe('applied');
    await step('started-outside');
  },
  {
    env: () => ({ PATH: `${uvBin}${path.delimiter}${process.env.PATH ?? ''}` }),
    workspace: (settings) =>
      seedWorkspace({
        seed: '000-async-chatbot',
        adminUrl: inject('databaseUrl'),
        python: inject('alembicPython'),
        versions: 'alembic/versions',
        // Polling every 3 s instead of 30 s keeps the flow short; the mechanism is the same.
        settings: { ...settings, 'alembicPilot.refreshIntervalSeconds': 3 },
        files: (url) => ({ '.env': `DATABASE_URL=${withDriver(url, 'asyncpg')}\n` }),
      }),
  },
);

flow(
  'seed-001',
  'knowledge pipeline: Alembic under src/ run from the repository root; Upgrade to Head(s) seeds the profiles',
  async ({ driver, ws, step }) => {
    await driver.openRevisionsView();
    await driver.widenSidebar();
    await envRow(driver, 'database · empty · 2 pending');
    expect(await labelsOnceListed(driver, ['src/alembic.ini', 'seed builtin profiles', 'initial schema'])).toEqual(['src/alembic.ini', 'seed builtin profiles', 'initial schema']);
    await step('view');
    await driver.rowAction('alembic.ini', 'Upgrade to Head(s)');
    expect(await driver.notification(/^Upgraded /, 120_000)).toMatch(/^Upgraded .* to 20260110_002 \(2 revisions\) in \d+\.\d s\.$/);
    expect(await ws.versionRows()).toEqual(['20260110_002']);
    const profiles = await withClient(ws.databaseUrl, async (c) => (await c.query<{ n: string }>('SELECT count(*) AS n FROM extraction_profiles WHERE builtin')).rows[0]!.n);
    expect(Number(profiles)).toBe(3);
    await envRow(driver, 'database · 20260110_002 · up to date');
    expect(await stateOf(driver, '20260110_001')).toBe('applied');
    await step('upgraded');
  },
  {
    workspace: (settings) =>
      seedWorkspace({
        seed: '001-knowledge-pipeline',
        adminUrl: inject('databaseUrl'),
        python: inject('alembicPython'),
        venvAt: '.',
        versions: 'src/alembic/versions',
        settings,
        // docker-compose's .env at the repository root, which is the run's working directory.
        files: (url) => ({ '.env': `DATABASE_URL=${url}\n` }),
      }),
  },
);

flow(
  'seed-002',
  'incident service: the developers’ SQLite, read without Python (no file yet, named above the tree); Upgrade to Head(s)',
  async ({ driver, ws, step }) => {
    const seed = ws as SeedWorkspace;
    // Every process the extension starts: the state is read in-process, so the only Alembic is the upgrade.
    const processes = watchExtensionProcesses(path.join(inject('e2eHost').extensionsDir, 'alembic-pilot.alembic-pilot-'), ws.folder);
    await driver.openRevisionsView();
    await driver.widenSidebar();
    await envRow(driver, 'database · empty · 3 pending', 90_000);
    expect(await labelsOnceListed(driver, ['backend/alembic.ini', 'alert category', 'add resolution notes', 'initial schema'])).toEqual(['backend/alembic.ini', 'alert category', 'add resolution notes', 'initial schema']);
    expect(await driver.viewMessage()).toContain(`No database file at ${seed.file('backend/history.db')}`);
    await step('view');
    await driver.rowAction('alembic.ini', 'Upgrade to Head(s)');
    expect(await driver.notification(/^Upgraded /, 120_000)).toMatch(/^Upgraded .* to 003_alert_category \(3 revisions\) in \d+\.\d s\.$/);
    await envRow(driver, 'database · 003_alert_ca · up to date', 90_000);
    expect(await stateOf(driver, '002_add_reso')).toBe('applied');
    const alembicRuns = processes.stop().others.filter((c) => /\balembic\b/.test(c) && !/server\.js/.test(c));
    expect(alembicRuns.some((c) => / upgrade /.test(` ${c} `))).toBe(true);
    expect(alembicRuns.filter((c) => / current( |$)/.test(` ${c} `))).toEqual([]);
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
    delete env['DATABASE_URL'];
    const current = await run(inject('alembicPython'), ['-m', 'alembic', 'current'], { cwd: seed.file('backend'), env, timeoutMs: 120_000 });
    expect(current.stdout.trim()).toBe('003_alert_category (head)');
    await step('upgraded');
  },
  {
    workspace: (settings) =>
      seedWorkspace({
        seed: '002-incident-service',
        adminUrl: inject('databaseUrl'),
        python: inject('alembicPython'),
        venvAt: 'backend',
        versions: 'backend/alembic/versions',
        settings,
        files: () => ({ 'backend/.env': 'DATABASE_URL=sqlite:///./history.db\n' }),
      }),
  },
);

flow(
  'seed-003',
  'orchestrator: dev on SQLite, prod on PostgreSQL (production; its password typed once, into SecretStorage); Upgrade prod with its name typed',
  async (f) => {
    const { driver, ws, step } = f;
    const scan = scanProcesses([TOKEN], ws.folder);
    await driver.openRevisionsView();
    await driver.widenSidebar();
    await envRow(driver, 'dev · empty · 3 pending', 90_000);
    expect(await labelsOnceListed(driver, ['backend/alembic.ini', 'add indexes', 'add priority column', 'initial schema'])).toEqual(['backend/alembic.ini', 'add indexes', 'add priority column', 'initial schema']);
    await step('dev');

    await driver.runCommand('Alembic: Select Database');
    await driver.pick(/^prod/, /Database for/);
    // The server rejects the login without a password: the prompt asks for it.
    await driver.answer(PASSWORD, /Password for/);
    await envRow(driver, 'prod · empty · 3 pending');
    await step('prod');

    await driver.rowAction('alembic.ini', 'Upgrade to Head(s)');
    const dialog = await driver.dialogText();
    expect(dialog.message).toBe('Upgrade prod to head? This applies 3 revisions.');
    expect(dialog.detail).toContain('prod is marked as production.');
    await step('confirm');
    await driver.dialogButton('Upgrade');
    await driver.answer('prod', /prod is a production database/);
    expect(await driver.notification(/^Upgraded /, 120_000)).toMatch(/^Upgraded prod to 003 \(3 revisions\) in \d+\.\d s\.$/);
    expect(await ws.versionRows()).toEqual(['003']);
    await envRow(driver, 'prod · 003 · up to date');
    await step('upgraded');
    assertNoSecret(f, scan);
  },
  {
    workspace: (settings) =>
      seedWorkspace({
        seed: '003-orchestrator',
        adminUrl: secured.url,
        python: inject('alembicPython'),
        venvAt: 'backend',
        versions: 'backend/migrations/versions',
        settings: (url) => {
          const own = JSON.parse(readFileSync(path.join(SEED_ROOT, '003-orchestrator', '.vscode', 'settings.json'), 'utf8')) as { 'alembicPilot.databases': { name: string; url: string }[] };
          // The team commits prod's URL without a password; here it is this flow's database.
          const prod = url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1@');
          return { ...settings, 'alembicPilot.databases': own['alembicPilot.databases'].map((d) => (d.name === 'prod' ? { ...d, url: prod } : d)) };
        },
      }),
  },
);

flow(
  'seed-004',
  'RAG chat: an asyncpg URL with its password in backend/.env; Upgrade to Head(s), then reset (Downgrade to Base) with the database name typed',
  async (f) => {
    const { driver, ws, step } = f;
    const seed = ws as SeedWorkspace;
    const scan = scanProcesses([TOKEN], ws.folder);
    await driver.openRevisionsView();
    await driver.widenSidebar();
    const shown = await envRow(driver, 'database · empty · 2 pending');
    // The URL comes from .env with its password, and is shown without it.
    expect(shown).toMatch(/^postgresql\+asyncpg:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/e2e_seed004_\S+ · empty · 2 pending$/);
    expect(await labelsOnceListed(driver, ['backend/alembic.ini', 'add user timezone', 'initial schema'])).toEqual(['backend/alembic.ini', 'add user timezone', 'initial schema']);
    await step('view');
    await driver.rowAction('alembic.ini', 'Upgrade to Head(s)');
    expect(await driver.notification(/^Upgraded /, 120_000)).toMatch(/^Upgraded .* to 7c1e9a04d2b6 \(2 revisions\) in \d+\.\d s\.$/);
    expect(await ws.versionRows()).toEqual(['7c1e9a04d2b6']);
    await envRow(driver, 'database · 7c1e9a04d2b6 · up to date');
    await step('upgraded');

    await driver.clearNotifications();
    await driver.rowMenu('alembic.ini', 'Downgrade to Base');
    const dialog = await driver.dialogText();
    expect(dialog.message).toMatch(/^Downgrade postgresql\+asyncpg:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/e2e_seed004_\S+ to base\? This reverts 2 revisions\.$/);
    expect(dialog.detail).toContain('Every revision is reverted');
    await step('confirm-reset');
    await driver.dialogButton('Downgrade');
    await driver.answer(seed.databaseName, /This reverts every revision of/);
    expect(await driver.notification(/^Downgraded /, 120_000)).toMatch(/ to base \(nothing applied\) \(2 revisions\) in \d+\.\d s\.$/);
    expect(await ws.versionRows()).toEqual([]);
    expect(await ws.tables()).toEqual(['alembic_version']);
    await envRow(driver, 'database · empty · 2 pending');
    await step('reset');
    // The team's .env holds the password by their choice; everything else must not.
    assertNoSecret(f, scan, [seed.file('backend/.env')]);
  },
  {
    workspace: (settings) =>
      seedWorkspace({
        seed: '004-rag-chat',
        adminUrl: secured.url,
        python: inject('alembicPython'),
        venvAt: 'backend',
        versions: 'backend/alembic/versions',
        settings,
        files: (url) => ({ 'backend/.env': `DATABASE_URL=${withDriver(url, 'asyncpg')}\n` }),
      }),
  },
);
