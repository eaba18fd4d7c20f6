import { parseArgs } from 'node:util';
import { CACHE_STRATEGIES, type CacheStrategy } from './cli/cacheFile';
import { isOutputFormat, OUTPUT_FORMATS } from './cli/format';
import { runGraph } from './cli/graphCommand';
import { runHeads } from './cli/headsCommand';
import { UsageError, processIO, type CliIO } from './cli/io';
import { MIN_FILES_FOR_WORKERS } from './cli/threads';
import pkg from '../../package.json';

const HELP = `alembic-pilot ${pkg.version}: lint and graph Alembic migrations without running Python, and show a database's status.

Usage:
  alembic-pilot lint [--format text|json|sarif] [--config pyproject.toml] [--since GIT_REF] [--fix]
                     [--accept-existing] [--jobs N]
                     [--cache [--cache-location PATH] [--cache-strategy metadata|content]]
                     <alembic.ini | pyproject.toml | folder | files...>
  alembic-pilot graph [--json] [--name SECTION] [--cache [--cache-location PATH] [--cache-strategy S]]
                      <alembic.ini | pyproject.toml | folder>
  alembic-pilot heads [--json] [--name SECTION] [--cache [--cache-location PATH] [--cache-strategy S]]
                      <alembic.ini | pyproject.toml | folder>
  alembic-pilot status [--json] [--url URL] [--name SECTION] [--cwd DIR] <alembic.ini | pyproject.toml | folder>

Commands:
  lint     Check revision files with the language server's rules. A folder means every
           environment under it; a revision file is linted within the environment that lists it.
           -f, --format    text (file:line:col: severity[rule-id] message), json or sarif;
                           lines and columns are 1-based, columns count UTF-16 code units
           --config FILE   a pyproject.toml whose [tool.alembic-pilot] overrides each environment's
           --since REF     report only on revision files changed since a git ref, untracked ones
                           included; the rules still see the whole history
           --fix           add the missing idempotency guards (IF NOT EXISTS, ...) in place, list
                           them on stderr, then report what remains
           --accept-existing
                           record each environment's current heads as lock-rules-start-after in
                           [tool.alembic-pilot] of its pyproject.toml (the migrations that already
                           ran), say so on stderr, then lint: the lock rules check what comes after
           -j, --jobs N    lint on N threads (1: no worker threads); by default every core when
                           there are ${MIN_FILES_FOR_WORKERS} files or more to lint, else one thread
           --cache         keep what each file alone gave between runs, keyed on its content
                           hash, the settings and the tool version; findings that depend on the
                           rest of the history are always computed again
           --cache-location PATH  the cache file, or a folder for it (default:
                           .alembic-pilot-cache in the working directory)
           --cache-strategy metadata (default): a file whose size, times and inode are
                           unchanged keeps its recorded hash without being read again;
                           content: read and hash every file on every run
           Exit codes: 0 no finding at warning or above; 1 findings at warning or above;
           2 bad usage, an unreadable config, an unknown git ref, or a linter that cannot start
           or fails (on a worker thread or with an internal error).
  graph    Print the revision graph, newest first, as \`alembic history\` does.
           --json          one JSON object: heads, bases, revisions, problems
           -n, --name      the ini section to read, as \`alembic -n\` (default: alembic)
           --cache, --cache-location, --cache-strategy
                           keep the scanned headers between runs, as lint does
           Exit codes: 0 success (several heads are a state, not a problem); 1 problems found;
           2 bad usage, an unreadable config or an internal error.
  heads    Print the current heads, as \`alembic heads\` does; --json prints { config, heads }.
           Same options and exit codes as graph.
  status   Show which revisions a database is at and what \`alembic upgrade heads\` would run.
           PostgreSQL is read directly (no Python); other databases through \`alembic current\`.
           The database: --url, else DATABASE_URL (environment, then .env beside the config),
           else sqlalchemy.url.
           --json          {"current": [...], "heads": [...], "pending": [...], "upToDate": bool}
           --url URL       a SQLAlchemy URL to read instead
           -n, --name      the ini section to read, as \`alembic -n\` (default: alembic)
           --cwd DIR       where \`alembic current\` runs, for relative paths in the config and
                           in sqlite:/// URLs (default: the config file's folder)
           Exit codes: 0 at head; 1 revisions pending or an unknown revision in the database;
           2 bad usage, an unreadable config, or a database that cannot be read.

Options:
  -h, --help     show this help
  -v, --version  show the version`;

