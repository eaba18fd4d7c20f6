import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { until } from './driver';
import { flow } from './harness';
import { FILES, alembic } from './sample';

/**
 * Flows 4 to 7 of issue 7: New Revision from the palette, lint while typing with a quick fix,
 * Merge Heads after a second head appears, and the upgrade CodeLens. Each is checked on screen
 * and on disk or in the database.
 */

const newFiles = (versions: string, before: readonly string[]): string[] => readdirSync(versions).filter((f) => f.endsWith('.py') && !before.includes(f));

flow('new-revision', 'New Revision from the palette writes the file where Alembic would and opens it in upgrade()', async ({ driver, ws, step, extensionLog }) => {
  await driver.openRevisionsView();
  await driver.widenSidebar();
  const before = readdirSync(ws.versions);
  await driver.runCommand('Alembic: New Revision');
  await driver.answer('add orders table', /New Revision \(message\)/);
  await step('parent');
  await driver.pick('ab93e5d7c162', /New Revision \(parent\)/);
  await driver.pick('Empty revision');
  const [created] = await until('the new file', () => {
    const found = newFiles(ws.versions, before);
    return found.length > 0 ? found : undefined;
  });
  // Named per the sample's file_template: %(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s
  const match = /^\d{4}_\d{2}_\d{2}_\d{4}-([0-9a-f]{12})_add_orders_table\.py$/.exec(created!);
  expect(match, created).not.toBeNull();
  const id = match![1]!;
  const text = readFileSync(path.join(ws.versions, created!), 'utf8');
  expect(text).toContain(`down_revision: Union[str, Sequence[str], None] = 'ab93e5d7c162'`);
  await until('the new file in the editor', async () => ((await driver.activeTab()) === created ? true : undefined));
  // The cursor is on the `pass` of upgrade().
  const lines = text.split('\n');
  const cursor = await until('the cursor on pass', async () => {
    const at = await driver.cursorPosition();
    return at && lines[at.line - 1] === '    pass' ? at : undefined;
  });
  expect(cursor.column).toBe(5);
  expect(lines.slice(0, cursor.line - 1).reverse().find((l) => l.startsWith('def '))).toMatch(/^def upgrade\(/);
  // The view shows it as the new head, above the old one.
  await until('the new head in the view', async () => {
    const rows = await driver.treeTexts();
    const added = rows.findIndex((r) => r.label === 'add orders table');
    const old = rows.findIndex((r) => r.description.startsWith('ab93e5d7c162 ·'));
    return added > 0 && added < old && rows[added]!.description.startsWith(`${id} · pending · head`) && !rows[old]!.description.includes('head') ? true : undefined;
  });
  await step('created');
  // Real Alembic loads it.
  const heads = await alembic(ws.folder, ws.databaseUrl, 'heads');
  expect(heads).toContain(`${id} (head)`);
  expect(heads).not.toContain('ab93e5d7c162 (head)');
  // The file's creation reached the server once: the client registers no second watcher.
  expect(extensionLog()).toContain('Created ');
});

flow(
  'lint',
  'a finding appears in Problems while typing, and its quick fix removes it',
  async ({ driver, page, ws, step }) => {
    const file = FILES['5e1d9a0c7b24']!;
    const original = readFileSync(path.join(ws.versions, file), 'utf8').split('\n');
    // The line after `def upgrade():` is its docstring; a new line below it keeps its indentation.
    const docstringLine = original.findIndex((l) => l.startsWith('def upgrade(')) + 2;
    expect(original[docstringLine - 1]).toBe('    """Upgrade schema."""');
    await driver.quickOpen(file);
    // Hover on the parent's id in `down_revision = "002"` tells what that revision is.
    const parentId = page.locator('.monaco-editor .view-line', { hasText: 'down_revision' }).locator('span[class^="mtk"]', { hasText: /002/ }).last();
    const hover = page.locator('.monaco-hover .hover-contents', { hasText: 'add user_id to conversations' }).first();
    // A hover asked before the server has the file answers nothing, and VS Code asks again only
    // when the mouse moves back onto the word, as a user would do.
    await until('the hover', async () => {
      await page.mouse.move(5, 300);
      await parentId.hover();
      return hover.waitFor({ state: 'visible', timeout: 4_000 }).then(() => true, () => undefined);
    }, 60_000);
    await step('hover');
    await page.mouse.move(5, 300);
    await driver.openProblems();
    await page.locator('.monaco-editor textarea').first().focus();
    await driver.goToLine(docstringLine);
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('op.execute("CREATE TABLE t (id int)")', { delay: 15 });
    const finding = await until('the finding in Problems', async () => (await driver.problems('CREATE TABLE t')).find((p) => p.includes('CREATE TABLE t') && p.includes('non-idempotent-ddl')));
    expect(finding).toMatch(/fails when it already exists/);
    await step('finding');
    // Ask for the quick fix with the cursor inside the SQL string.
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowLeft');
    await driver.runCommand('Quick Fix...');
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: /IF NOT EXISTS/ }).first();
    await fix.waitFor({ state: 'visible', timeout: 20_000 });
    await step('quick-fix');
    await fix.click();
    await until('the finding to go', async () => ((await driver.problems('CREATE TABLE t')).some((p) => p.includes('CREATE TABLE t')) ? undefined : true));
    await page.keyboard.press('Control+S');
    const saved = await until('the file on disk', () => {
      const text = readFileSync(path.join(ws.versions, file), 'utf8');
      return text.includes('op.execute("CREATE TABLE IF NOT EXISTS t (id int)")') ? text : undefined;
    });
    expect(saved.split('\n')[docstringLine]).toBe('    op.execute("CREATE TABLE IF NOT EXISTS t (id int)")');
    await step('fixed');
  },
);

