import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (`main`) and ESM (`module`) builds. Node loads the CJS one for both
    // our code and @apollo/* packages; Vite would pick the ESM one for our code and so create a
    // second graphql instance ("Cannot use GraphQLObjectType from another module").
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    // Two projects: `unit` runs the TypeScript sources as they are (one file on its own starts in a
    // couple of seconds); `e2e` (files named *.e2e.test.ts) spawns bin/jobgraph.mjs, which runs the
    // compiled code, so it builds dist/ once first. `npm test` runs both; `npx vitest run --project
    // unit <file>` runs one unit file without a build.
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.e2e.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.test.ts'],
          globalSetup: ['test/support/buildDist.ts'],
        },
      },
    ],
    // No test leaves the machine: a connect beyond loopback is refused and fails the test that made it.
    setupFiles: ['test/support/loopbackOnly.ts'],
    // Set in each fork's process.env before any module loads: @apollo/gateway's constructor otherwise starts a usage exporter that probes cloud metadata hosts.
    env: { APOLLO_TELEMETRY_DISABLED: '1' },
    // The timeouts catch a hung test; they are not a speed goal (speed goals live in bench/). Work
    // that takes a few seconds idle (120 fuzzed requests through the gateway, spawning the CLI)
    // took close to 30 s on a busy 2-core machine, so leave it room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Tests talk to emulators on ephemeral loopback ports, so files may run in parallel.
    pool: 'forks',
  },
});
