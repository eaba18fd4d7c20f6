import { parseArgs } from 'node:util';
import { runGraph } from './cli/graphCommand';
import { UsageError, processIO, type CliIO } from './cli/io';
import pkg from '../../package.json';

const HELP = `alembic-pilot ${pkg.version}: lint and graph Alembic migrations, without running Python.

Usage:
  alembic-pilot graph [--json] [--name SECTION] <alembic.ini | pyproject.toml | folder>

Commands:
  graph    Print the revision graph, newest first, as \`alembic history\` does.
           --json          one JSON object: heads, bases, revisions, problems
           -n, --name      the ini section to read, as \`alembic -n\` (default: alembic)

Options:
  -h, --help     show this help
  -v, --version  show the version

Exit codes: 0 success (several heads are a state, not a problem); 1 problems found;
2 bad usage or an unreadable config.`;

export function main(argv: string[], io: CliIO): number {
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
    if (command === 'graph') {
      const { values, positionals } = parse(rest, {
        json: { type: 'boolean', default: false },
        name: { type: 'string', short: 'n' },
        help: { type: 'boolean', short: 'h', default: false },
      });
      if (values.help) {
        io.stdout(HELP);
        return 0;
      }
      if (positionals.length !== 1) throw new UsageError('graph takes exactly one argument: an alembic.ini, a pyproject.toml or a folder.');
      return runGraph({ json: values.json === true, target: positionals[0]!, ...(typeof values.name === 'string' ? { name: values.name } : {}) }, io);
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

type Spec = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parse(args: string[], options: Spec): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), processIO);
}