const SECOND_HEAD = `"""second head made by hand

Revision ID: f00dfeed0001
Revises: 41f7c2d9e8b3
Create Date: 2025-05-01 12:00:00.000000

"""
from typing import Sequence, Union

from alembic import op


revision: str = "f00dfeed0001"
down_revision: Union[str, Sequence[str], None] = "41f7c2d9e8b3"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_demo ON kraken_turns (id)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_demo")
`;

flow('merge-heads', 'a second head shows multiple-heads; Merge Heads merges it and the warning goes', async ({ driver, ws, step }) => {
  await driver.openRevisionsView();
  await driver.widenSidebar();
  await driver.openProblems();
  writeFileSync(path.join(ws.versions, '2025_05_01_1200-f00dfeed0001_second_head_made_by_hand.py'), SECOND_HEAD);
  await until('multiple-heads in Problems', async () => ((await driver.problems('multiple-heads')).some((p) => p.includes('multiple-heads')) ? true : undefined));
  await until('the second head in the view', async () => ((await driver.revisionDescription('f00dfeed0001')).includes('head') ? true : undefined));
  await step('two-heads');
  const before = readdirSync(ws.versions);
  await driver.rowMenu('alembic.ini', 'Merge Heads');
  await driver.answer('merge heads', /Merge Heads/);
  const [created] = await until('the merge file', () => {
    const found = newFiles(ws.versions, before);
    return found.length > 0 ? found : undefined;
  });
  expect(created).toMatch(/^\d{4}_\d{2}_\d{2}_\d{4}-[0-9a-f]{12}_merge_heads\.py$/);
  const text = readFileSync(path.join(ws.versions, created!), 'utf8');
  expect(text).toMatch(/down_revision: Union\[str, Sequence\[str\], None\] = \('(ab93e5d7c162|f00dfeed0001)', '(ab93e5d7c162|f00dfeed0001)'\)/);
  await until('multiple-heads to go', async () => ((await driver.problems('multiple-heads')).some((p) => p.includes('multiple-heads')) ? undefined : true));
  await step('merged');
  // Real Alembic agrees: one head on the main line, and the independent analytics branch untouched.
  const heads = (await alembic(ws.folder, ws.databaseUrl, 'heads')).split('\n').filter((l) => /\(.*head\)/.test(l));
  expect(heads).toHaveLength(2);
  expect(heads.some((l) => l.startsWith('e6a3f8c1b920'))).toBe(true);
});

flow('codelens', 'the "Upgrade database to" lens moves the database there', async ({ driver, page, ws, step }) => {
  await driver.openRevisionsView();
  await driver.widenSidebar();
  await until('the database state', async () => ((await driver.rowDescription('alembic.ini')).includes('9 pending') ? true : undefined));
  await driver.quickOpen(FILES['002']!);
  const lens = page.locator('.codelens-decoration a', { hasText: 'Upgrade database to 002' }).first();
  await lens.waitFor({ state: 'visible', timeout: 60_000 });
  await step('lens');
  await lens.click();
  // 002 is a branch point, so the plan is confirmed first.
  const dialog = await driver.dialogText();
  expect(dialog.message).toBe('Upgrade dev to 002? This applies 2 revisions.');
  await driver.dialogButton('Upgrade');
  await driver.notification(/^Upgraded dev to 002 \(2 revisions\)/, 120_000);
  expect(await ws.versionRows()).toEqual(['002']);
  await until('002 current in the view', async () => ((await driver.revisionDescription('002')).startsWith('002 · current') ? true : undefined));
  expect(await driver.statusBarText()).toBe('dev: 002 · 7 pending');
  await step('done');

  // Stamp Here writes the version table without running a migration, after a confirmation.
  await driver.rowMenu('baseline schema', 'Stamp Here');
  const stamp = await driver.dialogText();
  expect(stamp.message).toBe('Stamp dev at 001?');
  await driver.dialogButton('Stamp');
  await driver.notification(/^Stamped dev to 001/, 120_000);
  expect(await ws.versionRows()).toEqual(['001']);
  // The column 002 added is still there: stamping ran nothing.
  await until('001 current in the view', async () => ((await driver.revisionDescription('001')).startsWith('001 · current') ? true : undefined));
});
