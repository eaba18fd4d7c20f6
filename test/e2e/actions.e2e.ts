import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { prepareActions, REFRESH_SECONDS, revisionFile, runSessions, userRelations, versionRowsOf, makoBeyondSubset, type ActionsDatabases } from './actionsWorkspace';
import { until, type Driver } from './driver';
import type { FlowContext } from './harness';
import { recordMetric } from './results';
import { HEADS, MESSAGES, alembic } from './sample';
import { session } from './session';

/**
 * What a user clicks beyond the nine flows of issue 7, in one workbench: the status bar item,
 * Copy Revision Id, Select Database, a database migrated by someone else, Cancel on a running
 * upgrade, a failing migration's "Show Log", Downgrade to Base on a production database, and
 * New Revision through Alembic (Autogenerate, and a template beyond our Mako subset). Each flow
 * is checked on screen and in the database or on disk.
 */

const dbs: Partial<ActionsDatabases> = {};
const s = session('actions', { database: false, prepare: (ws) => prepareActions(ws, dbs) });

const HEADS_TEXT = 'ab93e5d7c162, e6a3f8c1b920';

/** The state word of a revision's row (current, applied, pending). */
async function stateOf(driver: Driver, id: string): Promise<string | undefined> {
  return (await driver.revisionDescription(id)).split(' · ')[1];
}

/** Waits for the environment row to read exactly `description`. */
function rootReads(driver: Driver, description: string, timeoutMs = 30_000): Promise<true> {
  return until(`the view to read "${description}"`, async () => ((await driver.rowDescription('alembic.ini')) === description ? true : undefined), timeoutMs);
}

/** Moves dev with real Alembic (as a teammate would) and lets the view catch up through Refresh. */
async function devAt(f: FlowContext, target: string, description: string): Promise<void> {
  await alembic(f.ws.folder, dbs.dev!, 'upgrade', target);
  await f.driver.openRevisionsView();
  await f.driver.rowAction('alembic.ini', 'Refresh');
  await rootReads(f.driver, description);
}

s.flow('status-bar', 'clicking the status bar item opens and focuses the Revisions view', async ({ driver, page, step }) => {
  // The workbench opens on the Explorer; the status bar item shows the active database's state.
  const item = driver.statusBarItem();
  await until('the status bar state', async () => ((await driver.statusBarText()) === 'dev: 002 · 7 pending' ? true : undefined), 90_000);
  expect(await driver.sidebarTitle()).not.toMatch(/Alembic/);
  expect(await versionRowsOf(dbs.dev!)).toEqual(['002']);
  await step('before');
  await item.click();
  await until('the Alembic container', async () => ((await driver.sidebarTitle()).match(/Alembic/) ? true : undefined));
  await driver.treeRow('alembic.ini').waitFor({ state: 'visible', timeout: 30_000 });
  // Focus is in the Revisions tree, so the keyboard drives it at once.
  // (A string, because the test's TypeScript has no DOM types.)
  const focused = (): Promise<string> =>
    page.evaluate<string>("(() => { const e = document.activeElement; return e ? `${e.tagName}.${e.className} in ${e.closest('.pane')?.querySelector('.pane-header')?.getAttribute('aria-label') ?? e.closest('.part')?.className ?? '?'}` : 'none'; })()");
  const inView = async (): Promise<true> => {
    const where = await focused();
    if (/in Revisions/.test(where)) return true;
    throw new Error(`focus is on ${where}`);
  };
  await until('focus in the Revisions view', inView);
  await driver.widenSidebar();
  await rootReads(driver, 'dev · 002 · 7 pending');
  await step('focused');
  // Again once the view exists: from the Explorer, with the keyboard in its tree.
  await page.locator('.part.activitybar [aria-label^="Explorer"]').first().click();
  await until('the Explorer', async () => ((await driver.sidebarTitle()).match(/Explorer/) ? true : undefined));
  await item.click();
  await until('focus back in the Revisions view', inView);
});

