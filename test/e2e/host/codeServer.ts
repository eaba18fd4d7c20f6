import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { delay, runChecked } from '../../helpers/run';
import { ensureCodeServer, type CodeServerInstall } from './installCodeServer';
import { isAlive, stopTree } from './processTree';
import type { HostDescription, OpenOptions, Workbench, WorkbenchHost } from './types';
import { writeUserSettings } from './userSettings';

/**
 * The real VS Code workbench served by code-server and shown in Debian's Chromium, driven by
 * playwright-core. Every `open` starts a fresh code-server with its own user-data-dir and stops
 * it by PID afterwards, so no extension host of one flow survives into the next.
 */

const CHROMIUM = process.env.ALEMBIC_PILOT_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForHealth(port: number, pid: number, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) break;
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await delay(200);
  }
  const log = await fs.readFile(logFile, 'utf8').catch(() => '');
  throw new Error(`code-server did not answer on port ${port} within ${timeoutMs} ms.\n--- ${logFile} ---\n${log.slice(-3_000)}`);
}

export class CodeServerHost implements WorkbenchHost {
  readonly name = 'code-server';
  private install: CodeServerInstall | undefined;
  private readonly root: string;
  private readonly extensionsDir: string;

  /** A new run's host, or (in a test worker) the host the global set-up prepared. */
  constructor(description?: HostDescription) {
    this.root = description?.root ?? mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-e2e-'));
    this.extensionsDir = description?.extensionsDir ?? path.join(this.root, 'extensions');
  }

  describe(): HostDescription {
    return { kind: 'code-server', root: this.root, extensionsDir: this.extensionsDir };
  }

  private async ready(): Promise<CodeServerInstall> {
    this.install ??= await ensureCodeServer((line) => console.log(line));
    return this.install;
  }

  /**
   * code-server reads its config from XDG_CONFIG_HOME; pointing that at the run's folder keeps
   * ~/.config clean. VS Code makes its IPC sockets (vscode-ipc-*.sock, one per window and
   * extension host) in XDG_RUNTIME_DIR, else in the system temp folder, where nothing removes
   * them: the run's folder is removed with the suite. A PATH in `extra` replaces the editor's
   * PATH (Node stays in front).
   */
  private baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const { node } = this.install!;
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|VITEST|NODE_OPTIONS$)/i.test(k)));
    const runtime = path.join(this.root, 'runtime');
    mkdirSync(runtime, { recursive: true, mode: 0o700 });
    return {
      ...clean,
      XDG_CONFIG_HOME: path.join(this.root, 'config'),
      XDG_DATA_HOME: path.join(this.root, 'data'),
      XDG_RUNTIME_DIR: runtime,
      // The server gives extension hosts the environment of a login shell unless it was started
      // from VS Code's CLI; this says it was, so that the extension host (and the Alembic it
      // runs) sees the environment this suite sets up, not whatever ~/.profile adds to PATH.
      VSCODE_CLI: '1',
      ...extra,
      // Node 24 stays first on a PATH a flow replaces.
      PATH: `${path.dirname(node)}${path.delimiter}${extra['PATH'] ?? process.env.PATH ?? ''}`,
    };
  }

  async installExtension(vsix: string): Promise<void> {
    const { node, entry } = await this.ready();
    await fs.mkdir(this.extensionsDir, { recursive: true });
    await runChecked(node, [entry, '--extensions-dir', this.extensionsDir, '--install-extension', vsix, '--force'], {
      env: this.baseEnv(),
      timeoutMs: 120_000,
    });
  }

  async open(options: OpenOptions): Promise<Workbench> {
    const { node, entry } = await this.ready();
    const run = mkdtempSync(path.join(this.root, 'run-'));
    const userDataDir = path.join(run, 'user-data');
    const port = await freePort();
    const logFile = path.join(run, 'code-server.log');
    const args = [
      entry,
      '--user-data-dir', userDataDir,
      '--extensions-dir', this.extensionsDir,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...(process.env.E2E_LOG_TRACE ? ['--log', 'trace'] : []),
      '--config', path.join(run, 'config.yaml'),
      ...(options.trusted ? ['--disable-workspace-trust'] : []),
    ];
    await fs.writeFile(path.join(run, 'config.yaml'), 'auth: none\n');
    writeUserSettings(userDataDir, options.userSettings);
    const out = createWriteStream(logFile);
    // detached makes the server a session leader (setsid), so the PID recorded here is the
    // server itself and not a wrapper shell, and its whole tree can be stopped by that PID.
    const child = spawn(node, args, { env: this.baseEnv(options.env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    const pid = child.pid;
    if (pid === undefined) throw new Error('code-server did not start.');
    let browserContext: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
    const close = async (): Promise<void> => {
      await browserContext?.close().catch(() => undefined);
      await stopTree(pid);
      out.end();
    };
    try {
      await waitForHealth(port, pid, logFile);
      browserContext = await chromium.launchPersistentContext(path.join(run, 'chromium'), {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1440, height: 900 },
      });
      const page = browserContext.pages()[0] ?? (await browserContext.newPage());
      await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(options.folder)}`);
      return { page, userDataDir, close };
    } catch (error) {
      await close();
      throw error;
    }
  }

  async dispose(): Promise<void> {
    await fs.rm(this.root, { recursive: true, force: true });
  }
}
