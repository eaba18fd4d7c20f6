import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, type ElectronApplication } from 'playwright-core';
import { runChecked } from '../../helpers/run';
import type { HostDescription, OpenOptions, Workbench, WorkbenchHost } from './types';
import { writeUserSettings } from './userSettings';

/**
 * The same flows on a desktop VS Code that @vscode/test-electron downloads, for contributors
 * whose machines can reach Microsoft's update service (`ALEMBIC_PILOT_E2E_HOST=electron`).
 * Playwright drives its window as it drives code-server's page; the workbench DOM is the same.
 * On machines without that access (such as CI here) the download fails at once, and the
 * code-server host is the one to use.
 */

const VSCODE_VERSION = process.env.ALEMBIC_PILOT_VSCODE_VERSION ?? '1.139.1';

export class ElectronHost implements WorkbenchHost {
  readonly name = 'vscode-electron';
  private executable: string | undefined;
  private readonly root: string;
  private readonly extensionsDir: string;

  constructor(description?: HostDescription) {
    this.root = description?.root ?? mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-e2e-'));
    this.extensionsDir = description?.extensionsDir ?? path.join(this.root, 'extensions');
  }

  describe(): HostDescription {
    return { kind: 'electron', root: this.root, extensionsDir: this.extensionsDir };
  }

  private async vscode(): Promise<string> {
    if (!this.executable) {
      const { downloadAndUnzipVSCode } = await import('@vscode/test-electron');
      this.executable = await downloadAndUnzipVSCode(VSCODE_VERSION);
    }
    return this.executable;
  }

  async installExtension(vsix: string): Promise<void> {
    const { resolveCliArgsFromVSCodeExecutablePath } = await import('@vscode/test-electron');
    const [cli, ...args] = resolveCliArgsFromVSCodeExecutablePath(await this.vscode());
    await runChecked(cli!, [...args, '--extensions-dir', this.extensionsDir, '--install-extension', vsix, '--force'], { timeoutMs: 120_000 });
  }

  async open(options: OpenOptions): Promise<Workbench> {
    const run = mkdtempSync(path.join(this.root, 'run-'));
    const userDataDir = path.join(run, 'user-data');
    writeUserSettings(userDataDir, options.userSettings);
    const app: ElectronApplication = await electron.launch({
      executablePath: await this.vscode(),
      args: [
        options.folder,
        '--user-data-dir', userDataDir,
        '--extensions-dir', this.extensionsDir,
        '--skip-welcome',
        '--skip-release-notes',
        '--disable-gpu',
        '--disable-telemetry',
        ...(options.trusted ? ['--disable-workspace-trust'] : []),
      ],
      env: { ...process.env, ...options.env, PATH: [options.env?.['PATH'], process.env['PATH']].filter(Boolean).join(path.delimiter) } as Record<string, string>,
    });
    const page = await app.firstWindow();
    await page.setViewportSize({ width: 1440, height: 900 }).catch(() => undefined);
    return { page, userDataDir, close: () => app.close().catch(() => undefined) };
  }

  async dispose(): Promise<void> {
    // Downloaded builds stay in @vscode/test-electron's cache (.vscode-test/) for the next run.
    await fs.rm(this.root, { recursive: true, force: true });
  }
}
