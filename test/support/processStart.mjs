// Preloaded with `node --import` by test/cli.test.ts: each time a process starts (again, after an
// execve), prints one line to stderr with its pid and its Node flags (less the --import of this file).
import process from 'node:process';

const execArgv = process.execArgv.filter(
  (arg, i, all) => arg !== '--import' && all[i - 1] !== '--import',
);
process.stderr.write(`STARTED ${JSON.stringify({ pid: process.pid, execArgv })}\n`);
