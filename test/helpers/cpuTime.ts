import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { run, type RunOptions, type RunResult } from './run';

/**
 * CPU time of processes, from Linux's /proc. Tests that bound how long something takes bound
 * its CPU time: on a shared machine wall time depends on everything else that runs, while the
 * CPU a process spends on an input is its own. The wall time is reported beside it.
 */

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** Fields of /proc/<pid>/stat after the command name, which may itself hold spaces. */
function statFields(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User plus system CPU time a live process has used so far, all its threads included, in ms. */
export function cpuMsOf(pid: number): number {
  const f = statFields(pid);
  // utime and stime are fields 14 and 15 of the stat line, 12 and 13 after the name.
  return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks();
}

const MARKER = '\u0000cpu-ms=';

// Runs the command and reports the CPU time of its finished children (cutime + cstime).
const WRAPPER = `
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const [limit, command, ...args] = process.argv.slice(1);
const result = spawnSync(command, args, { stdio: 'inherit', ...(limit ? { timeout: Number(limit), killSignal: 'SIGKILL' } : {}) });
const stat = readFileSync('/proc/self/stat', 'utf8');
const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
process.stderr.write(${JSON.stringify(MARKER)} + (Number(f[13]) + Number(f[14])) + '\\n');
if (result.signal) process.kill(process.pid, result.signal);
process.exit(result.status ?? 1);
`;

export interface MeasuredRun extends RunResult {
  cpuMs: number;
  wallMs: number;
}

/**
 * `run`, with the CPU time the command used (all its threads) and the wall time it took. The
 * command itself is killed after `timeoutMs`, so that a hang leaves no process behind.
 */
export async function runMeasured(command: string, args: readonly string[], options: RunOptions = {}): Promise<MeasuredRun> {
  const started = performance.now();
  const limit = options.timeoutMs === undefined ? '' : String(options.timeoutMs);
  const backstop = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs + 10_000 };
  const result = await run(process.execPath, ['-e', WRAPPER, limit, command, ...args], { ...options, ...backstop });
  const wallMs = performance.now() - started;
  const at = result.stderr.lastIndexOf(MARKER);
  const ticks = at < 0 ? NaN : Number(result.stderr.slice(at + MARKER.length).trim());
  return { ...result, stderr: at < 0 ? result.stderr : result.stderr.slice(0, at), cpuMs: (ticks * 1000) / clockTicks(), wallMs };
}
