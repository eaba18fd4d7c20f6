import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { inject, it } from 'vitest';
import { Driver } from './driver';
import { createHost, type Workbench } from './host';
import { recordFlow, RESULTS_DIR } from './results';
import { sampleWorkspace, type SampleOptions, type SampleWorkspace } from './workspace';

/**
 * One end-to-end flow: a fresh copy of migrations-sample with its own database, a fresh
 * workbench with the packaged extension, a screenshot at each step under
 * test-results/e2e/<flow>-<step>.png, and the flow's outcome in results.json.
 */

export interface FlowContext {
  driver: Driver;
  page: Page;
  ws: SampleWorkspace;
  wb: Workbench;
  /** When the workbench was ready (Date.now()). */
  readyAt: number;
  /** Saves a screenshot of this step. */
  step(name: string): Promise<void>;
  /** The extension's own log (its LogOutputChannel file) so far. */
  extensionLog(): string;
}

export interface FlowOptions {
  /** False opens the folder with workspace trust enforced (the trust prompt appears). */
  trusted?: boolean;
  /** User settings for the workbench, over the suite's defaults. */
  userSettings?: Record<string, unknown>;
  /** The admin URL of the server to create the flow's database on; the shared test cluster by default. */
  adminUrl?: () => string;
  database?: boolean;
  settings?: Record<string, unknown>;
  timeoutMs?: number;
  /** Runs after the workspace exists and before the workbench opens (e.g. to migrate it with Alembic). */
  prepare?: (ws: SampleWorkspace) => Promise<void>;
  /** Makes the workspace instead of a copy of migrations-sample (the seed projects); gets the flow's settings. */
  workspace?: (settings: Record<string, unknown>) => Promise<SampleWorkspace>;
  /** Extra environment for the editor (a PATH goes in front of its PATH). */
  env?: () => NodeJS.ProcessEnv;
}

/** Workspace settings every flow uses: typing in flow 5 must not be rewritten by auto-closing. */
const FLOW_SETTINGS: Record<string, unknown> = {
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.hover.delay': 300,
};

/** The log files the extension wrote under a workbench's user-data-dir. */
export function extensionLogFiles(userDataDir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (pattern.test(full)) out.push(full);
    }
  };
  walk(path.join(userDataDir, 'logs'));
  return out;
}

export function flow(id: string, title: string, body: (f: FlowContext) => Promise<void>, options: FlowOptions = {}): void {
  it(`${id}: ${title}`, { timeout: options.timeoutMs ?? 240_000 }, async () => {
    const host = createHost(inject('e2eHost'));
    const started = Date.now();
    const screenshots: string[] = [];
    const settings = { ...FLOW_SETTINGS, ...options.settings };
    const ws = options.workspace
      ? await options.workspace(settings)
      : await sampleWorkspace({
          adminUrl: options.adminUrl?.() ?? inject('databaseUrl'),
          python: inject('alembicPython'),
          ...(options.database === undefined ? {} : { database: options.database }),
          settings,
        } satisfies SampleOptions);
    let wb: Workbench | undefined;
    let page: Page | undefined;
    const shoot = async (name: string): Promise<void> => {
      if (!page) return;
      const file = path.join(RESULTS_DIR, `${id}-${name}.png`);
      await page.screenshot({ path: file });
      screenshots.push(path.relative(path.dirname(RESULTS_DIR), file));
    };
    const logOf = (): string => {
      if (!wb) return '';
      return extensionLogFiles(wb.userDataDir, /alembic-pilot\.alembic-pilot[/\\]Alembic Pilot\.log$/).map((f) => readFileSync(f, 'utf8')).join('\n');
    };
    try {
      await options.prepare?.(ws);
      wb = await host.open({
        folder: ws.folder,
        trusted: options.trusted !== false,
        ...(options.userSettings ? { userSettings: options.userSettings } : {}),
        ...(options.env ? { env: options.env() } : {}),
      });
      page = wb.page;
      const driver = new Driver(page);
      await driver.workbenchReady();
      const readyAt = Date.now();
      await body({ driver, page, ws, wb, readyAt, step: shoot, extensionLog: logOf });
      recordFlow({ flow: id, title, passed: true, durationMs: Date.now() - started, screenshots }, host.name);
    } catch (error) {
      await shoot('failure').catch(() => undefined);
      recordFlow({ flow: id, title, passed: false, durationMs: Date.now() - started, screenshots, error: error instanceof Error ? error.message : String(error) }, host.name);
      throw error;
    } finally {
      // The extension's log goes next to the screenshots: it is what explains a failure.
      if (wb) {
        for (const file of extensionLogFiles(wb.userDataDir, /alembic-pilot\.alembic-pilot[/\\]Alembic Pilot\.log$/)) copyFileSync(file, path.join(RESULTS_DIR, `${id}-alembic-pilot.log`));
        await wb.close();
      }
      await ws.dispose();
    }
  });
}
