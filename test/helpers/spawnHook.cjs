// Records every child process a Node program creates, to prove that all of them are spawned
// with an argument array and without a shell. Loaded with `node --require` into a process
// under test (it then appends one JSON line per call to the file named by SPAWN_LOG), or
// installed in a test's own process with install(). Node's ESM view of child_process is
// synchronised afterwards, so `import { spawn } from 'node:child_process'` sees the wrappers too.
'use strict';
const childProcess = require('node:child_process');
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');

const FUNCTIONS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'];

function install(record) {
  const originals = {};
  for (const name of FUNCTIONS) {
    const original = childProcess[name];
    originals[name] = original;
    childProcess[name] = function recorded(file, args, options) {
      const list = Array.isArray(args) ? args : undefined;
      const opts = (list ? options : args) || {};
      record({ fn: name, file: String(file), argsIsArray: list !== undefined, args: list, shell: Boolean(opts && typeof opts === 'object' && opts.shell) });
      return original.apply(this, arguments);
    };
  }
  syncBuiltinESMExports();
  return function uninstall() {
    for (const name of FUNCTIONS) childProcess[name] = originals[name];
    syncBuiltinESMExports();
  };
}

if (process.env.SPAWN_LOG) {
  const log = process.env.SPAWN_LOG;
  install((call) => fs.appendFileSync(log, `${JSON.stringify({ pid: process.pid, ...call })}\n`));
}

module.exports = { install };
