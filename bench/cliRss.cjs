// Runs the bundled CLI's `graph --json` in this process and prints the process's peak RSS in
// KiB. bench/run.mjs uses it only when GNU time is not installed; the JSON output is discarded
// (but still produced), so the CLI does the same work as on the command line.
'use strict';

const [cliPath, dir] = process.argv.slice(2);
if (!cliPath || !dir) {
  process.stderr.write('usage: node bench/cliRss.cjs <dist/cli.js> <history folder>\n');
  process.exit(2);
}
const { main } = require(cliPath);
let written = 0;
const code = main(['graph', '--json', dir], {
  cwd: process.cwd(),
  stdout: (line) => {
    written += line.length;
  },
  stderr: (line) => process.stderr.write(`${line}\n`),
});
if (code !== 0 || written === 0) {
  process.stderr.write(`graph exited with ${code} after writing ${written} characters\n`);
  process.exit(1);
}
process.stdout.write(`${process.resourceUsage().maxRSS}\n`);
