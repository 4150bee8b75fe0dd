/**
 * `node --import tsx bench/fairness.ts`: the fairness phase (h) alone, about a minute. Starts
 * the emulators and one uncached gateway in live mode, measures caller B's 1-job query alone
 * and while caller A floods Panorama with 100-job queries, and prints the figures. With
 * BENCH_BEFORE_ROOT=<checkout of an older commit> it measures that checkout's gateway too
 * (the before figure). Settings as for `npm run bench` (BENCH_LATENCY_MS, BENCH_FAIRNESS_S).
 */
import { randomBytes } from 'node:crypto';
import { startEmulatorProcess } from './lib/emulators.ts';
import { startGateway } from './lib/gateway.ts';
import { UnknownIdGenerator } from './lib/ids.ts';
import {
  callerFairness,
  FAIRNESS_LATENCY_MS,
  FLOOD_CONNECTIONS,
  type FairnessRun,
} from './lib/phases/fairness.ts';
import { readSettings } from './lib/settings.ts';
import type { BenchContext } from './lib/context.ts';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const log = (m: string) => process.stderr.write(`[fairness] ${m}\n`);

async function main(): Promise<void> {
  const settings = readSettings();
  const beforeRoot = settings.beforeRoot;
  const emulators = await startEmulatorProcess(settings.latencyMs);
  const jwtSecret = randomBytes(32).toString('base64url');
  const ctx: BenchContext = {
    settings,
    repoRoot: fileURLToPath(new URL('../', import.meta.url)),
    tmpDir: mkdtempSync(join(os.tmpdir(), 'jobgraph-bench-')),
    emulators,
    jwtSecret,
    authHeaders: {},
    unknownIds: new UnknownIdGenerator(),
    log,
    floorCpu: () => Promise.reject(new Error('bench/fairness.ts measures no floor')),
  };
  const results: [string, FairnessRun][] = [];
  try {
    for (const [label, repoRoot] of [
      ...(beforeRoot ? [['before', beforeRoot] as const] : []),
      ['after', undefined] as const,
    ]) {
      const gateway = await startGateway({
        label,
        upstreamEnv: emulators.env,
        jwtSecret,
        extraEnv: { JOBGRAPH_CACHE_MAX_ENTRIES: '0' },
        ...(repoRoot ? { repoRoot } : {}),
      });
      log(`${label}: gateway pid ${gateway.pid}${repoRoot ? ` from ${repoRoot}` : ''}`);
      try {
        results.push([label, await callerFairness(ctx, gateway)]);
      } finally {
        await gateway.stop();
      }
    }
  } finally {
    await emulators.close();
  }
  console.log(
    `caller B: 1-job Panorama query, 1 connection; caller A: ${FLOOD_CONNECTIONS} connections of 100-job Panorama queries; upstream latency ${FAIRNESS_LATENCY_MS} ms`,
  );
  console.log(
    '| gateway | B alone p50 | B under flood p50 | B under flood p99 | ratio | A queries/s |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [label, r] of results) {
    const ratio = r.underFlood.latencyMs.p50 / r.alone.latencyMs.p50;
    console.log(
      `| ${label} | ${r.alone.latencyMs.p50.toFixed(1)} ms | ${r.underFlood.latencyMs.p50.toFixed(1)} ms | ${r.underFlood.latencyMs.p99.toFixed(1)} ms | ${ratio.toFixed(2)}× | ${r.flood.rps.toFixed(1)} |`,
    );
  }
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
