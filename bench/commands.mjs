// The processes the benchmarks time and the facts they report beside them: commands run with an
// argument array (no shell), the harness's Python and Alembic, the CPU model.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const GNU_TIME = '/usr/bin/time';

/** The Node options the extension starts its language server with (server/src/launch.json). */
export const SERVER_EXEC_ARGV = JSON.parse(readFileSync(new URL('../server/src/launch.json', import.meta.url), 'utf8')).execArgv;

/**
 * Reads a positive integer from the environment; anything else is an error rather than a
 * silent fallback, so a typo never produces a benchmark of the wrong size.
 * @param {string} name
 * @param {number | undefined} fallback
 */
export function envInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not '${raw}'.`);
  return value;
}

/**
 * @typedef {object} Command
 * @property {string} key
 * @property {string} label   how the command is shown in the table
 * @property {string} file
 * @property {string[]} args
 * @property {NodeJS.ProcessEnv} [env]  the environment, when it differs from this process's
 * @property {number[]} [okCodes]  exit codes besides 0 that are not a failure (lint exits 1 on findings)
 */

/**
 * @typedef {object} RunOutcome
 * @property {number} ms
 * @property {string} stdout  empty unless captured
 * @property {number | undefined} rssKiB  peak resident set size, when measured
 */

/**
 * Runs a command once with an argument array (no shell). Standard output goes to /dev/null
 * for timed runs, so that neither a pipe nor this process's reading is part of the time; it is
 * captured only for the correctness and memory runs. With `measureRss`, the command runs under
 * GNU time, which writes the peak RSS (in KiB) to a file of its own.
 * @param {Command} command
 * @param {{ capture?: boolean, measureRss?: boolean }} [options]
 * @param {string} workDir  where GNU time writes its figure
 * @returns {Promise<RunOutcome>}
 */
export function runCommand(command, options, workDir) {
  options ??= {};
  const rssFile = options.measureRss ? path.join(workDir, `rss-${command.key}-${Date.now()}`) : undefined;
  const [file, args] = rssFile
    ? [GNU_TIME, ['-f', '%M', '-o', rssFile, command.file, ...command.args]]
    : [command.file, command.args];
  const devNull = options.capture ? undefined : openSync('/dev/null', 'w');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, { stdio: ['ignore', devNull ?? 'pipe', 'pipe'], env: command.env ?? process.env });
    /** @type {Buffer[]} */
    const out = [];
    /** @type {Buffer[]} */
    const err = [];
    child.stdout?.on('data', (chunk) => out.push(chunk));
    child.stderr?.on('data', (chunk) => err.push(chunk));
    child.on('error', (error) => {
      if (devNull !== undefined) closeSync(devNull);
      reject(error);
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - started;
      if (devNull !== undefined) closeSync(devNull);
      if (code !== 0 && !(command.okCodes ?? []).includes(code ?? -1)) {
        reject(new Error(`${command.label} exited with ${code ?? signal}:\n${Buffer.concat(err).toString('utf8').slice(-4000)}`));
        return;
      }
      let rssKiB;
      if (rssFile) {
        // GNU time may print a "Command exited with non-zero status" line first; the number is last.
        const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
        rssKiB = Number(lines[lines.length - 1]);
        rmSync(rssFile, { force: true });
      }
      resolve({ ms, stdout: Buffer.concat(out).toString('utf8'), rssKiB });
    });
  });
}

/**
 * The Python interpreter of the test harness venv (Alembic 1.20), reusing the harness's own
 * code so that the benchmark and the tests always run the same Alembic. The helper is
 * TypeScript, so it is bundled to a temporary CommonJS file (in `workDir`) with esbuild and required.
 * @param {string} workDir
 */
export async function harnessPython(workDir) {
  const bundle = path.join(workDir, 'python-helper.cjs');
  await esbuild.build({
    entryPoints: [path.join(repo, 'test', 'helpers', 'python.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
  const helper = createRequire(import.meta.url)(bundle);
  const python = await helper.alembicPython();
  const version = await helper.alembicVersionOf(python);
  return { python, version: String(version) };
}

/** The first "model name" of /proc/cpuinfo, or what Node reports when that file is missing. */
export function cpuModel() {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // Not Linux; fall through to Node's view.
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

/**
 * Parses `alembic heads` output ("<rev> (label) (head)" per line) into sorted revision ids.
 * @param {string} text
 */
export function alembicHeads(text) {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((id) => id && id.length > 0)
    .sort();
}

let cpuFiles = 0;

/**
 * Runs a program with an argument array and resolves with its wall time, output and exit code;
 * with `cpuDir`, it runs under GNU time, which also gives its CPU time (user + system), a
 * figure that other work on the machine disturbs much less than the wall time.
 * @param {string} file
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions} options
 * @param {string} [cpuDir]
 * @returns {Promise<{ ms: number, cpuMs: number | undefined, code: number | null, stdout: string, stderr: string }>}
 */
export function timed(file, args, options, cpuDir) {
  return new Promise((resolve, reject) => {
    const cpuFile = cpuDir === undefined ? undefined : path.join(cpuDir, `cpu-${cpuFiles++}`);
    const [program, argv] = cpuFile === undefined ? [file, args] : [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, file, ...args]];
    const started = performance.now();
    const child = spawn(program, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    /** @type {Buffer[]} */
    const out = [];
    /** @type {Buffer[]} */
    const err = [];
    child.stdout?.on('data', (d) => out.push(d));
    child.stderr?.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const cpuMs = cpuFile === undefined ? undefined : readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).reduce((sum, v) => sum + Number(v) * 1000, 0);
      resolve({ ms, cpuMs, code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/**
 * bench/stateHelpers.ts (the throwaway PostgreSQL and the harness's Python), bundled into
 * `workDir` with esbuild and required, so the state and seed benchmarks use the tests' own code.
 * @param {string} workDir
 */
export async function stateHelpers(workDir) {
  const bundle = path.join(workDir, 'state-helpers.cjs');
  await esbuild.build({ entryPoints: [path.join(repo, 'bench', 'stateHelpers.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
  return createRequire(import.meta.url)(bundle);
}
