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

  /**
   * label and description of each visible row of the Revisions view. The rows are read one by
   * one, so a redraw can remove a row after it was counted: a read that finds no row gives up
   * after a second (Playwright would wait 30 s) and the whole list is read again.
   */
  async treeTexts(): Promise<{ label: string; description: string }[]> {
    for (let attempt = 1; ; attempt++) {
      const rows = this.treeRows();
      const out: { label: string; description: string }[] = [];
      try {
        for (let i = 0; i < (await rows.count()); i++) {
          const row = rows.nth(i);
          out.push({
            label: ((await row.locator('.label-name').first().textContent({ timeout: 1_000 })) ?? '').trim(),
            description: ((await row.locator('.label-description').first().textContent({ timeout: 1_000 }).catch(() => '')) ?? '').trim(),
          });
        }
        return out;
      } catch (e) {
        if (attempt === 5) throw e;
      }
    }
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
    // The top row is not always the command named: "File: New Untitled Text File" lists
    // "File: Compare New Untitled Text Files" first. A row whose label is the title is clicked.
    const rows = this.page.locator('.quick-input-widget .monaco-list-row');
    for (let i = 1; i < (await rows.count()); i++) {
      const label = ((await rows.nth(i).locator('.label-name').first().textContent().catch(() => '')) ?? '').replace(/\s+/g, ' ').trim();
      if (label === title) return rows.nth(i).click();
    }
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

  /** The text of the notification toast whose message matches, once it shows. */
  async notification(text: string | RegExp, timeoutMs = 60_000): Promise<string> {
    const toast = await this.toast(text, timeoutMs);
    return ((await toast.locator('.notification-list-item-message').first().textContent()) ?? '').trim();
  }

  /** The notification toast whose message matches, once it shows; a timeout names the toasts that did show. */
  async toast(text: string | RegExp, timeoutMs = 60_000): Promise<Locator> {
    const toast = this.page
      .locator('.notifications-toasts .notification-toast')
      .filter({ has: this.page.locator('.notification-list-item-message', { hasText: text }) })
      .first();
    try {
      await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch (error) {
      const shown = await this.page.locator('.notifications-toasts .notification-list-item-message').allTextContents().catch(() => []);
      throw new Error(`No notification matching ${String(text)} within ${timeoutMs} ms; shown: ${JSON.stringify(shown)}`, { cause: error });
    }
    // Toasts fade in; a screenshot taken at once shows them half transparent.
    const opacity = (e: unknown): string => (globalThis as unknown as { getComputedStyle(el: unknown): { opacity: string } }).getComputedStyle(e).opacity;
    await until('the notification to finish fading in', async () => ((await toast.evaluate(opacity).catch(() => '1')) === '1' ? true : undefined), 5_000);
    return toast;
  }

  /** Clicks a button (such as "Show Log" or "Cancel") of the notification toast that matches. */
  async notificationButton(text: string | RegExp, button: string): Promise<void> {
    const toast = await this.toast(text);
    await toast.locator('.monaco-button', { hasText: button }).first().click();
  }

  /** Closes what a flow may leave open (a dialog, a quick input, a menu) and clears the notifications. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      if (!(await this.dialog().isVisible()) && !(await this.quickInputVisible()) && !(await this.page.locator('.context-view .monaco-menu').isVisible())) break;
      await this.page.keyboard.press('Escape');
    }
    await this.clearNotifications();
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications').catch(() => undefined);
  }

  /** Our status bar item. */
  statusBarItem(): Locator {
    return this.page.locator('[id="alembic-pilot.alembic-pilot.alembicPilot.status"]');
  }

  /** Our status bar item's text. */
  async statusBarText(): Promise<string> {
    return ((await this.statusBarItem().textContent()) ?? '').trim();
  }

  /** The title of the side bar's open container ("Explorer", "Alembic"...), or '' when it is closed. */
  async sidebarTitle(): Promise<string> {
    const title = this.page.locator('.part.sidebar .title-label h2').first();
    return (await title.isVisible()) ? ((await title.textContent()) ?? '').trim() : '';
  }

  async openProblems(): Promise<void> {
    await this.dismissMenus();
    await this.page.keyboard.press('Control+Shift+M');
    await this.page.locator('.markers-panel').waitFor({ state: 'visible', timeout: 10_000 });
  }

  /**
   * The rows of the Problems panel, as text. The panel draws only the rows in view, and the
   * sample has more findings than fit, so a flow looking for one passes `filter` (a rule id or
   * words of the message), which is typed into the panel's filter box as a user would.
   */
  async problems(filter?: string): Promise<string[]> {
    if (filter !== undefined) {
      const box = this.page.locator('.part.panel .viewpane-filter input, .part.panel .markers-panel-action-filter input, .part.panel .viewpane-filter textarea').first();
      if ((await box.inputValue()) !== filter) await box.fill(filter);
    }
    // All rows at once: the list redraws while diagnostics arrive, and a row read by index may be gone.
    return (await this.page.locator('.markers-panel .monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
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
