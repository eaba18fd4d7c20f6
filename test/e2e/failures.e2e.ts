import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { startPostgres, withClient, type PostgresHandle } from '../helpers/postgres';
import { until } from './driver';
import { flow } from './harness';
import { watchExtensionProcesses } from './host/extensionProcesses';
import { recordMetric } from './results';
import { FILES } from './sample';

/**
 * Flows 8 and 9 of issue 7: the database goes down and comes back, and a workspace the user
 * does not trust. The first has a PostgreSQL server of its own, so stopping it touches no other test.
 */

let own: PostgresHandle | undefined;

const PASSWORD = 'e2e-secret';

beforeAll(async () => {
  // This server wants a password (scram-sha-256), so the flow also sees it asked for.
  own = await startPostgres({ password: PASSWORD });
});

afterAll(async () => {
  await own?.stop();
});

flow(
  'database-down',
  'a password is asked for once the server rejects the login; the view explains an unreachable database, and recovers on Refresh',
  async ({ driver, ws, step, extensionLog }) => {
    // The URL in the settings has no password, so the server's rejection (28P01) brings the prompt.
    expect(JSON.stringify(ws.settings())).not.toContain(PASSWORD);
    await driver.answer(PASSWORD, /Password for postgresql:\/\/postgres@127\.0\.0\.1/);
    await driver.openRevisionsView();
    await driver.widenSidebar();
    await until('the database state', async () => ((await driver.rowDescription('alembic.ini')).includes('9 pending') ? true : undefined));
    await own!.pause();
    await driver.rowAction('alembic.ini', 'Refresh');
    await until('unreachable in the view', async () => ((await driver.rowDescription('alembic.ini')) === 'dev · unreachable' ? true : undefined));
    const message = await until('the view message', async () => {
      const text = await driver.viewMessage();
      return text.includes('unreachable') ? text : undefined;
    });
    expect(message).toMatch(/^The database dev is unreachable: .*(refused|ECONNREFUSED|not accept|connect)/i);
    expect(message).not.toContain('postgres:'); // the URL is shown without a password (it has none, but never a user:password pair)
    expect(await driver.statusBarText()).toBe('dev: unreachable');
    // Nothing crashed: the revisions are still listed (state unknown) and the server still answers.
    const rows = await until('the revisions, redrawn without states', async () => {
      const texts = await driver.treeTexts();
      return texts.length === 10 && texts.slice(1).every((r) => !/ · (pending|applied|current)\b/.test(r.description)) ? texts : undefined;
    });
    expect(rows).toHaveLength(10);
    await step('unreachable');
    await own!.resume();
    await driver.rowAction('alembic.ini', 'Refresh');
    await until('the view to recover', async () => ((await driver.rowDescription('alembic.ini')) === 'dev · empty · 9 pending' ? true : undefined));
    expect(await driver.viewMessage()).toBe('');
    expect(await ws.versionRows()).toEqual([]);
    expect(extensionLog()).not.toMatch(/language server (stopped|failed)|crash/i);
    // The password went to secret storage, never to settings or the log.
    expect(JSON.stringify(ws.settings())).not.toContain(PASSWORD);
    expect(extensionLog()).not.toContain(PASSWORD);
    await step('recovered');
  },
  { adminUrl: () => own!.url },
);

/** The flow database's sessions so far, from the server's statistics (read from another database). */
async function sessionsOf(databaseUrl: string): Promise<{ sessions: number; live: number }> {
  const name = new URL(databaseUrl).pathname.slice(1);
  return withClient(inject('databaseUrl'), async (c) => {
    await c.query('SELECT pg_stat_clear_snapshot()');
    const row = (await c.query<{ sessions: string; numbackends: number }>('SELECT sessions, numbackends FROM pg_stat_database WHERE datname = $1', [name])).rows[0];
    return { sessions: Number(row?.sessions ?? 0), live: row?.numbackends ?? 0 };
  });
}

/**
 * Sessions on the flow's database while the flow runs: pg_stat_database's count of sessions
 * (which our own reads below do not touch, as they connect to another database) and every
 * application name pg_stat_activity shows for it, sampled.
 */
function watchSessions(databaseUrl: string): { stop(): Promise<{ sessions: number; applicationNames: string[]; samples: number }> } {
  const name = new URL(databaseUrl).pathname.slice(1);
  const names = new Set<string>();
  let samples = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void withClient(inject('databaseUrl'), async (c) => {
      const rows = (await c.query<{ application_name: string }>('SELECT application_name FROM pg_stat_activity WHERE datname = $1', [name])).rows;
      for (const r of rows) names.add(r.application_name);
      samples++;
    })
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, 200);
  return {
    async stop() {
      clearInterval(timer);
      const { sessions } = await sessionsOf(databaseUrl);
      return { sessions, applicationNames: [...names], samples };
    },
  };
}

/** Processes running Alembic on this folder (through any wrapper), from /proc. */
function alembicProcesses(folder: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (/\balembic\b/.test(cmdline) && cmdline.includes(folder)) found.push(`${pid}: ${cmdline}`);
  }
  return found;
}