export async function main(argv: string[], io: CliIO): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined) throw new UsageError(`a command is required.\n\n${HELP}`);
    if (command === '-h' || command === '--help' || command === 'help') {
      io.stdout(HELP);
      return 0;
    }
    if (command === '-v' || command === '--version') {
      io.stdout(pkg.version);
      return 0;
    }
    if (command === 'graph' || command === 'heads') {
      const { values, positionals } = parse(rest, {
        json: { type: 'boolean', default: false },
        name: { type: 'string', short: 'n' },
        cache: { type: 'boolean', default: false },
        'cache-location': { type: 'string' },
        'cache-strategy': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      });
      if (values.help) {
        io.stdout(HELP);
        return 0;
      }
      if (positionals.length !== 1) throw new UsageError(`${command} takes exactly one argument: an alembic.ini, a pyproject.toml or a folder.`);
      const options = {
        json: values.json === true,
        target: positionals[0]!,
        cache: values.cache === true,
        ...(typeof values.name === 'string' ? { name: values.name } : {}),
        ...(typeof values['cache-location'] === 'string' ? { cacheLocation: values['cache-location'] } : {}),
        ...cacheStrategy(values['cache-strategy']),
      };
      return command === 'graph' ? runGraph(options, io) : runHeads(options, io);
    }
    if (command === 'lint') {
      const { values, positionals } = parse(rest, {
        format: { type: 'string', short: 'f', default: 'text' },
        config: { type: 'string' },
        since: { type: 'string' },
        fix: { type: 'boolean', default: false },
        'accept-existing': { type: 'boolean', default: false },
        jobs: { type: 'string', short: 'j' },
        cache: { type: 'boolean', default: false },
        'cache-location': { type: 'string' },
        'cache-strategy': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      });
      if (values.help) {
        io.stdout(HELP);
        return 0;
      }
      const format = String(values.format);
      if (!isOutputFormat(format)) throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, not '${format}'.`);
      // Loaded only here: the rules and the Python parser cost `graph` and `--help` startup time.
      const { runLint } = await import('./cli/lintCommand.js');
      return await runLint(
        {
          format,
          fix: values.fix === true,
          acceptExisting: values['accept-existing'] === true,
          cache: values.cache === true,
          ...(typeof values['cache-location'] === 'string' ? { cacheLocation: values['cache-location'] } : {}),
          ...cacheStrategy(values['cache-strategy']),
          ...(typeof values.jobs === 'string' ? { jobs: positiveInteger('--jobs', values.jobs) } : {}),
          targets: positionals,
          ...(typeof values.config === 'string' ? { config: values.config } : {}),
          ...(typeof values.since === 'string' ? { since: values.since } : {}),
        },
        io,
      );
    }
    if (command === 'status') {
      const { values, positionals } = parse(rest, {
        json: { type: 'boolean', default: false },
        url: { type: 'string' },
        name: { type: 'string', short: 'n' },
        cwd: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      });
      if (values.help) {
        io.stdout(HELP);
        return 0;
      }
      if (positionals.length !== 1) throw new UsageError('status takes exactly one argument: an alembic.ini, a pyproject.toml or a folder.');
      // Loaded only here: pg and the runner cost `graph` and `lint` startup time.
      defineNavigator();
      const { runStatus } = await import('./cli/statusCommand.js');
      return await runStatus(
        {
          json: values.json === true,
          target: positionals[0]!,
          ...(typeof values.url === 'string' ? { url: values.url } : {}),
          ...(typeof values.name === 'string' ? { name: values.name } : {}),
          ...(typeof values.cwd === 'string' ? { cwd: values.cwd } : {}),
        },
        io,
      );
    }
    throw new UsageError(`Unknown command '${command}'. Run alembic-pilot --help.`);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`alembic-pilot: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

/**
 * pg checks whether it runs in a Cloudflare Worker when it is loaded: through `navigator`, or,
 * where there is none (Node 20), by constructing a `Response`, which loads Node's whole fetch
 * implementation, a third of what `status` costs. Node 21 and later define `navigator`
 * themselves; this short-lived process does the same on Node 20.
 */
function defineNavigator(): void {
  if ('navigator' in globalThis) return;
  Object.defineProperty(globalThis, 'navigator', { value: { userAgent: `Node.js/${process.versions.node.split('.')[0]}` }, configurable: true, writable: true });
}

function positiveInteger(option: string, raw: string): number {
  if (!/^[1-9]\d*$/.test(raw)) throw new UsageError(`${option} must be a whole number of at least 1, not '${raw}'.`);
  return Number(raw);
}

function cacheStrategy(raw: unknown): { cacheStrategy?: CacheStrategy } {
  if (raw === undefined) return {};
  const strategy = CACHE_STRATEGIES.find((s) => s === raw);
  if (strategy === undefined) throw new UsageError(`--cache-strategy must be one of ${CACHE_STRATEGIES.join(', ')}, not '${String(raw)}'.`);
  return { cacheStrategy: strategy };
}

type Spec = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parse(args: string[], options: Spec): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

if (require.main === module) {
  // A bug of ours must not pass for findings (exit 1) in a CI job: it exits 2, like every other
  // failure to lint, with the stack for the report.
  main(process.argv.slice(2), processIO).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      processIO.stderr(`alembic-pilot: internal error, please report it: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exitCode = 2;
    },
  );
}
