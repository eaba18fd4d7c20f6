import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, inject } from 'vitest';
import { until } from './driver';
import { flow } from './harness';
import { HEADS, MESSAGES } from './sample';

/**
 * Which program runs Alembic when nothing is configured. The Python extension cannot be
 * installed on these machines (it comes from the Marketplace, which is unreachable), so its
 * selected-interpreter route is not driven here; what is driven is what a user without it meets:
 * no Alembic anywhere gives an error with "Select Interpreter", which explains how to get one;
 * then `alembic` on PATH runs, and a `.venv` beside alembic.ini wins over PATH.
 */

/** An empty folder on the workbench's PATH, where the flow later puts an `alembic` program. */
const pathBin = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-e2e-path-'));
const venv = path.dirname(path.dirname(inject('alembicPython')));

/** PATH without any folder that holds an `alembic` program, so that only pathBin can offer one. */
function pathWithoutAlembic(): string {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir !== '' && !existsSync(path.join(dir, 'alembic')))
    .join(path.delimiter);
}

afterAll(() => {
  rmSync(pathBin, { recursive: true, force: true });
});

flow(
  'interpreter',
  'without Alembic a run says so and offers Select Interpreter; then alembic on PATH runs, and a .venv wins over PATH',
  async ({ driver, ws, step, extensionLog }) => {
    await driver.openRevisionsView();
    await driver.widenSidebar();
    await until('the database state', async () => ((await driver.rowDescription('alembic.ini')) === 'dev · empty · 9 pending' ? true : undefined), 60_000);

    // Nothing can run Alembic: no setting, no Python extension, no .venv, nothing on PATH.
    await driver.rowAction(MESSAGES['001']!, 'Upgrade to Here');
    const error = await driver.notification(/^No Alembic found to run/);
    expect(error).toMatch(/Looked at: alembic on PATH\. Select a Python interpreter that has alembic installed, create a \.venv beside the config, or set alembicPilot\.alembicCommand/);
    const toast = await driver.toast(/^No Alembic found to run/);
    expect(await toast.locator('.monaco-button').allInnerTexts()).toEqual(expect.arrayContaining(['Select Interpreter', 'Open Settings']));
    await step('not-found');
    expect(await ws.versionRows()).toEqual([]);
    await toast.locator('.monaco-button', { hasText: 'Select Interpreter' }).click();
    // Without the Python extension, Select Interpreter says what to do instead.
    await driver.notification(/^Selecting an interpreter needs the Python extension\. Without it, set alembicPilot\.alembicCommand/);
    await step('select-interpreter');
    await driver.notificationButton(/^Selecting an interpreter needs the Python extension/, 'Open Settings');
    await driver.page.locator('.settings-editor .setting-item-contents', { hasText: 'Alembic Command' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await step('settings');
    // The settings editor opens over the workbench; Escape closes it.
    await driver.page.keyboard.press('Escape');
    await driver.page.locator('.settings-editor').first().waitFor({ state: 'hidden', timeout: 10_000 });
    await driver.clearNotifications();

    // `alembic` appears on PATH (as after `pipx install alembic`): the next run uses it.
    symlinkSync(path.join(venv, 'bin', 'alembic'), path.join(pathBin, 'alembic'));
    await driver.openRevisionsView();
    await driver.rowAction(MESSAGES['001']!, 'Upgrade to Here');
    await driver.notification(/^Upgraded dev to 001 \(1 revision\)/, 120_000);
    expect(extensionLog()).toContain(`Alembic for alembic.ini: ${path.join(pathBin, 'alembic')} on PATH`);
    expect(await ws.versionRows()).toEqual(['001']);
    await until('001 current', async () => ((await driver.revisionDescription('001')).startsWith('001 · current') ? true : undefined));
    await step('path');

    // A .venv beside alembic.ini comes before PATH.
    symlinkSync(venv, path.join(ws.folder, '.venv'));
    await driver.rowAction('alembic.ini', 'Upgrade to Head(s)');
    await driver.dialogButton('Upgrade');
    await driver.notification(/^Upgraded dev to ab93e5d7c162, e6a3f8c1b920 \(8 revisions\)/, 120_000);
    expect(extensionLog()).toContain(`Alembic for alembic.ini: the virtual environment ${path.join(ws.folder, '.venv')}`);
    expect(await ws.versionRows()).toEqual(HEADS);
    await until('0 pending', async () => ((await driver.statusBarText()).endsWith('0 pending') ? true : undefined));
    await until('the heads current in the view', async () =>
      (await driver.rowDescription('alembic.ini')) === 'dev · ab93e5d7c162, e6a3f8c1b920 · up to date' && (await driver.revisionDescription('ab93e5d7c162')).startsWith('ab93e5d7c162 · current') ? true : undefined,
    );
    await step('venv');
    expect(readdirSync(pathBin)).toEqual(['alembic']);
  },
  {
    // The harness links the test venv in as .venv; this flow starts without it.
    prepare: async (ws) => rmSync(path.join(ws.folder, '.venv')),
    env: { PATH: [pathBin, pathWithoutAlembic()].join(path.delimiter) },
  },
);
