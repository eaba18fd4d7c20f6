import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { redactSecrets } from '../db/errors';

/**
 * One Alembic process: spawned with an argument array in its own process group (so that
 * `uv run` and `poetry run`, which wrap Alembic, are interrupted along with it), its output
 * streamed line by line with passwords removed.
 */

export interface OutputLine {
  stream: 'stdout' | 'stderr';
  /** Already redacted. */
  text: string;
}

export interface SpawnOptions {
  /** The program and every argument. */
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Strings to remove from every line (passwords); URL passwords are removed regardless. */
  secrets: readonly (string | undefined)[];
  onLine?: (line: OutputLine) => void;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Every line, redacted, in arrival order. */
  lines: OutputLine[];
  /** stdout as one text, redacted (the SQL of `--sql`). */
  stdout: string;
  /** Why the program could not start (ENOENT...), when it could not. */
  spawnError?: string;
  durationMs: number;
}

/** How an interrupted process ended: by SIGINT, by SIGTERM after the grace period, or by SIGKILL. */
export type InterruptOutcome = 'interrupted' | 'terminated' | 'killed' | 'already-exited';

export interface AlembicProcess {
  readonly pid: number | undefined;
  readonly done: Promise<ProcessResult>;
  /**
   * SIGINT to the whole process group, SIGTERM after `graceMs` if it is still running, and
   * SIGKILL after another `graceMs`. Resolves once the process has exited.
   */
  interrupt(graceMs: number): Promise<InterruptOutcome>;
}

export function spawnAlembic(options: SpawnOptions): AlembicProcess {
  const started = Date.now();
  const lines: OutputLine[] = [];
  const stdout: string[] = [];
  let exited = false;
  const child = spawn(options.argv[0]!, options.argv.slice(1), {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so one signal reaches the wrappers and Alembic alike.
    detached: process.platform !== 'win32',
    windowsHide: true,
  });
  const push = (stream: OutputLine['stream'], raw: string): void => {
    const line: OutputLine = { stream, text: redactSecrets(raw, options.secrets) };
    lines.push(line);
    if (stream === 'stdout') stdout.push(line.text);
    options.onLine?.(line);
  };
  const closed: Promise<void>[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    const input = child[stream];
    if (!input) continue;
    const rl = createInterface({ input, crlfDelay: Infinity });
    rl.on('line', (l) => push(stream, l));
    closed.push(new Promise((resolve) => rl.once('close', () => resolve())));
  }

  const done = new Promise<ProcessResult>((resolve) => {
    let spawnError: string | undefined;
    child.once('error', (e) => {
      spawnError = (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${options.argv[0]} was not found` : e.message;
      exited = true;
      resolve({ exitCode: null, signal: null, lines, stdout: '', spawnError, durationMs: Date.now() - started });
    });
    child.once('exit', () => {
      exited = true;
    });
    child.once('close', (code, signal) => {
      exited = true;
      void Promise.all(closed).then(() => {
        const result: ProcessResult = { exitCode: code, signal, lines, stdout: stdout.join('\n'), durationMs: Date.now() - started };
        if (spawnError !== undefined) result.spawnError = spawnError;
        resolve(result);
      });
    });
  });

  const signalGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      if (process.platform === 'win32') child.kill(signal);
      else process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  const exitedWithin = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (exited) return resolve(true);
      const timer = setTimeout(() => resolve(exited), ms);
      void done.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });

  return {
    pid: child.pid,
    done,
    async interrupt(graceMs) {
      if (exited) return 'already-exited';
      signalGroup('SIGINT');
      if (await exitedWithin(graceMs)) return 'interrupted';
      signalGroup('SIGTERM');
      if (await exitedWithin(graceMs)) return 'terminated';
      signalGroup('SIGKILL');
      await done;
      return 'killed';
    },
  };
}
