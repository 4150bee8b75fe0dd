import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Vitest global setup: compile packages/emulators/src/ and src/ to their dist/ and bundle the console (`npm run build`; tsc is
 * incremental: about 3 s when nothing changed) before any test runs, so the tests that spawn bin/jobgraph.mjs never run a stale build,
 * whether the suite was started by `npm test` or `npx vitest run`; once per run, however many
 * projects name it.
 */
export default function setup(): void {
  // Both the e2e and the cluster project name this setup, and vitest runs each project's setup
  // (one after the other, in this process, before any test): the second build found nothing to
  // do but still cost a tsc and an esbuild run while every fork waited. Once per run is enough.
  const run = globalThis as { jobgraphDistBuilt?: boolean };
  if (run.jobgraphDistBuilt) return;
  run.jobgraphDistBuilt = true;
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // The emulators' package first (packages/emulators/dist/): the gateway's build reads its
  // declarations, and the gateways the tests spawn import it.
  for (const project of ['packages/emulators/tsconfig.build.json', 'tsconfig.build.json'])
    execFileSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });
  // The jobs console's bundle (dist/console/), which the console's browser tests load.
  execFileSync(process.execPath, ['console/build.mjs'], { cwd: root, stdio: 'inherit' });
}