s.flow('copy-revision-id', 'Copy Revision Id puts the full id on the clipboard', async ({ driver, page, step }) => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(page.url()).origin });
  await driver.openRevisionsView();
  await driver.rowMenu(MESSAGES['5e1d9a0c7b24']!, 'Copy Revision Id');
  await until('the status bar message', async () => ((await page.locator('.part.statusbar', { hasText: 'Copied 5e1d9a0c7b24' }).count()) > 0 ? true : undefined));
  await step('copied');
  // Paste it where a user would: a new untitled editor.
  await driver.runCommand('File: New Untitled Text File');
  await until('an untitled editor', async () => ((await driver.activeTab()).startsWith('Untitled-') ? true : undefined));
  // The new editor has the keyboard.
  await until('the editor to have focus', () => page.evaluate<boolean>("Boolean(document.activeElement?.closest('.editor-group-container.active .monaco-editor'))").then((f) => (f ? true : undefined)));
  await page.keyboard.press('Control+V');
  const pasted = await until('the pasted id', async () => {
    const text = ((await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().innerText()) ?? '').replace(/\u00a0/g, ' ').trim();
    return text === '' ? undefined : text;
  });
  expect(pasted).toBe('5e1d9a0c7b24');
  expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe('5e1d9a0c7b24');
  await step('pasted');
  // Emptied, an untitled editor closes without asking to save.
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  const tab = page.locator('.tabs-container .tab', { hasText: 'Untitled-' });
  await tab.hover();
  await tab.locator('.tab-actions .action-label').first().click();
  await until('the untitled editor to close', async () => ((await tab.count()) === 0 ? true : undefined), 10_000);
});