flow(
  'untrusted',
  'in Restricted Mode lint works, nothing runs Alembic or connects, and trusting brings both back',
  async ({ driver, page, ws, step, extensionLog }) => {
    // Every process of ours and every session on the flow's database, from the first moment.
    const processes = watchExtensionProcesses(path.join(inject('e2eHost').extensionsDir, 'alembic-pilot.alembic-pilot-'), ws.folder);
    const sessions = watchSessions(ws.databaseUrl);
    // Workspace trust is enforced for this workbench, so VS Code asks first.
    const trust = driver.dialog();
    await trust.waitFor({ state: 'visible', timeout: 90_000 });
    expect((await driver.dialogText()).message).toMatch(/trust the authors/i);
    await step('trust-prompt');
    await driver.dialogButton("No, I don't trust the authors");

    await driver.quickOpen(FILES['41f7c2d9e8b3']!);
    await driver.openProblems();
    await until('the lint finding', async () => ((await driver.problems('non-idempotent-ddl')).some((p) => p.includes('non-idempotent-ddl')) ? true : undefined), 60_000);
    await driver.openRevisionsView();
    await driver.widenSidebar();
    await until('Restricted Mode in the view', async () => ((await driver.rowDescription('alembic.ini')) === 'Restricted Mode' ? true : undefined));
    expect(await driver.viewMessage()).toMatch(/^Restricted Mode: the database is not read and nothing runs Alembic/);
    await driver.treeRow('alembic.ini').hover();
    const actions = await driver.treeRow('alembic.ini').locator('a.action-label').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    expect(actions).not.toContain('Upgrade to Head(s)');
    expect(await page.locator('.codelens-decoration a', { hasText: 'Upgrade database to' }).count()).toBe(0);
    await step('restricted');
    // A moment for anything the view or a refresh might start, then the counts.
    await driver.rowAction('alembic.ini', 'Refresh');
    await new Promise((r) => setTimeout(r, 3_000));
    const seen = processes.stop();
    const contacted = await sessions.stop();
    expect(seen.languageServers).toHaveLength(1);
    expect(seen.others).toEqual([]);
    expect({ sessions: contacted.sessions, applicationNames: contacted.applicationNames }).toEqual({ sessions: 0, applicationNames: [] });
    expect(contacted.samples).toBeGreaterThan(5);
    expect(await sessionsOf(ws.databaseUrl)).toEqual({ sessions: 0, live: 0 });
    expect(alembicProcesses(ws.folder)).toEqual([]);
    expect(extensionLog()).not.toMatch(/Alembic for |Running (upgrade|downgrade|current)/);
    recordMetric('untrusted', JSON.stringify({ processSamples: seen.samples, languageServers: seen.languageServers.length, otherProcesses: seen.others.length, databaseSessions: contacted.sessions, activitySamples: contacted.samples }));

    // Trusting the folder restarts the client with the CodeLens commands, and the state is read.
    await driver.runCommand('Workspaces: Manage Workspace Trust');
    const trustButton = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first();
    await trustButton.waitFor({ state: 'visible', timeout: 20_000 });
    await trustButton.click();
    await driver.quickOpen(FILES['41f7c2d9e8b3']!);
    await page.locator('.codelens-decoration a', { hasText: 'Upgrade database to 41f7c2d9e8b3' }).first().waitFor({ state: 'visible', timeout: 60_000 });
    await until('the database state', async () => ((await driver.rowDescription('alembic.ini')).includes('9 pending') ? true : undefined), 60_000);
    expect((await sessionsOf(ws.databaseUrl)).live).toBeGreaterThan(0);
    await step('trusted');
    // The counting's positive control: trusted, an upgrade's Alembic process is seen by the same watcher.
    const trustedProcesses = watchExtensionProcesses(path.join(inject('e2eHost').extensionsDir, 'alembic-pilot.alembic-pilot-'), ws.folder);
    // The trust editor may stay open as a modal over the view; it closes on Escape.
    const modal = page.locator('.monaco-modal-editor-block');
    await until('the trust editor to close', async () => {
      if (!(await modal.isVisible())) return true;
      await page.keyboard.press('Escape');
      return undefined;
    });
    await driver.rowAction('alembic.ini', 'Upgrade to Head(s)');
    await driver.dialogText();
    await driver.dialogButton('Upgrade');
    await driver.notification(/^Upgraded dev to /, 120_000);
    expect(trustedProcesses.stop().others.some((c) => /-m alembic .*upgrade/.test(c))).toBe(true);
  },
  // VS Code asks once per folder by default; a fresh user-data-dir would ask, but make it explicit.
  { trusted: false, userSettings: { 'security.workspace.trust.startupPrompt': 'always' } },
);

flow(
  'no-alembic',
  'a Python project without Alembic shows nothing: no view, no status bar item, an idle server',
  async ({ driver, page, step, extensionLog }) => {
    // The extension activates on pyproject.toml, and the server finds no environment there.
    await until('the client to have asked', () => (/No Alembic environment: the Revisions view stays hidden/.test(extensionLog()) ? true : undefined), 90_000);
    expect(extensionLog()).toMatch(/found 0 environment\(s\)/);
    await driver.openProblems();
    expect(await page.locator('.part.activitybar [aria-label^="Alembic"]').count()).toBe(0);
    expect(await page.locator('[id="alembic-pilot.alembic-pilot.alembicPilot.status"]').isVisible()).toBe(false);
    expect(await driver.problems()).toEqual([]);
    expect(extensionLog()).not.toMatch(/Alembic for |Reading the state/);
    await step('nothing');
  },
  {
    database: false,
    prepare: async (ws) => {
      await fs.rm(path.join(ws.folder, 'alembic'), { recursive: true });
      await fs.rm(path.join(ws.folder, 'alembic.ini'));
      await fs.writeFile(path.join(ws.folder, 'pyproject.toml'), '[project]\nname = "plain-python"\nversion = "0.1.0"\n');
      await fs.writeFile(path.join(ws.folder, 'app.py'), 'def main() -> None:\n    print("hello")\n');
    },
  },
);
