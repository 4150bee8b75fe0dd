import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const CLUSTER_FILES = [
  'test/subscriptions/cluster.e2e.test.ts',
  'test/subscriptions/singleConnectionCluster.e2e.test.ts',
  'test/subscriptions/clusterEvents.e2e.test.ts',
  'test/resilience/rateBudget.e2e.test.ts',
];

/**
 * Files that count strings in a heap snapshot of their own process: in a fork the unit files
 * share (isolate: false) that heap holds every earlier file's modules and the snapshot took over
 * a minute; alone in a fresh fork it is small.
 */
const HEAP_SNAPSHOT_FILES = ['test/subscriptions/oneGlobalId.test.ts'];

/**
 * Every project's last global setup: the suite writes nowhere but temporary folders; a test that
 * leaves a file in the working tree (a history in ./jobgraph-data…) fails the run, naming it.
 */
const TREE_UNCHANGED = 'test/support/treeUnchanged.ts';

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (`main`) and ESM (`module`) builds. Node loads the CJS one for both
    // our code and @apollo/* packages; Vite would pick the ESM one for our code and so create a
    // second graphql instance ("Cannot use GraphQLObjectType from another module").
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  // @jobgraph/emulators (packages/emulators/) by its TypeScript sources, as tsconfig.json's
  // customConditions: a unit file needs no build of the package. Vitest's own defaults follow.
  ssr: { resolve: { conditions: ['jobgraph-source', 'node', 'development|production'] } },
  test: {
    // Three projects and `heap` (HEAP_SNAPSHOT_FILES, each in a fresh fork): `unit` runs the TypeScript sources as they are (one file on its own starts in a
    // couple of seconds); `e2e` (files named *.e2e.test.ts) spawns bin/jobgraph.mjs, which runs the
    // compiled code, so it builds dist/ once first; `cluster`, e2e files too, runs one file at a time.
    // `npm test` runs all three; `npx vitest run --project
    // unit <file>` runs one unit file without a build.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.e2e.test.ts', ...HEAP_SNAPSHOT_FILES],
          // One module graph per fork, not one per file: importing Apollo Server, graphql and the
          // AWS SDKs afresh for each of ~170 files was three quarters of the unit files' CPU. Each
          // file still builds its own servers, emulators and registries; what a file changes at
          // module level (e.g. listClient's signing clock) it puts back when it ends
          // (test/support/fileState.ts).
          isolate: false,
          globalSetup: [TREE_UNCHANGED],
        },
      },
      {
        extends: true,
        test: { name: 'heap', include: HEAP_SNAPSHOT_FILES, globalSetup: [TREE_UNCHANGED] },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.test.ts'],
          exclude: CLUSTER_FILES,
          globalSetup: ['test/support/buildDist.ts', TREE_UNCHANGED],
        },
      },
      {
        // Replicas sharing Redis, checked against their poll interval and rate limits: one file at
        // a time, so two clusters of replicas never compete for the cores. The other projects'
        // files do run beside them (vitest runs projects together unless `sequence.groupOrder`
        // says otherwise); their bounds allow for that.
        extends: true,
        test: {
          name: 'cluster',
          include: CLUSTER_FILES,
          globalSetup: ['test/support/buildDist.ts', TREE_UNCHANGED],
          maxWorkers: 1,
        },
      },
    ],
    // No test leaves the machine: a connect beyond loopback is refused and fails the test that made it.
    setupFiles: ['test/support/loopbackOnly.ts', 'test/support/fileState.ts'],
    // Set in each fork's process.env before any module loads: @apollo/gateway's constructor otherwise starts a usage exporter that probes cloud metadata hosts.
    env: { APOLLO_TELEMETRY_DISABLED: '1' },
    // The timeouts catch a hung test; they are not a speed goal (speed goals live in bench/). Work
    // that takes a few seconds idle (120 fuzzed requests through the gateway, spawning the CLI)
    // took close to 30 s on a busy 2-core machine, so leave it room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll's own default gives up after 1 s, which a busy machine can spend starving one fork.
    expect: { poll: { timeout: 30_000, interval: 20 } },
    // Tests talk to emulators on ephemeral loopback ports, so files may run in parallel. Vitest's
    // default for `run` is one fork fewer than the cores, a single fork on a 2-core machine, while
    // many files spend their time waiting on spawned gateways, Redis, nginx or Chromium.
    pool: 'forks',
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
