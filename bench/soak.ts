/**
 * `npm run bench:soak`: does jobgraph's memory keep growing under a steady load (issue 27, item 2)?
 * The emulators and one live gateway on its default configuration, started as `npm run bench`
 * starts them; a warm-up that fills the job cache and the secret registry; then BENCH_SOAK_MINUTES
 * of a fixed-rate mixed load (lib/phases/soakLoad.ts) while the gateway's RSS (/proc) and V8 heap
 * (its own GET /metrics) are read every BENCH_SOAK_SAMPLE_S. The verdict is on the per-minute heap
 * troughs (lib/phases/soakMemory.ts). Writes bench/soak-results.json and bench/SOAK.md.
 * Settings: readSoakSettings() in lib/settings.ts.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { delta } from './rig/emulators.ts';
import { probeFixtures } from './lib/context.ts';
import { metricSum, scrape } from './rig/gateway.ts';
import { UnknownIdGenerator } from './lib/ids.ts';
import { runLoad } from './rig/load.ts';
import { gitState, machineInfo, packageVersions, passMiss, writeReport } from './rig/report.ts';
import { idleRss } from './lib/phases/memory.ts';
import { soakLoad, type SoakLoadStats } from './lib/phases/soakLoad.ts';
import {
  perMinute,
  sampleMemory,
  troughTrend,
  type MemorySample,
  type MinuteMemory,
  type TroughTrend,
} from './lib/phases/soakMemory.ts';
import { cpuTimeMicros, sleep, waitForIdle } from './rig/proc.ts';
import { jobsBody } from './lib/queries.ts';
import { readSoakSettings, type SoakSettings } from './lib/settings.ts';
import { logger, release, runBench, startStack } from './rig/stack.ts';
import { percentile } from './rig/stats.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('./', import.meta.url));
const started = performance.now();
const log = logger(
  'soak',
  () => `${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s`,
);

/**
 * The verdict is on the heap outside the young generation (heap used − new space used, both from
 * the gateway's /metrics) at its lowest in each minute from minute 2 on that saw a full
 * collection. Heap used alone swings by up to the new space's size (≈ 50 MB) with the moment of
 * the reading, and in a minute without a full collection the old generation still holds what was
 * promoted since the last one: neither is what is live. (Heap-used troughs of every minute are
 * fitted too, as a fact.)
 *
 * Noise: in a steady 10-minute run at the defaults (8 requests/s, a reading a second; 2026-11-24)
 * those troughs scattered by σ ≈ 1.6 MB around their line (slope 0.06 ± 0.21 MB/min): V8
 * collects about once a minute, the old generation refills at ≈ 3.6 MB/s, and the reading after
 * a collection comes up to a second later. The line's rise over minutes 2–10 then has a standard
 * error of ≈ 1.7 MB; 5 % of the line at minute 2 (≈ 3.9 MB of jobgraph's ≈ 77 MB) is about 2.3
 * of those, so a steady gateway passes and a leak of 1 MB/min or more (≈ 2 KB per request) does
 * not.
 */
const NOISE_GROWTH_PERCENT = 5;

type Minute = MinuteMemory & {
  requests: number;
  failures: number;
  p50Ms: number;
  upstreamCalls: number;
};

