import { spawn } from 'node:child_process';

/** The outcome of one finished child process. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Milliseconds after which the child is killed; undefined means no limit. */
  timeoutMs?: number;
  /** Text written to the child's standard input, which is closed afterwards. */
  input?: string;
}

/**
 * Replaces the password part of every URL-looking `scheme://user:password@` in `text`,
 * so that command lines and error messages can be printed without leaking credentials.
 */
export function redactSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/gi, '$1:***@');
}

/**
 * Runs `command` with an argument array (never through a shell, so no quoting issues) and
 * collects its output. It never rejects because of a non-zero exit; callers decide what a
 * failure means. It rejects only when the program cannot be started at all.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      // Without input, stdin is /dev/null: programs that might prompt get EOF instead of hanging,
      // and there is no pipe whose write could fail with EPIPE when the child exits early.
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    // Both streams exist because they are piped; the optional chaining only satisfies the types,
    // which cannot see that through the conditional stdio array.
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    }
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
    if (options.input !== undefined && child.stdin) {
      // A child that exits without reading its input makes the write fail with EPIPE; that is
      // reported through the exit code, so the stream error itself is ignored.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}

/**
 * Like `run`, but rejects with the command line and both output streams (secrets redacted)
 * when the program exits unsuccessfully, which is what test set-up steps want.
 */
export async function runChecked(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(describeFailure(command, args, result));
  }
  return result;
}

/** Formats a failed run for an error message, with any URL passwords masked. */
export function describeFailure(command: string, args: readonly string[], result: RunResult): string {
  const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${String(result.code)}`;
  return redactSecrets(
    [
      `${[command, ...args].join(' ')} ${how}`,
      result.stdout.trim() ? `--- stdout ---\n${result.stdout.trimEnd()}` : '',
      result.stderr.trim() ? `--- stderr ---\n${result.stderr.trimEnd()}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
  );
}

/** Resolves after `ms` milliseconds; used only between polling attempts. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