s.flow('select-database', 'Select Database switches the view and the status bar to the chosen database', async ({ driver, step }) => {
  await driver.openRevisionsView();
  await driver.widenSidebar();
  await rootReads(driver, 'dev · 002 · 7 pending');
  await driver.rowMenu('alembic.ini', 'Select Database…');
  const picker = await driver.quickInput(/Database for alembic\.ini/);
  const entries = (await picker.locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  expect(entries[0]).toMatch(/^dev ?postgresql:.*· active$/);
  expect(entries[1]).toMatch(/^staging ?postgresql:/);
  expect(entries[2]).toMatch(/^prod ?postgresql:.*· production$/);
  await step('picker');
  await driver.pick(/^staging/);
  await rootReads(driver, `staging · ${HEADS_TEXT} · up to date`);
  expect(await until('the status bar', async () => ((await driver.statusBarText()).startsWith('staging:') ? driver.statusBarText() : undefined))).toBe(`staging: ${HEADS_TEXT} · 0 pending`);
  expect(await stateOf(driver, 'ab93e5d7c162')).toBe('current');
  expect(await stateOf(driver, '41f7c2d9e8b3')).toBe('applied');
  expect(await versionRowsOf(dbs.staging!)).toEqual(HEADS);
  expect(await versionRowsOf(dbs.dev!)).toEqual(['002']);
  await step('staging');
  await driver.rowMenu('alembic.ini', 'Select Database…');
  await driver.pick(/^dev/, /Database for alembic\.ini/);
  await rootReads(driver, 'dev · 002 · 7 pending');
  expect(await until('the status bar', async () => ((await driver.statusBarText()).startsWith('dev:') ? driver.statusBarText() : undefined))).toBe('dev: 002 · 7 pending');
  expect(await stateOf(driver, '41f7c2d9e8b3')).toBe('pending');
  await step('dev');
});

s.flow('external-change', 'a database migrated outside the editor shows in the view by itself: polling, the window regaining focus, the view shown again', async ({ driver, page, ws, step, extensionLog }) => {
  await driver.openRevisionsView();
  await rootReads(driver, 'dev · 002 · 7 pending');
  await step('before');
  // Another process (a service starting up, a teammate) upgrades dev with the real Alembic.
  await alembic(ws.folder, dbs.dev!, 'upgrade', 'heads');
  const migratedAt = Date.now();
  expect(await versionRowsOf(dbs.dev!)).toEqual(HEADS);
  // Nobody touches the workbench: the view's own polling (every REFRESH_SECONDS) must notice.
  await rootReads(driver, `dev · ${HEADS_TEXT} · up to date`, (REFRESH_SECONDS + 20) * 1000);
  recordMetric('externalChangeSeenAfterMs', Date.now() - migratedAt);
  expect(await driver.statusBarText()).toBe(`dev: ${HEADS_TEXT} · 0 pending`);
  await step('polled');

  // With polling off, the view reads the database again when the window regains focus...
  const settingsFile = path.join(ws.folder, '.vscode', 'settings.json');
  writeFileSync(settingsFile, JSON.stringify({ ...ws.settings(), 'alembicPilot.refreshIntervalSeconds': 0 }, null, 2));
  await until('polling to stop', () => (/Polling the database state: off/.test(extensionLog()) ? true : undefined));
  // Playwright makes every page look focused; without that, another page in front takes the focus away.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
  const other = await page.context().newPage();
  try {
    await other.bringToFront();
    await until('the workbench to lose focus', async () => ((await page.evaluate<boolean>('document.hasFocus()')) ? undefined : true));
    await alembic(ws.folder, dbs.dev!, 'downgrade', 'ab93e5d7c162@-1');
    expect(await versionRowsOf(dbs.dev!)).toEqual(['41f7c2d9e8b3', 'e6a3f8c1b920']);
    await page.bringToFront();
    await until('the workbench to regain focus', () => page.evaluate<boolean>('document.hasFocus()').then((f) => (f ? true : undefined)));
    await rootReads(driver, 'dev · 41f7c2d9e8b3, e6a3f8c1b920 · 1 pending');
    expect(await stateOf(driver, 'ab93e5d7c162')).toBe('pending');
    await step('focused');
  } finally {
    await other.close();
    await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true }).catch(() => undefined);
    await cdp.detach().catch(() => undefined);
  }

  // ...and when the view becomes visible again.
  await page.locator('.part.activitybar [aria-label^="Explorer"]').first().click();
  await until('the Explorer', async () => ((await driver.sidebarTitle()).match(/Explorer/) ? true : undefined));
  await alembic(ws.folder, dbs.dev!, 'upgrade', 'heads');
  expect(await versionRowsOf(dbs.dev!)).toEqual(HEADS);
  await driver.openRevisionsView();
  await rootReads(driver, `dev · ${HEADS_TEXT} · up to date`);
  expect(await stateOf(driver, 'ab93e5d7c162')).toBe('current');
  await step('shown-again');
  writeFileSync(settingsFile, JSON.stringify({ ...ws.settings(), 'alembicPilot.refreshIntervalSeconds': REFRESH_SECONDS }, null, 2));
  await until('polling again', () => (new RegExp(`Polling the database state: every ${REFRESH_SECONDS} s`).test(extensionLog().split('Polling the database state: off').at(-1)!) ? true : undefined));
});

const SLOW = revisionFile('5100d0000001', 'ab93e5d7c162', 'slow e2e migration', 'cancel_probe', 'SELECT pg_sleep(60)');

