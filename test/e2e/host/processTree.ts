import { readdirSync, readFileSync } from 'node:fs';
import { delay } from '../../helpers/run';

/**
 * Stopping a workbench server by PID. code-server starts extension hosts, a file watcher and an
 * agent host as children that outlive a killed parent, so the whole tree is found from /proc
 * first and then signalled, children and parent alike.
 */

function childrenOf(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command name is in parentheses and may itself hold spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  return children;
}

/** The PID and all its descendants, parents before children. */
export function processTree(pid: number): number[] {
  const children = childrenOf();
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    out.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  }
}

/** SIGTERM to the whole tree, then SIGKILL to whatever is left after `graceMs`. */
export async function stopTree(pid: number, graceMs = 5_000): Promise<void> {
  const pids = processTree(pid);
  signal(pids, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(isAlive)) await delay(100);
  // Children started after the snapshot (an extension host restarting) are caught here.
  signal([...new Set([...pids, ...pids.flatMap((p) => (isAlive(p) ? processTree(p) : []))])].filter(isAlive), 'SIGKILL');
}
