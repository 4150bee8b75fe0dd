/** `npm run bench:call`: CPU per upstream call below GraphQL, this checkout beside BENCH_BEFORE_ROOT (bench/README.md). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFixture } from '../test/support/fixtures.ts';
import { DEFAULT_PROVIDER_CONCURRENCY } from '../src/config/limits.ts';
import { checkouts, readUpstreamCallSettings } from './lib/settings.ts';
import { runNode } from './rig/childServer.ts';
import { REPO_ROOT } from './rig/proc.ts';
import { median, range } from './rig/stats.ts';
// Types only: each side loads the modules of its own checkout (BENCH_BEFORE_ROOT's, or this one's).
import type * as SourceTypes from '../src/datasources/shared/source.ts';
import type * as PanoramaTypes from '../src/datasources/panorama/index.ts';
import type * as FrameworkTypes from '../src/emulators/framework.ts';
import type * as LoaderTypes from '../src/datasources/guard/loader.ts';
import type * as ObservabilityTypes from '../src/observability/index.ts';

const SELF = fileURLToPath(import.meta.url);
/** Calls in flight at once: one DataLoader batch's worth. */
const BATCH = 100;

/** One side: `calls` calls of `root`'s code after a warm-up; prints the CPU µs per call. */
async function side(root: string, url: string, calls: number): Promise<void> {
  const load = <M>(path: string) => import(resolve(root, path)) as Promise<M>;
  const { createSource } = await load<typeof SourceTypes>('src/datasources/shared/source.ts');
  const { panorama } = await load<typeof PanoramaTypes>('src/datasources/panorama/index.ts');
  const { DEMO_AWS_CREDENTIALS } = await load<typeof FrameworkTypes>('src/emulators/framework.ts');
  const { guardSource, fetchJobShared } = await load<typeof LoaderTypes>(
    'src/datasources/guard/loader.ts',
  );
  const { GatewayMetrics, Observability } = await load<typeof ObservabilityTypes>(
    'src/observability/index.ts',
  );
  const observer = new Observability(new GatewayMetrics(() => []), undefined);
  const source = createSource(panorama, {
    endpoint: url,
    credentials: { ...DEMO_AWS_CREDENTIALS },
    timeoutMs: 5000,
    maxAttempts: 3,
    // Both sides at this checkout's default bound, so they differ only in their call path.
    maxSockets: DEFAULT_PROVIDER_CONCURRENCY,
    observer,
  });
  const guarded = guardSource(source, {
    concurrency: DEFAULT_PROVIDER_CONCURRENCY,
    callerConcurrency: 20,
    budgetMs: 15_000,
    breakerFailures: 5,
    breakerHalfOpenMs: 1000,
  });
  let n = 0;
  let failed = 0;
  const batch = () =>
    Promise.all(
      Array.from({ length: BATCH }, () => {
        const jobId = `pkgimport-${(n++).toString(16).padStart(16, '0')}`;
        const key = { provider: 'AWS_PANORAMA', region: 'us-east-1', jobId } as const;
        return fetchJobShared(guarded, key).catch(() => (failed += 1));
      }),
    );
  for (let i = 0; i < 30; i++) await batch();
  const before = process.cpuUsage();
  for (let i = 0; i < calls / BATCH; i++) await batch();
  const used = process.cpuUsage(before);
  source.close?.();
  if (failed > 0) throw new Error(`${failed} calls failed`);
  process.stdout.write(`${(used.user + used.system) / calls}\n`);
}

/** One side in a fresh process; resolves with its CPU µs per call. */
async function runSide(root: string, url: string, calls: number): Promise<number> {
  const { stdout } = await runNode(['--import', 'tsx', SELF, '--side', root, url, String(calls)]);
  return Number(stdout.trim());
}

async function main(): Promise<void> {
  const settings = readUpstreamCallSettings();
  const { status, headers, body } = loadFixture('panorama', 'success-full');
  const upstream = http.createServer((_req, res) => res.writeHead(status, headers).end(body));
  upstream.keepAliveTimeout = 10 * 60_000;
  await new Promise<void>((listening) => upstream.listen(0, '127.0.0.1', listening));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const roots = checkouts(settings, REPO_ROOT);
  const micros: Record<string, number[]> = {};
  const ratios: number[] = [];
  try {
    for (let pair = 0; pair < settings.pairs; pair++) {
      const order = pair % 2 === 0 ? roots : [...roots].reverse();
      const got: Record<string, number> = {};
      for (const [label, root] of order) {
        got[label] = await runSide(root, url, settings.calls);
        (micros[label] ??= []).push(got[label]);
      }
      if (got.before !== undefined) ratios.push((got.after ?? 0) / got.before);
      const line = roots.map(([label]) => `${label} ${got[label]?.toFixed(1)} µs`).join(', ');
      process.stdout.write(`pair ${pair + 1}: ${line}\n`);
    }
  } finally {
    upstream.closeAllConnections();
    upstream.close();
  }
  for (const [label, xs] of Object.entries(micros))
    process.stdout.write(`${label}: ${median(xs).toFixed(1)} µs per call (${range(xs, 1)})\n`);
  if (ratios.length > 0)
    process.stdout.write(
      `after ÷ before: ${median(ratios).toFixed(2)}× (${range(ratios, 2)}), median of ${ratios.length} pairs\n`,
    );
}

const at = process.argv.indexOf('--side');
if (at >= 0) {
  const [root, url, calls] = process.argv.slice(at + 1) as [string, string, string];
  await side(root, url, Number(calls));
} else await main();