s.flow('cancel', 'Cancel stops a running upgrade: the version table stays, no statement of ours keeps running, the view tells the truth', async (f) => {
  const { driver, page, ws, step } = f;
  await devAt(f, 'heads', `dev · ${HEADS_TEXT} · up to date`);
  writeFileSync(path.join(ws.versions, SLOW.name), SLOW.text);
  try {
    await until('the slow revision in the view', async () => ((await driver.revisionDescription('5100d0000001')).startsWith('5100d0000001 · pending · head') ? true : undefined));
    await driver.rowAction('slow e2e migration', 'Upgrade to Here');
    // Alembic is inside pg_sleep(60) on a session named after our run.
    const running = await until('pg_sleep in a session of our run', async () => (await runSessions(dbs.dev!)).find((r) => /pg_sleep\(60\)/.test(r.query) && r.state === 'active'), 90_000);
    const toast = await driver.toast(/Upgrading dev to 5100d0000001/);
    await step('running');
    const clickedAt = Date.now();
    await toast.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
    const message = await driver.notification(/^Cancelled upgrade to 5100d0000001/, 60_000);
    recordMetric('cancelToReportMs', Date.now() - clickedAt);
    expect(message).toMatch(new RegExp(`^Cancelled upgrade to 5100d0000001 after \\d+\\.\\d s\\. dev is at ${HEADS_TEXT}\\.$`));
    // No session of the run is left on the server: its statement was cancelled, not left holding its locks.
    await until('the run\'s sessions to end', async () => ((await runSessions(dbs.dev!)).length === 0 ? true : undefined), 15_000);
    expect(running.query).toContain('pg_sleep(60)');
    // The version table did not move, and the table created before the sleep was rolled back.
    expect(await versionRowsOf(dbs.dev!)).toEqual(HEADS);
    expect(await userRelations(dbs.dev!)).not.toContain('public.cancel_probe');
    await until('the view to tell the truth', async () =>
      (await stateOf(driver, '5100d0000001')) === 'pending' && (await stateOf(driver, 'ab93e5d7c162')) === 'current' && (await driver.rowDescription('alembic.ini')) === `dev · ${HEADS_TEXT} · 1 pending` ? true : undefined,
    );
    expect(await page.locator('.notifications-toasts .notification-toast', { hasText: /Upgrading dev/ }).count()).toBe(0);
    await step('cancelled');
  } finally {
    rmSync(path.join(ws.versions, SLOW.name), { force: true });
  }
  await until('the slow revision to leave the view', async () => ((await driver.revisionDescription('5100d0000001')) === '' ? true : undefined));
});

const FAILING = revisionFile('fa11ed000001', 'ab93e5d7c162', 'failing e2e migration', 'half_done', 'SELECT * FROM no_such_table_e2e');

