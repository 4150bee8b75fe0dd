#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (`npm run build`, which `npm install` runs through the
// `prepare` script), so no TypeScript compiler or loader is needed at run time.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

// The history store needs node:sqlite, built into Node 22.13 and newer without a flag: an older
// Node is refused here, in one line, before anything is loaded (it would start, then die at the
// first history read with "No such built-in module: node:sqlite").
const NEEDED = [22, 13];
const found = process.versions.node.split('.').map(Number);
if (found[0] < NEEDED[0] || (found[0] === NEEDED[0] && found[1] < NEEDED[1])) {
  process.stderr.write(
    `jobgraph: needs Node ${NEEDED.join('.')} or newer (24 LTS is the baseline); this is Node ${process.versions.node}\n`,
  );
  process.exit(1);
}

// Not module.enableCompileCache(): it shortens live-mode start-up by ~0.1 s but costs 5–10 MB of
// resident memory for as long as the gateway runs.
const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'jobgraph: dist/cli/main.js is missing: run "npm run build" (npm install runs it) first\n',
  );
  process.exit(1);
}
await import(main.href);
