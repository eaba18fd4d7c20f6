import { readdirSync, readFileSync } from 'node:fs';

/**
 * Counts the processes an extension causes while a flow runs, from /proc: those whose command
 * line names the extension's install folder (its language server, forked by the extension
 * host), everything those start, what the extension host starts that the editor does not ship
 * (the client's own spawns: Alembic, a Python probe), and any process whose command line names
 * the workspace folder (Alembic through any wrapper runs with `-c <folder>/...`). Sampled every
 * few milliseconds, so a short-lived `alembic current` is seen too.
 */

export interface ExtensionProcessReport {
  samples: number;
  /** Distinct command lines of our language server processes. */
  languageServers: string[];
  /** Everything else that was ours: started by the server, or working in the folder. */
  others: string[];
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function parentOf(pid: string): string | undefined {
  const stat = read(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
}

/**
 * What the editor itself starts from the extension host: programs it ships (code-server's VS
 * Code, a downloaded VS Code's resources: built-in language servers, ripgrep), and the port
 * scan its tunnel service runs once when the host starts, whatever the settings say.
 */
const EDITOR_OWN = /\/lib\/vscode\/|\/resources\/app\/|^\/bin\/sh -c (?:ls -l \/proc\/\[0-9\]\*\/fd\/\[0-9\]\* \| grep socket:|ps -F -A -l \| grep \w+)$/;

export function watchExtensionProcesses(extensionDir: string, folder: string, intervalMs = 25): { stop(): ExtensionProcessReport } {
  const servers = new Map<string, string>();
  const others = new Map<string, string>();
  let samples = 0;
  const sample = (): void => {
    samples++;
    const all: { pid: string; cmdline: string; ppid: string | undefined }[] = [];
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
      const cmdline = read(`/proc/${pid}/cmdline`)?.replace(/\0/g, ' ').trim();
      if (!cmdline) continue;
      all.push({ pid, cmdline, ppid: parentOf(pid) });
    }
    const ours = new Set<string>();
    for (const p of all) {
      if (p.cmdline.includes(extensionDir)) {
        ours.add(p.pid);
        if (/dist\/server\.js\b/.test(p.cmdline)) servers.set(p.pid, p.cmdline);
        else others.set(p.pid, p.cmdline);
      }
    }
    // Whatever our processes started, transitively.
    for (let grew = true; grew; ) {
      grew = false;
      for (const p of all) {
        if (!ours.has(p.pid) && p.ppid !== undefined && ours.has(p.ppid)) {
          ours.add(p.pid);
          others.set(p.pid, p.cmdline);
          grew = true;
        }
      }
    }
    // The extension host (the server's parent) runs our client code too, so what it starts is
    // ours unless the editor ships it (its built-in extensions' servers, ripgrep for file search).
    const hosts = new Set(all.filter((p) => servers.has(p.pid)).map((p) => p.ppid));
    for (const p of all) {
      if (ours.has(p.pid) || hosts.has(p.pid)) continue;
      const startedByHost = p.ppid !== undefined && hosts.has(p.ppid) && !EDITOR_OWN.test(p.cmdline);
      // Alembic through any wrapper names the folder's config on its command line.
      if (startedByHost || p.cmdline.includes(folder)) others.set(p.pid, p.cmdline);
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { samples, languageServers: [...new Set(servers.values())], others: [...new Set(others.values())] };
    },
  };
}