interface SoakResult {
  meta: Record<string, unknown>;
  verdict: 'PASS' | 'MISS' | 'n/a';
  noiseGrowthPercent: number;
  /** The verdict's line: troughs outside the young generation, minutes ≥ 2 with a full collection. */
  trend: TroughTrend | null;
  /** The heap-used troughs of every minute ≥ 2 (a fact). */
  heapUsedTrend: TroughTrend | null;
  troughs: {
    heapUsed: { minute1Mb: number; endMb: number };
    outsideYoung: { minute1Mb: number; endMb: number };
  };
  rss: {
    minute1Mb: number;
    endMb: number;
    idleStartMb: number;
    idleAfterWarmupMb: number;
    idleAfterSoakMb: number;
  };
  /** CPU over the soak, % of one core. */
  cpuPercent: { gateway: number; emulators: number; bench: number };
  load: Omit<SoakLoadStats, 'answered'> & { latencyMs: { p50: number; p99: number } };
  upstreamCalls: number;
  upstreamRetries: number;
  /** Read after the soak's idle RSS: what V8 keeps once the load stops. */
  afterSoak: {
    subscriptionsOpen: number;
    pollers: number;
    heapUsedMb: number;
    heapTotalMb: number;
    rssMb: number;
  };
  minutes: Minute[];
  /** Every reading, one array per field (MB to 0.1). */
  samples: Record<keyof MemorySample, number[]>;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The readings as one array per field, rounded: the JSON stays small at one reading a second. */
function columns(samples: readonly MemorySample[]): SoakResult['samples'] {
  const keys = Object.keys(samples[0] ?? {}) as (keyof MemorySample)[];
  return Object.fromEntries(
    keys.map((k) => [k, samples.map((s) => round(s[k]))]),
  ) as SoakResult['samples'];
}

function renderMarkdown(r: SoakResult, settings: SoakSettings): string {
  const mb = (x: number) => `${round(x)} MB`;
  const line = (t: TroughTrend | null) =>
    t
      ? `${round(t.slopeMbPerMin, 2)} ± ${round(t.slopeStdErrMbPerMin, 2)} MB/min; ${round(t.growthMb, 1)} MB (${round(t.growthPercent, 1)} %); σ ${round(t.residualSdMb, 1)} MB`
      : 'n/a';
  const git = r.meta.git as { commit: string; dirtyFiles: string[] };
  const lines = [
    '# Soak',
    '',
    `${String(r.meta.date)}, commit ${git.commit}${git.dirtyFiles.length ? ' with uncommitted changes' : ''}: ${settings.minutes} min at ${settings.rate} requests/s after ${settings.warmupQueries} warm-up queries, memory read every ${settings.sampleSeconds} s.`,
    '',
    '| figure | value | goal | result |',
    '| --- | --- | --- | --- |',
    `| heap outside the young generation, per-minute troughs (minutes ${r.trend?.minutes.join(', ') ?? '—'}): slope; rise from minute 2 to the end; scatter | ${line(r.trend)} | rise ≤ ${r.noiseGrowthPercent} % of the line at minute 2 | ${r.verdict} |`,
    `| heap used, per-minute troughs (minutes ${r.heapUsedTrend?.minutes.join(', ') ?? '—'}): the same | ${line(r.heapUsedTrend)} | fact | |`,
    `| trough, minute 1 → end: outside the young generation; heap used | ${mb(r.troughs.outsideYoung.minute1Mb)} → ${mb(r.troughs.outsideYoung.endMb)}; ${mb(r.troughs.heapUsed.minute1Mb)} → ${mb(r.troughs.heapUsed.endMb)} | fact | |`,
    `| RSS, median of the minute, minute 1 → end | ${mb(r.rss.minute1Mb)} → ${mb(r.rss.endMb)} | fact | |`,
    `| idle RSS: start, after the warm-up, after the soak | ${mb(r.rss.idleStartMb)}, ${mb(r.rss.idleAfterWarmupMb)}, ${mb(r.rss.idleAfterSoakMb)} | fact | |`,
    `| idle after the soak: heap used, heap total (what V8 keeps) | ${mb(r.afterSoak.heapUsedMb)}, ${mb(r.afterSoak.heapTotalMb)} | fact | |`,
    `| requests, failures; p50 / p99 | ${r.load.requests}, ${r.load.failures}; ${round(r.load.latencyMs.p50)} / ${round(r.load.latencyMs.p99)} ms | 0 failures | ${passMiss(r.load.failures === 0)} |`,
    `| IDs asked: fresh, cache-served; NOT_FOUND for unknown IDs (expected) | ${r.load.freshIds}, ${r.load.cachedIds}; ${r.load.expectedNotFound} | | |`,
    `| upstream calls (retries) | ${r.upstreamCalls} (${r.upstreamRetries}) | | |`,
    `| jobUpdates subscriptions opened, events, failures; open and pollers after | ${r.load.subscriptions.opened}, ${r.load.subscriptions.events}, ${r.load.subscriptions.failures}; ${r.afterSoak.subscriptionsOpen}, ${r.afterSoak.pollers} | 0 failures, 0 left | ${passMiss(r.load.subscriptions.failures === 0 && r.afterSoak.subscriptionsOpen === 0 && r.afterSoak.pollers === 0)} |`,
    `| CPU, % of one core: gateway, emulators, bench | ${round(r.cpuPercent.gateway)}, ${round(r.cpuPercent.emulators)}, ${round(r.cpuPercent.bench)} | fact | |`,
    `| requests skipped (gateway behind the rate) | ${r.load.skipped} | | |`,
    '',
    '| minute | heap used trough | heap used peak | outside young gen, trough | full collections | heap total | external | RSS | gateway CPU % | requests | failures | p50 ms | upstream calls |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.minutes.map(
      (m) =>
        `| ${m.minute} | ${round(m.heapTroughMb)} | ${round(m.heapPeakMb)} | ${round(m.outsideYoungTroughMb)} | ${m.collections} | ${round(m.heapTotalMb)} | ${round(m.externalMb)} | ${round(m.rssMb)} | ${round(m.cpuPercent)} | ${m.requests} | ${m.failures} | ${round(m.p50Ms)} | ${m.upstreamCalls} |`,
    ),
    '',
  ];
  lines.push(
    'MB throughout. Re-run (`npm run bench:soak` builds `dist/` first; settings: `readSoakSettings` in `bench/lib/settings.ts`):',
    '',
    '```sh',
    'npm run bench:soak                                       # 10 min; writes this file and bench/soak-results.json',
    'BENCH_SOAK_MINUTES=30 BENCH_SOAK_RATE=8 npm run bench:soak  # longer, heavier',
    '```',
    '',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const settings = readSoakSettings();
  log(`settings ${JSON.stringify(settings)}`);
  const stack = await startStack({ latencyMs: settings.latencyMs });
  const { emulators, token, headers: authHeaders } = stack;
  const { templates, fixtures } = await probeFixtures(stack);
  log(
    `templates ${JSON.stringify(templates)}; the cache keeps fresh finished jobs of ${fixtures.finishedProviders.join(', ')}`,
  );

  const gateway = await stack.gateway({ label: 'soak' });
  log(`gateway pid ${gateway.pid} (default configuration)`);
  const idleStartMb = await idleRss(gateway);
  const ids = new UnknownIdGenerator();
  log(
    `warm-up: ${settings.warmupQueries} fresh finished 100-job queries (fill the job cache and the secret registry)`,
  );
  if (settings.warmupQueries > 0) {
    const warm = await runLoad({
      url: gateway.url,
      nextBody: () => jobsBody(ids.mix(20, 'finished')),
      headers: authHeaders,
      connections: 4,
      amount: settings.warmupQueries,
      timeoutS: 120,
    });
    if (warm.ok !== settings.warmupQueries)
      throw new Error(`warm-up: ${warm.ok} of ${settings.warmupQueries} queries answered 200`);
  }
  await waitForIdle(gateway.pid);
  const idleAfterWarmupMb = await idleRss(gateway);
  log(
    `idle RSS ${idleStartMb.toFixed(0)} MB at start, ${idleAfterWarmupMb.toFixed(0)} MB after the warm-up; soak ${settings.minutes} min at ${settings.rate}/s`,
  );

  const soakStart = performance.now();
  const until = soakStart + settings.minutes * 60_000;
  const callsAtStart = await emulators.counters();
  const retriesAtStart = metricSum(await scrape(gateway), 'jobgraph_upstream_retries_total');
  const cpuAtStart = { emulators: cpuTimeMicros(emulators.pid), bench: cpuTimeMicros(process.pid) };
  const samples: MemorySample[] = [await sampleMemory(gateway, 0)];
  const callsAt: { atS: number; calls: number }[] = [{ atS: 0, calls: 0 }];
  const sampler = (async () => {
    for (let i = 1; soakStart + i * settings.sampleSeconds * 1000 <= until; i++) {
      await sleep(soakStart + i * settings.sampleSeconds * 1000 - performance.now());
      const atS = (performance.now() - soakStart) / 1000;
      const sample = await sampleMemory(gateway, atS);
      samples.push(sample);
      callsAt.push({ atS, calls: delta(callsAtStart, await emulators.counters(), 'calls') });
      if ((samples.length - 1) % Math.round(60 / settings.sampleSeconds) === 0)
        log(
          `${(atS / 60).toFixed(1)} min: heap ${sample.heapUsedMb.toFixed(1)}/${sample.heapTotalMb.toFixed(1)} MB, RSS ${sample.rssMb.toFixed(0)} MB`,
        );
    }
  })();
  sampler.catch(() => undefined); // its failure is thrown where it is awaited, after the load
  const stats = await soakLoad({
    url: gateway.url,
    headers: authHeaders,
    token,
    ids,
    cacheable: fixtures.finishedProviders,
    rate: settings.rate,
    startedAt: soakStart,
    until,
  });
  await sampler;
  const soakS = (performance.now() - soakStart) / 1000;
  const cpuPercent = {
    gateway:
      (100 * ((samples.at(-1)?.cpuS ?? 0) - (samples[0]?.cpuS ?? 0))) /
      ((samples.at(-1)?.atS ?? 0) || 1),
    emulators: (cpuTimeMicros(emulators.pid) - cpuAtStart.emulators) / 1e4 / soakS,
    bench: (cpuTimeMicros(process.pid) - cpuAtStart.bench) / 1e4 / soakS,
  };
  const upstreamCalls = delta(callsAtStart, await emulators.counters(), 'calls');
  const upstreamRetries =
    metricSum(await scrape(gateway), 'jobgraph_upstream_retries_total') - retriesAtStart;
  await waitForIdle(gateway.pid);
  const idleAfterSoakMb = await idleRss(gateway);
  const after = await sampleMemory(gateway, (performance.now() - soakStart) / 1000);
  await release(gateway);
  await release(emulators);

  const minutes: Minute[] = perMinute(samples, settings.minutes).map((m) => {
    const own = stats.answered.filter(
      (a) => Math.min(settings.minutes, Math.floor(a.at / 60_000) + 1) === m.minute,
    );
    const callsBy = (minute: number) =>
      callsAt.filter((c) => c.atS <= minute * 60).at(-1)?.calls ?? 0;
    return {
      ...m,
      requests: own.length,
      failures: own.filter((a) => !a.ok).length,
      p50Ms: percentile(
        own.map((a) => a.ms),
        50,
      ),
      upstreamCalls: callsBy(m.minute) - callsBy(m.minute - 1),
    };
  });
  const fitted = minutes.filter((m) => m.minute >= 2);
  const trend = troughTrend(
    fitted.filter((m) => m.collections > 0),
    (m) => m.outsideYoungTroughMb,
    settings.minutes,
  );
  const heapUsedTrend = troughTrend(fitted, (m) => m.heapTroughMb, settings.minutes);
  const first = minutes[0] as MinuteMemory;
  const last = minutes[minutes.length - 1] as MinuteMemory;
  const { answered, ...load } = stats;
  const result: SoakResult = {
    meta: {
      date: new Date().toISOString(),
      durationS: Math.round((performance.now() - started) / 1000),
      machine: machineInfo(),
      packages: packageVersions(REPO_ROOT),
      git: gitState(REPO_ROOT),
      settings,
      templates,
    },
    verdict: trend ? (trend.growthPercent <= NOISE_GROWTH_PERCENT ? 'PASS' : 'MISS') : 'n/a',
    noiseGrowthPercent: NOISE_GROWTH_PERCENT,
    trend,
    heapUsedTrend,
    troughs: {
      heapUsed: { minute1Mb: first.heapTroughMb, endMb: last.heapTroughMb },
      outsideYoung: { minute1Mb: first.outsideYoungTroughMb, endMb: last.outsideYoungTroughMb },
    },
    rss: {
      minute1Mb: first.rssMb,
      endMb: last.rssMb,
      idleStartMb,
      idleAfterWarmupMb,
      idleAfterSoakMb,
    },
    load: {
      ...load,
      latencyMs: {
        p50: percentile(
          answered.map((a) => a.ms),
          50,
        ),
        p99: percentile(
          answered.map((a) => a.ms),
          99,
        ),
      },
    },
    cpuPercent,
    upstreamCalls,
    upstreamRetries,
    afterSoak: {
      subscriptionsOpen: after.subscriptionsOpen,
      pollers: after.pollers,
      heapUsedMb: after.heapUsedMb,
      heapTotalMb: after.heapTotalMb,
      rssMb: after.rssMb,
    },
    minutes,
    samples: columns(samples),
  };
  await writeReport({
    md: [join(BENCH_DIR, 'SOAK.md'), renderMarkdown(result, settings)],
    json: [join(BENCH_DIR, 'soak-results.json'), result],
  });
  log(
    `${result.verdict}: troughs outside the young generation ${trend ? `${trend.slopeMbPerMin.toFixed(2)} ± ${trend.slopeStdErrMbPerMin.toFixed(2)} MB/min, rise ${trend.growthMb.toFixed(1)} MB (${trend.growthPercent.toFixed(1)} %)` : 'n/a'}, ` +
      `${first.outsideYoungTroughMb.toFixed(1)} → ${last.outsideYoungTroughMb.toFixed(1)} MB; heap-used troughs ${first.heapTroughMb.toFixed(1)} → ${last.heapTroughMb.toFixed(1)} MB; RSS ${first.rssMb.toFixed(0)} → ${last.rssMb.toFixed(0)} MB; ` +
      `${stats.requests} requests, ${stats.failures} failures, ${upstreamCalls} upstream calls; wrote bench/SOAK.md and bench/soak-results.json`,
  );
}

runBench(log, main);
