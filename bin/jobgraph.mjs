#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (`npm run build`, which `npm install` runs through the
// `prepare` script), so no TypeScript compiler or loader is needed at run time.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

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
