/** Where the CLI writes, so that tests can run commands in-process. */
export interface CliIO {
  cwd: string;
  stdout(line: string): void;
  stderr(line: string): void;
}

/** Bad usage or an unusable config: exit code 2, the reason on stderr, nothing on stdout. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const processIO: CliIO = {
  cwd: process.cwd(),
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};
