import { readdirSync, readFileSync } from 'node:fs';

/**
 * Watches every process's command line (from /proc) while a flow runs, to prove that a secret
 * never reaches one: command lines are readable by every user of the machine, unlike a
 * process's environment. It samples every few milliseconds; a process it finds of interest
 * (its command line contains `marker`) also has its environment read, as the positive control
 * that the secret did reach Alembic, through the environment.
 */

export interface ProcScan {
  /** Stops sampling and reports what was seen. */
  stop(): ProcScanReport;
}

export interface ProcScanReport {
  samples: number;
  /** Command lines (NULs as spaces) that contained a secret. */
  argvHits: string[];
  /** Distinct command lines of processes of interest. */
  seen: string[];
  /** How many processes of interest had a secret in their environment. */
  environmentHits: number;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function scanProcesses(secrets: readonly string[], marker: string, intervalMs = 20): ProcScan {
  const report: ProcScanReport = { samples: 0, argvHits: [], seen: [], environmentHits: 0 };
  const environmentChecked = new Set<string>();
  const sample = (): void => {
    report.samples++;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
      const cmdline = read(`/proc/${pid}/cmdline`)?.replace(/\0/g, ' ').trim();
      if (!cmdline) continue;
      if (secrets.some((s) => cmdline.includes(s)) && !report.argvHits.includes(cmdline)) report.argvHits.push(cmdline);
      if (!cmdline.includes(marker)) continue;
      if (!report.seen.includes(cmdline)) report.seen.push(cmdline);
      const key = `${pid} ${cmdline}`;
      if (environmentChecked.has(key)) continue;
      const environ = read(`/proc/${pid}/environ`);
      if (environ === undefined) continue;
      environmentChecked.add(key);
      if (secrets.some((s) => environ.includes(s))) report.environmentHits++;
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return report;
    },
  };
}
