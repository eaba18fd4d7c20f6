import { CodeServerHost } from './codeServer';
import { ElectronHost } from './electron';
import type { HostDescription, WorkbenchHost } from './types';

export type { HostDescription, OpenOptions, Workbench, WorkbenchHost } from './types';

/**
 * The workbench the suite drives: code-server in Chromium by default (the route that works on
 * machines that cannot download VS Code), or with ALEMBIC_PILOT_E2E_HOST=electron a VS Code
 * downloaded by @vscode/test-electron and driven through Playwright's Electron support.
 */
export function createHost(description?: HostDescription): WorkbenchHost {
  const kind = description?.kind ?? (process.env.ALEMBIC_PILOT_E2E_HOST === 'electron' ? 'electron' : 'code-server');
  return kind === 'electron' ? new ElectronHost(description) : new CodeServerHost(description);
}
