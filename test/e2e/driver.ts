import type { Locator, Page } from 'playwright-core';
import { delay } from '../helpers/run';

/**
 * Driving the VS Code workbench from Playwright, as a user would: the activity bar, the
 * Revisions view, the command palette, quick picks, dialogs, notifications, the status bar
 * and the Problems panel. Every wait polls for the expected state with a deadline.
 */

/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ''}`);
    }
    await delay(150);
  }
}

export class Driver {
  constructor(readonly page: Page) {}

  async workbenchReady(): Promise<void> {
    await this.page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 90_000 });
  }

  /** Opens the Alembic container from the activity bar and waits for an environment row. */
  async openRevisionsView(): Promise<void> {
    const entry = this.page.locator('.part.activitybar [aria-label^="Alembic"]').first();
    await entry.waitFor({ state: 'visible', timeout: 60_000 });
    if (!(await this.page.locator('.part.sidebar .title-label h2', { hasText: /Alembic/i }).isVisible())) await entry.click();
    await this.treeRow('alembic.ini').waitFor({ state: 'visible', timeout: 60_000 });
  }

  /** Makes the side bar wide enough for descriptions to show in screenshots. */
  async widenSidebar(width = 640): Promise<void> {
    const box = await this.page.locator('.part.sidebar').boundingBox();
    if (!box || box.width >= width) return;
    const x = box.x + box.width + 1;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(x, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 8 });
    await this.page.mouse.up();
  }

  treeRows(): Locator {
    return this.page.locator('.part.sidebar .monaco-list-row[role="treeitem"]');
  }

  treeRow(text: string | RegExp): Locator {
    return this.treeRows().filter({ hasText: text }).first();
  }

  /** label and description of each visible row of the Revisions view. */
  async treeTexts(): Promise<{ label: string; description: string }[]> {
    const rows = this.treeRows();
    const out: { label: string; description: string }[] = [];
    for (let i = 0; i < (await rows.count()); i++) {
      const row = rows.nth(i);
      out.push({
        label: ((await row.locator('.label-name').first().textContent()) ?? '').trim(),
        description: ((await row.locator('.label-description').first().textContent().catch(() => '')) ?? '').trim(),
      });
    }
    return out;
  }

  /** The description of the row whose label or description contains `text`. */
  async rowDescription(text: string): Promise<string> {
    return ((await this.treeRow(text).locator('.label-description').first().textContent()) ?? '').trim();
  }

  /** The description of a revision's row, found by its id (descriptions start with the short id). */
  async revisionDescription(id: string): Promise<string> {
    return (await this.treeTexts()).find((r) => r.description.startsWith(`${id} ·`) || r.description === id)?.description ?? '';
  }

  /** The view's message (TreeView.message), or '' when there is none. */
  async viewMessage(): Promise<string> {
    const message = this.page.locator('.part.sidebar .tree-explorer-viewlet-tree-view .message, .part.sidebar .customview-tree .message').first();
    return (await message.isVisible()) ? ((await message.textContent()) ?? '').trim() : '';
  }

  /** Clicks an inline action of a row (they show on hover). */
  async rowAction(text: string, action: string): Promise<void> {
    const row = this.treeRow(text);
    await row.hover();
    await row.locator(`a.action-label[aria-label="${action}"]`).click();
  }

  /** Runs an entry of a row's context menu. */
  async rowMenu(text: string, entry: string): Promise<void> {
    await this.treeRow(text).click({ button: 'right' });
    const menu = this.page.locator('.context-view .monaco-menu');
    const item = menu.locator('.action-item a.action-menu-item', { hasText: entry }).first();
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    // A click during the menu's opening animation can be lost; the menu closes when it lands.
    await until(`"${entry}" to run`, async () => {
      if (!(await menu.isVisible())) return true;
      await item.click({ timeout: 2_000 }).catch(() => undefined);
      return undefined;
    }, 15_000);
  }

  /** F1, the command's title, Enter, as a user runs a command from the palette. */
  async runCommand(title: string): Promise<void> {
    await this.dismissMenus();
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    await this.page.keyboard.press('Enter');
  }

  quickInputVisible(): Promise<boolean> {
    return this.page.locator('.quick-input-widget').isVisible();
  }

  /** Waits for the quick input to show `title` (or any, when undefined). */
  async quickInput(title?: string | RegExp): Promise<Locator> {
    const widget = this.page.locator('.quick-input-widget');
    await widget.waitFor({ state: 'visible', timeout: 20_000 });
    if (title !== undefined) await widget.locator('.quick-input-title, .quick-input-message, .quick-input-header', { hasText: title }).first().waitFor({ state: 'visible', timeout: 20_000 });
    return widget;
  }

  /** Types into the open input box and presses Enter. */
  async answer(text: string, title?: string | RegExp): Promise<void> {
    const widget = await this.quickInput(title);
    const input = widget.locator('input');
    await input.fill(text);
    await this.page.keyboard.press('Enter');
  }

  /** Ctrl+G to a 1-based line of the active editor. */
  async goToLine(line: number): Promise<void> {
    await this.page.keyboard.press('Control+G');
    const widget = await this.quickInput();
    await widget.locator('input').fill(`:${line}`);
    await this.page.keyboard.press('Enter');
    await until(`line ${line}`, async () => ((await this.cursorPosition())?.line === line ? true : undefined));
  }

  /** Picks the quick pick entry that contains `text`. */
  async pick(text: string | RegExp, title?: string | RegExp): Promise<void> {
    const widget = await this.quickInput(title);
    const row = widget.locator('.monaco-list-row', { hasText: text }).first();
    await row.waitFor({ state: 'visible', timeout: 20_000 });
    await row.click();
  }

  dialog(): Locator {
    return this.page.locator('.monaco-dialog-box');
  }

  /** Waits for a dialog and returns its title and detail. */
  async dialogText(): Promise<{ message: string; detail: string }> {
    const box = this.dialog();
    await box.waitFor({ state: 'visible', timeout: 30_000 });
    return {
      message: (await box.locator('.dialog-message-text').innerText()).trim(),
      detail: (await box.locator('.dialog-message-detail').innerText().catch(() => '')).trim(),
    };
  }

  async dialogButton(label: string): Promise<void> {
    await this.dialog().locator('.dialog-buttons .monaco-button', { hasText: label }).first().click();
    await this.dialog().waitFor({ state: 'hidden', timeout: 10_000 });
  }

  /** The text of the notification toast that matches, once it shows. */
  async notification(text: string | RegExp, timeoutMs = 60_000): Promise<string> {
    const toast = this.page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    return ((await toast.locator('.notification-list-item-message').first().textContent()) ?? '').trim();
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications').catch(() => undefined);
  }

  /** Our status bar item's text. */
  async statusBarText(): Promise<string> {
    const item = this.page.locator('[id="alembic-pilot.alembic-pilot.alembicPilot.status"]');
    return ((await item.textContent()) ?? '').trim();
  }

  async openProblems(): Promise<void> {
    await this.dismissMenus();
    await this.page.keyboard.press('Control+Shift+M');
    await this.page.locator('.markers-panel').waitFor({ state: 'visible', timeout: 10_000 });
  }

  /**
   * The rows of the Problems panel, as text. The panel lists only the rows that fit on screen,
   * so with `filter` the panel's own filter box narrows it first (a rule id, a file name).
   */
  async problems(filter?: string): Promise<string[]> {
    if (filter !== undefined) {
      const box = this.page.locator('.part.panel .viewpane-filter input, .part.panel .viewpane-filter textarea').first();
      if ((await box.inputValue()) !== filter) await box.fill(filter);
    }
    // One snapshot of the rows: the list redraws while the server publishes, so reading row by
    // row could wait on a row that is gone.
    const texts = await this.page.locator('.markers-panel .monaco-list-row').allInnerTexts();
    return texts.map((t) => t.replace(/\s+/g, ' ').trim());
  }

  /** The active editor's file name, from the window title ("<file> - <folder> - code-server"). */
  async activeTab(): Promise<string> {
    return (await this.page.title()).split(' - ')[0]!.replace(/^● /, '').trim();
  }

  /** Opens a file by name with Quick Open (Ctrl+P), once it is listed. */
  async quickOpen(fileName: string): Promise<void> {
    await this.dismissMenus();
    await this.page.keyboard.press('Control+P');
    const widget = await this.quickInput();
    await widget.locator('input').fill(fileName);
    await widget.locator('.monaco-list-row', { hasText: fileName }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await this.page.keyboard.press('Enter');
    await until(`${fileName} in the editor`, async () => ((await this.activeTab()) === fileName ? true : undefined));
  }

  /** The cursor position the status bar shows ("Ln 12, Col 5"). */
  async cursorPosition(): Promise<{ line: number; column: number } | undefined> {
    const text = (await this.page.locator('.part.statusbar [id="status.editor.selection"]').textContent().catch(() => '')) ?? '';
    const m = /Ln (\d+), Col (\d+)/.exec(text);
    return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
  }

  private async dismissMenus(): Promise<void> {
    if (await this.page.locator('.context-view .monaco-menu').isVisible()) await this.page.keyboard.press('Escape');
  }
}
