import { metricValue, scrape, type GatewayProcess } from '../../rig/gateway.ts';
import { linearFit, median } from '../../rig/stats.ts';

const MB = 1024 * 1024;

/** One reading of the gateway: RSS from /proc, the rest from its GET /metrics (prom-client). */
export interface MemorySample {
  /** Seconds since the soak started. */
  atS: number;
  rssMb: number;
  /** `nodejs_heap_size_used_bytes` / `_total_bytes`: V8's heap in use, and what V8 holds for it. */
  heapUsedMb: number;
  heapTotalMb: number;
  /** `nodejs_heap_space_size_used_bytes{space="new"}`: the young generation. */
  newSpaceUsedMb: number;
  /** `nodejs_heap_space_size_used_bytes{space="old"}`: objects that survived two scavenges. */
  oldSpaceUsedMb: number;
  /** `nodejs_external_memory_bytes`: Buffers and other memory outside the heap V8 knows of. */
  externalMb: number;
  /** `jobgraph_subscriptions_open`, `jobgraph_watch_pollers`. */
  subscriptionsOpen: number;
  pollers: number;
  /** The gateway's CPU time so far (user + system, /proc), s. */
  cpuS: number;
}

/** One reading: /metrics first, then RSS right after it. */
export async function sampleMemory(gateway: GatewayProcess, atS: number): Promise<MemorySample> {
  const text = await scrape(gateway);
  const need = (name: string, labels = '') => {
    const v = metricValue(text, name, labels);
    if (!Number.isFinite(v))
      throw new Error(`GET /metrics has no ${name}${labels ? `{${labels}}` : ''}`);
    return v;
  };
  return {
    atS,
    rssMb: gateway.rss() / MB,
    heapUsedMb: need('nodejs_heap_size_used_bytes') / MB,
    heapTotalMb: need('nodejs_heap_size_total_bytes') / MB,
    newSpaceUsedMb: need('nodejs_heap_space_size_used_bytes', 'space="new"') / MB,
    oldSpaceUsedMb: need('nodejs_heap_space_size_used_bytes', 'space="old"') / MB,
    externalMb: need('nodejs_external_memory_bytes') / MB,
    subscriptionsOpen: need('jobgraph_subscriptions_open'),
    pollers: need('jobgraph_watch_pollers'),
    cpuS: gateway.cpuMicros() / 1e6,
  };
}

/** One minute of the soak, from its samples. */
export interface MinuteMemory {
  minute: number;
  samples: number;
  /** The smallest heap-used reading of the minute. */
  heapTroughMb: number;
  heapPeakMb: number;
  /** The smallest reading of heap used − new space used (the heap outside the young gen). */
  outsideYoungTroughMb: number;
  /**
   * Full collections seen in the minute: readings whose heap outside the young generation is at
   * least 10 % below the reading before (a scavenge only adds to it; only a full collection frees
   * it). prom-client's `nodejs_gc_duration_seconds_count{kind="major"}` misses some of them.
   */
  collections: number;
  heapTotalMb: number;
  externalMb: number;
  /** Median RSS of the minute's readings. */
  rssMb: number;
  /** The gateway's CPU over the minute, % of one core. */
  cpuPercent: number;
}

const outsideYoung = (s: MemorySample) => s.heapUsedMb - s.newSpaceUsedMb;

/**
 * Per-minute figures. `samples[0]` is the reading at the soak's start (the baseline for the
 * counters); each later one belongs to the minute it was taken in.
 */
export function perMinute(samples: readonly MemorySample[], minutes: number): MinuteMemory[] {
  const out: MinuteMemory[] = [];
  let previous = samples[0];
  for (let m = 1; m <= minutes && previous; m++) {
    const own = samples.slice(1).filter((s) => Math.min(minutes, Math.floor(s.atS / 60) + 1) === m);
    const last = own[own.length - 1];
    if (!last) continue;
    const heap = own.map((s) => s.heapUsedMb);
    const before = [previous, ...own.slice(0, -1)];
    out.push({
      minute: m,
      samples: own.length,
      heapTroughMb: Math.min(...heap),
      heapPeakMb: Math.max(...heap),
      outsideYoungTroughMb: Math.min(...own.map(outsideYoung)),
      collections: own.filter(
        (s, i) => outsideYoung(s) < 0.9 * outsideYoung(before[i] as MemorySample),
      ).length,
      heapTotalMb: median(own.map((s) => s.heapTotalMb)),
      externalMb: median(own.map((s) => s.externalMb)),
      rssMb: median(own.map((s) => s.rssMb)),
      cpuPercent: (100 * (last.cpuS - previous.cpuS)) / (last.atS - previous.atS),
    });
    previous = last;
  }
  return out;
}

export interface TroughTrend {
  /** The minutes fitted. */
  minutes: number[];
  /** Least-squares slope of the troughs, MB per minute, and its standard error. */
  slopeMbPerMin: number;
  slopeStdErrMbPerMin: number;
  /** How far the troughs scatter around the line, MB (residual standard deviation). */
  residualSdMb: number;
  /** The line at minute 2, MB. */
  atMinute2Mb: number;
  /** The line's rise from minute 2 to the last minute, MB and % of the line at minute 2. */
  growthMb: number;
  growthPercent: number;
}

/** The least-squares line through `trough` of `minutes`; null with fewer than 3 of them. */
export function troughTrend(
  minutes: readonly MinuteMemory[],
  trough: (m: MinuteMemory) => number,
  lastMinute: number,
): TroughTrend | null {
  if (minutes.length < 3) return null;
  const fit = linearFit(
    minutes.map((m) => m.minute),
    minutes.map(trough),
  );
  const atMinute2Mb = fit.intercept + 2 * fit.slope;
  const growthMb = fit.slope * (lastMinute - 2);
  return {
    minutes: minutes.map((m) => m.minute),
    slopeMbPerMin: fit.slope,
    slopeStdErrMbPerMin: fit.slopeStdErr,
    residualSdMb: fit.residualSd,
    atMinute2Mb,
    growthMb,
    growthPercent: (100 * growthMb) / atMinute2Mb,
  };
}
