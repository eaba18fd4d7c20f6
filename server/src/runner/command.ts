import { spawn } from 'node:child_process';
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';

/**
 * Which program runs Alembic for an environment, in this order: the `alembicPilot.alembicCommand`
 * setting (an argument array such as `["uv", "run", "alembic"]`), the interpreter selected in the
 * Python extension as `[python, -m, alembic]`, a `.venv` or `venv` beside the config (or in the
 * run's working directory), and `alembic` on PATH. An interpreter is used only when it can
 * import alembic, so a project whose selected Python lacks it still finds its venv.
 */

export interface AlembicCommand {
  /** The program and its leading arguments; Alembic's own arguments follow. */
  argv: string[];
  source: 'setting' | 'interpreter' | 'venv' | 'path';
  /** For the output channel and messages, e.g. "the .venv beside alembic.ini". */
  description: string;
}

export interface CommandSearch {
  /** The raw `alembicPilot.alembicCommand` setting (validated here). */
  setting?: unknown;
  /** The interpreter the Python extension selected for the workspace folder. */
  interpreter?: string;
  /** The folder of the environment's config file. */
  configDir: string;
  /** The run's working directory, when it differs from configDir. */
  cwd?: string;
  /** PATH and the like; `process.env` when absent. */
  env?: NodeJS.ProcessEnv;
}

/** No way to run Alembic was found, or the setting is malformed; `tried` lists what was looked at. */
export class AlembicCommandError extends Error {
  override name = 'AlembicCommandError';
  constructor(
    message: string,
    readonly reason: 'bad-setting' | 'not-found',
    readonly tried: string[] = [],
  ) {
    super(message);
  }
}

/** The setting's value as an argument array, or an error saying what a valid one looks like. */
export function commandFromSetting(setting: unknown): string[] | undefined {
  if (setting === undefined || setting === null) return undefined;
  if (Array.isArray(setting) && setting.length === 0) return undefined;
  if (!Array.isArray(setting) || !setting.every((a): a is string => typeof a === 'string' && a !== '')) {
    throw new AlembicCommandError(
      'alembicPilot.alembicCommand must be an array of arguments, such as ["uv", "run", "alembic"] or ["poetry", "run", "alembic"]; it is never run through a shell.',
      'bad-setting',
    );
  }
  return [...setting];
}

const probes = new Map<string, Promise<boolean>>();

/** Forgets which interpreters could import alembic, e.g. after the user installed it. */
export function clearCommandCache(): void {
  probes.clear();
}

/** Whether `python` starts and can import alembic (without importing it, which is slow). */
export function canImportAlembic(python: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  let probe = probes.get(python);
  if (!probe) {
    probe = new Promise<boolean>((resolve) => {
      const child = spawn(python, ['-c', "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('alembic') else 3)"], {
        stdio: 'ignore',
        env,
        timeout: 20_000,
      });
      child.on('error', () => resolve(false));
      child.on('exit', (code) => resolve(code === 0));
    });
    probes.set(python, probe);
  }
  return probe;
}

function venvPython(folder: string): string {
  return process.platform === 'win32' ? path.join(folder, 'Scripts', 'python.exe') : path.join(folder, 'bin', 'python');
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, process.platform === 'win32' ? fsConstants.F_OK : fsConstants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The first `alembic` executable on PATH. */
async function alembicOnPath(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const names = process.platform === 'win32' ? ['alembic.exe', 'alembic.cmd', 'alembic'] : ['alembic'];
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    for (const name of names) {
      const file = path.join(dir, name);
      if (await isExecutable(file)) return file;
    }
  }
  return undefined;
}

/** Finds the command; throws AlembicCommandError when nothing can run Alembic. */
export async function findAlembicCommand(search: CommandSearch): Promise<AlembicCommand> {
  const env = search.env ?? process.env;
  const fromSetting = commandFromSetting(search.setting);
  if (fromSetting) return { argv: fromSetting, source: 'setting', description: `the alembicPilot.alembicCommand setting (${fromSetting.join(' ')})` };
  const tried: string[] = [];
  if (search.interpreter !== undefined && search.interpreter !== '') {
    if (await canImportAlembic(search.interpreter, env)) {
      return { argv: [search.interpreter, '-m', 'alembic'], source: 'interpreter', description: `the selected interpreter ${search.interpreter}` };
    }
    tried.push(`the selected interpreter ${search.interpreter} (it cannot import alembic)`);
  }
  const folders = [search.configDir, ...(search.cwd !== undefined && path.resolve(search.cwd) !== path.resolve(search.configDir) ? [search.cwd] : [])];
  for (const folder of folders) {
    for (const name of ['.venv', 'venv']) {
      const python = venvPython(path.join(folder, name));
      if (!(await isExecutable(python))) continue;
      if (await canImportAlembic(python, env)) {
        return { argv: [python, '-m', 'alembic'], source: 'venv', description: `the virtual environment ${path.join(folder, name)}` };
      }
      tried.push(`${path.join(folder, name)} (it has no alembic)`);
    }
  }
  const onPath = await alembicOnPath(env);
  if (onPath) return { argv: [onPath], source: 'path', description: `${onPath} on PATH` };
  tried.push('alembic on PATH');
  throw new AlembicCommandError(
    `No Alembic found to run. Looked at: ${tried.join('; ')}. Select a Python interpreter that has alembic installed, create a .venv beside the config, or set alembicPilot.alembicCommand (e.g. ["uv", "run", "alembic"]).`,
    'not-found',
    tried,
  );
}
