import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, inject, it } from 'vitest';
import { Driver } from './driver';
import { EXTENSION_LOG, extensionLogFiles, FLOW_SETTINGS, type FlowContext, type FlowOptions } from './harness';
import { createHost, type Workbench } from './host';
import { recordFlow, recordMetric, RESULTS_DIR } from './results';
import { sampleWorkspace, type SampleWorkspace } from './workspace';

/**
 * Several flows in one workbench. Opening a workbench costs 20 to 60 s on a loaded 2-core
 * machine, so a file whose flows are steps a user takes one after another in the same window
 * (switch the database, cancel a run, read the log...) opens one fresh copy of the sample and
 * one workbench in `beforeAll`, runs its flows in order, and closes both in `afterAll`. Each
 * flow still has its own screenshots (`<flow>-<step>.png`) and its own entry in results.json,
 * and leaves the window as it found it (no dialog, quick input or notification left open).
 * One session per file: its hooks are the file's.
 */

export interface SessionOptions extends Omit<FlowOptions, 'timeoutMs' | 'prepare'> {
  /** Runs after the workspace exists and before the workbench opens; may return a clean-up. */
  prepare?: (ws: SampleWorkspace) => Promise<(() => Promise<void>) | void>;
}

export interface Session {
  flow(id: string, title: string, body: (f: FlowContext) => Promise<void>, timeoutMs?: number): void;
}

export function session(name: string, options: SessionOptions = {}): Session {
  let ws: SampleWorkspace | undefined;
  let wb: Workbench | undefined;
  let page: Page | undefined;
  let driver: Driver | undefined;
  let readyAt = 0;
  let cleanup: (() => Promise<void>) | void = undefined;
  let openError: unknown;

  const extensionLog = (): string => (wb ? extensionLogFiles(wb.userDataDir, EXTENSION_LOG).map((f) => readFileSync(f, 'utf8')).join('\n') : '');
  const keepLog = (suffix: string): void => {
    if (!wb) return;
    for (const file of extensionLogFiles(wb.userDataDir, EXTENSION_LOG)) copyFileSync(file, path.join(RESULTS_DIR, `${suffix}-alembic-pilot.log`));
  };

  beforeAll(async () => {
    const started = Date.now();
    try {
      ws = await sampleWorkspace({
        adminUrl: options.adminUrl?.() ?? inject('databaseUrl'),
        python: inject('alembicPython'),
        ...(options.database === undefined ? {} : { database: options.database }),
        settings: { ...FLOW_SETTINGS, ...options.settings },
      });
      cleanup = await options.prepare?.(ws);
      wb = await createHost(inject('e2eHost')).open({
        folder: ws.folder,
        trusted: options.trusted !== false,
        ...(options.userSettings ? { userSettings: options.userSettings } : {}),
        ...(options.env ? { env: typeof options.env === 'function' ? options.env() : options.env } : {}),
      });
      page = wb.page;
      driver = new Driver(page);
      await driver.workbenchReady();
      readyAt = Date.now();
      recordMetric(`${name}SessionOpenMs`, readyAt - started);
    } catch (error) {
      // Each flow then fails with this reason, so results.json says why.
      openError = error;
    }
  }, 10 * 60_000);

  afterAll(async () => {
    keepLog(name);
    await wb?.close();
    await (cleanup as (() => Promise<void>) | undefined)?.().catch(() => undefined);
    await ws?.dispose();
  }, 2 * 60_000);

  return {
    flow(id, title, body, timeoutMs = 240_000) {
      it(`${id}: ${title}`, { timeout: timeoutMs }, async () => {
        const started = Date.now();
        const screenshots: string[] = [];
        const step = async (stepName: string): Promise<void> => {
          if (!page) return;
          const file = path.join(RESULTS_DIR, `${id}-${stepName}.png`);
          await page.screenshot({ path: file });
          screenshots.push(path.relative(path.dirname(RESULTS_DIR), file));
        };
        try {
          if (openError !== undefined || !ws || !wb || !page || !driver) throw openError ?? new Error(`The ${name} workbench did not open.`);
          await body({ driver, page, ws, wb, readyAt, step, extensionLog });
          recordFlow({ flow: id, title, passed: true, durationMs: Date.now() - started, screenshots }, createHost(inject('e2eHost')).name);
        } catch (error) {
          await step('failure').catch(() => undefined);
          keepLog(id);
          recordFlow(
            { flow: id, title, passed: false, durationMs: Date.now() - started, screenshots, error: error instanceof Error ? error.message : String(error) },
            createHost(inject('e2eHost')).name,
          );
          throw error;
        } finally {
          if (driver) await driver.settle().catch(() => undefined);
        }
      });
    },
  };
}
