/**
 * A configuration file that Alembic itself could not use: it cannot be read, it is not valid
 * ini or TOML, a value Alembic reads fails interpolation, or the requested section is missing.
 * Problems that leave the environment partly usable are `ConfigProblem`s instead.
 *
 * The message already names the file (and the line, when known), so that it can be shown as
 * it is by the CLI and in the editor.
 */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** `file:line` or just `file`, the prefix that every configuration message starts with. */
export function where(file: string, line: number | undefined): string {
  return line === undefined ? file : `${file}:${line}`;
}

/** The message of a ConfigError without its leading `file:line: `, for use as a ConfigProblem. */
export function errorDetail(error: ConfigError): string {
  const prefix = `${where(error.file, error.line)}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}
