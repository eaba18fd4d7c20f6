import type { Page } from 'playwright-core';

/** What a flow needs from a running workbench, whichever editor build serves it. */
export interface Workbench {
  page: Page;
  /** The user-data-dir of this run; its `logs/` folder holds the extension host's logs. */
  userDataDir: string;
  /** Stops the browser and the editor processes of this workbench. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** The folder to open as the workspace. */
  folder: string;
  /** False opens the folder with workspace trust enforced, so the trust prompt appears. */
  trusted: boolean;
  /** User settings over the suite's defaults (host/userSettings.ts). */
  userSettings?: Record<string, unknown>;
  /** Extra environment for the editor process, and so for the extension host and Alembic; a PATH goes in front. */
  env?: NodeJS.ProcessEnv;
}

/** What a test worker needs to open workbenches from the host the global set-up prepared. */
export interface HostDescription {
  kind: 'code-server' | 'electron';
  /** The run's folder: user-data-dirs and logs of every workbench go below it. */
  root: string;
  extensionsDir: string;
}

/**
 * A way to run the real VS Code workbench: code-server in Chromium here, or a downloaded VS Code
 * (@vscode/test-electron) where Microsoft's builds can be downloaded.
 */
export interface WorkbenchHost {
  readonly name: string;
  describe(): HostDescription;
  /** Installs the packaged extension for every workbench this host opens afterwards. */
  installExtension(vsix: string): Promise<void>;
  open(options: OpenOptions): Promise<Workbench>;
  dispose(): Promise<void>;
}