s.flow('failure-log', 'a failing migration reports Alembic\'s error, and Show Log opens the output channel with it', async (f) => {
  const { driver, page, ws, step } = f;
  await devAt(f, 'heads', `dev · ${HEADS_TEXT} · up to date`);
  writeFileSync(path.join(ws.versions, FAILING.name), FAILING.text);
  try {
    await until('the failing revision in the view', async () => ((await driver.revisionDescription('fa11ed000001')).startsWith('fa11ed000001 · pending') ? true : undefined));
    await driver.rowAction('failing e2e migration', 'Upgrade to Here');
    const error = await driver.notification(/^Alembic failed on alembic\.ini/, 120_000);
    // Alembic's own error, as its traceback ends: the exception with the database's message, then
    // the statement that failed.
    expect(error).toMatch(/^Alembic failed on alembic\.ini: sqlalchemy\.exc\.ProgrammingError: \(psycopg2?\.errors\.UndefinedTable\) relation "no_such_table_e2e" does not exist \[SQL: SELECT \* FROM no_such_table_e2e\]$/);
    await step('error');
    await driver.notificationButton(/^Alembic failed on alembic\.ini/, 'Show Log');
    // The Output panel shows our channel, with Alembic's own error and traceback in it.
    const output = page.locator('.part.panel .output-view, .part.panel [id="workbench.panel.output"]').first();
    await output.waitFor({ state: 'visible', timeout: 20_000 });
    await until('the Alembic Pilot channel', async () => {
      const select = page.locator('.part.panel select.monaco-select-box').first();
      const channel = await select.evaluate((e) => e.getAttribute('title') ?? '').catch(() => '');
      const chosen = await select.locator('option:checked').textContent().catch(() => '');
      return /Alembic Pilot/.test(`${channel} ${chosen ?? ''}`) ? true : undefined;
    });
    const text = await until('the error in the output', async () => {
      const t = (await page.locator('.part.panel .monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
      return /no_such_table_e2e/.test(t) ? t : undefined;
    });
    expect(text).toMatch(/UndefinedTable|does not exist/);
    await step('log');
    expect(await versionRowsOf(dbs.dev!)).toEqual(HEADS);
    expect(await userRelations(dbs.dev!)).not.toContain('public.half_done');
    await until('the view to tell the truth', async () => ((await stateOf(driver, 'fa11ed000001')) === 'pending' && (await stateOf(driver, 'ab93e5d7c162')) === 'current' ? true : undefined));
    // Ctrl+J closes the panel again.
    await page.keyboard.press('Control+J');
    await output.waitFor({ state: 'hidden', timeout: 10_000 });
  } finally {
    rmSync(path.join(ws.versions, FAILING.name), { force: true });
  }
  await until('the failing revision to leave the view', async () => ((await driver.revisionDescription('fa11ed000001')) === '' ? true : undefined));
});

s.flow('production-downgrade', 'Downgrade to Base on a production database asks for its name; a wrong name does nothing, the right one empties it', async ({ driver, page, step, extensionLog }) => {
  await driver.openRevisionsView();
  await driver.widenSidebar();
  await driver.rowMenu('alembic.ini', 'Select Database…');
  await driver.pick(/^prod/, /Database for alembic\.ini/);
  await rootReads(driver, `prod · ${HEADS_TEXT} · up to date`);
  const before = await userRelations(dbs.prod!);
  expect(before).toEqual(expect.arrayContaining(['public.kraken_conversations', 'public.kraken_feedback', 'public.kraken_turns']));
  await driver.rowMenu('alembic.ini', 'Downgrade to Base');
  const dialog = await driver.dialogText();
  expect(dialog.message).toBe('Downgrade prod to base? This reverts 9 revisions.');
  expect(dialog.detail).toContain('prod is marked as production.');
  await driver.dialogButton('Downgrade');
  const input = (await driver.quickInput(/prod is a production database/)).locator('input');
  await input.fill('dev');
  await page.keyboard.press('Enter');
  // A wrong name is refused where it is typed, and nothing runs.
  await page.locator('.quick-input-widget .quick-input-message', { hasText: 'Type prod exactly.' }).waitFor({ state: 'visible', timeout: 10_000 });
  expect(await driver.quickInputVisible()).toBe(true);
  expect(await versionRowsOf(dbs.prod!)).toEqual(HEADS);
  expect(extensionLog()).not.toMatch(/Running downgrade to base/);
  await step('wrong-name');
  await input.fill('prod');
  await page.keyboard.press('Enter');
  const done = await driver.notification(/^Downgraded prod to /, 120_000);
  expect(done).toMatch(/^Downgraded prod to base \(nothing applied\) \(9 revisions\) in \d+\.\d s\.$/);
  expect(await versionRowsOf(dbs.prod!)).toEqual([]);
  // Nothing of the sample is left: only Alembic's (empty) version table.
  expect(await userRelations(dbs.prod!)).toEqual(['public.alembic_version']);
  await rootReads(driver, 'prod · empty · 9 pending');
  expect(await stateOf(driver, '001')).toBe('pending');
  await step('done');
  // dev is untouched, and becomes the active database again.
  expect(await versionRowsOf(dbs.dev!)).toEqual(HEADS);
  await driver.rowMenu('alembic.ini', 'Select Database…');
  await driver.pick(/^dev/, /Database for alembic\.ini/);
  await rootReads(driver, `dev · ${HEADS_TEXT} · up to date`);
});

const newFiles = (versions: string, before: readonly string[]): string[] => readdirSync(versions).filter((f) => f.endsWith('.py') && !before.includes(f));

/** Runs New Revision from the palette on `parent` with the chosen way of creating it; returns the new file. */
async function newRevision(f: FlowContext, message: string, parent: string, how: string | RegExp): Promise<{ file: string; id: string; text: string }> {
  const { driver, ws } = f;
  const before = readdirSync(ws.versions);
  await driver.runCommand('Alembic: New Revision');
  await driver.answer(message, /New Revision \(message\)/);
  await driver.pick(parent, /New Revision \(parent\)/);
  await driver.pick(how, /New Revision/);
  const [file] = await until('the new file', () => {
    const found = newFiles(ws.versions, before);
    return found.length > 0 ? found : undefined;
  }, 120_000);
  const id = /^\d{4}_\d{2}_\d{2}_\d{4}-([0-9a-f]{12})_/.exec(file!)?.[1];
  expect(id, file).toBeDefined();
  // Alembic writes the file; it opens once the run has finished.
  await until('the new file in the editor', async () => ((await driver.activeTab()) === file ? true : undefined), 60_000);
  return { file: file!, id: id!, text: readFileSync(path.join(ws.versions, file!), 'utf8') };
}

/** The cursor sits inside `def upgrade()` of the file's text (once the status bar shows the new editor's cursor). */
async function cursorInUpgrade(driver: Driver, text: string): Promise<void> {
  const lines = text.split('\n');
  const enclosing = await until('the cursor in a function', async () => {
    const at = await driver.cursorPosition();
    return at ? lines.slice(0, at.line - 1).reverse().find((l) => l.startsWith('def ')) : undefined;
  });
  expect(enclosing).toMatch(/^def upgrade\(/);
}

let autogenerated = '';

s.flow('autogenerate', 'New Revision with Autogenerate runs alembic revision --autogenerate and opens its file', async (f) => {
  const { driver, ws, step } = f;
  await devAt(f, 'heads', `dev · ${HEADS_TEXT} · up to date`);
  const created = await newRevision(f, 'add e2e orders', 'ab93e5d7c162', /Autogenerate/);
  expect(created.file).toMatch(/^\d{4}_\d{2}_\d{2}_\d{4}-[0-9a-f]{12}_add_e2e_orders\.py$/);
  // What autogenerate found: the models' table, and nothing about the tables they do not describe.
  expect(created.text).toMatch(/op\.create_table\(\s*['"]e2e_orders['"]/);
  expect(created.text).toMatch(/op\.drop_table\(\s*['"]e2e_orders['"]/);
  expect(created.text).not.toMatch(/kraken_/);
  expect(created.text).toContain(`down_revision: Union[str, Sequence[str], None] = 'ab93e5d7c162'`);
  await cursorInUpgrade(driver, created.text);
  await until('the new head in the view', async () => ((await driver.revisionDescription(created.id)).startsWith(`${created.id} · pending · head`) ? true : undefined));
  await step('created');
  expect(await alembic(ws.folder, dbs.dev!, 'heads')).toContain(`${created.id} (head)`);
  // Autogenerate only compared: the database is where it was.
  expect(await versionRowsOf(dbs.dev!)).toEqual(HEADS);
  autogenerated = created.id;
});

s.flow('mako-fallback', 'a script.py.mako beyond the Mako subset falls back to alembic revision, and the file opens', async (f) => {
  const { driver, ws, step, extensionLog } = f;
  expect(autogenerated, 'the autogenerate flow made the head this one builds on').not.toBe('');
  const template = path.join(ws.folder, 'alembic', 'script.py.mako');
  writeFileSync(template, makoBeyondSubset(readFileSync(template, 'utf8')));
  await driver.openRevisionsView();
  const created = await newRevision(f, 'after the template change', autogenerated, 'Empty revision');
  expect(extensionLog()).toMatch(/New revision through Alembic: (line \d+: )?this template uses the module-level statement 'import datetime'/);
  // Mako itself rendered the module-level import.
  expect(created.text).toContain(`# Template year: ${new Date().getFullYear()}`);
  expect(created.text).toContain(`down_revision: Union[str, Sequence[str], None] = '${autogenerated}'`);
  await cursorInUpgrade(driver, created.text);
  await until('the new head in the view', async () => ((await driver.revisionDescription(created.id)).startsWith(`${created.id} · pending · head`) ? true : undefined));
  await step('created');
  const heads = await alembic(ws.folder, dbs.dev!, 'heads');
  expect(heads).toContain(`${created.id} (head)`);
  expect(heads).not.toContain(`${autogenerated} (head)`);
});
