import { FAIRNESS_LATENCY_MS, FLOOD_CONNECTIONS } from '../lib/phases/fairness.ts';
import type { BenchSettings } from '../lib/settings.ts';
import type { CpuRun, SideResult } from '../lib/side.ts';
import { median } from './stats.ts';

// The figures of RESULTS.md, each a row's spec: what it measures of a side, against what baseline,
// under which goal. report.ts turns them into rows and tables.

/** Wall ms of one direct call and of 80 concurrent direct calls, at the slow upstream latency. */
export type FloorResult = Record<'oneMs' | 'eightyMs', number[]>;

/** The bare servers' CPU per cache-served 1-job request, per run (µs). */
export type BaselineRuns = Record<'baselineMicros' | 'httpMicros' | 'apolloMicros', number[]>;

/** The goal: on the value, or on value ÷ baseline. */
export type Goal = { on: 'value' | 'ratio'; op: '<=' | '='; target: number };

export type Kind = 'existing' | 'missing';

export const cpuRuns = (s: SideResult, kind: Kind): CpuRun[] =>
  kind === 'existing' ? s.cpuExisting : s.cpuMissing;
export const peerRuns = (s: SideResult, kind: Kind): CpuRun[] =>
  (kind === 'existing' ? s.peer?.cpuExisting : s.peer?.cpuMissing) ?? [];

/** Each gateway CPU-per-job run ÷ the floor run made right before it. */
export const floorRatios = (s: SideResult, kind: Kind): number[] =>
  cpuRuns(s, kind).map((run, i) => run.microsPerJob / (s.floorMicros[kind][i] as number));
/** Each gateway CPU-per-job run ÷ the peer run of the same round. */
export const peerRatios = (s: SideResult, kind: Kind): number[] =>
  peerRuns(s, kind).map(
    (peer, i) => (cpuRuns(s, kind)[i]?.microsPerJob ?? Number.NaN) / peer.microsPerJob,
  );

const perJob = (runs: readonly CpuRun[]) => median(runs.map((r) => r.microsPerJob));

/**
 * A row: its value `of` a side; its in-run `baseline`, or each side's own (`baselineOf`); its goal;
 * `pairedRatioOf`, the ratio judged if not value ÷ baseline (CPU rows: median of run ÷ its pair).
 */
export type RowSpec = {
  id: string;
  figure: string;
  unit: string;
  baselineLabel?: string;
  goal?: Goal;
  digits?: number;
  of: (s: SideResult) => number | undefined;
  baseline?: number;
  baselineOf?: (s: SideResult) => number | undefined;
  pairedRatioOf?: (s: SideResult) => number;
};

/** Every figure's spec, in RESULTS.md's order. */
export function figureSpecs(
  floor: FloorResult,
  after: SideResult,
  baseline: BaselineRuns,
  settings: BenchSettings,
): RowSpec[] {
  return [
    ...cpuSpecs(after, settings),
    ...callSpecs(floor, after, settings),
    ...serverSpecs(after, baseline),
    ...memorySpecs(settings),
    ...upstreamWorkSpecs(after),
  ];
}

const KINDS = ['existing', 'missing'] as const;
const kindName = (kind: Kind) => (kind === 'existing' ? 'fresh existing jobs' : 'not-found IDs');

/** An informational row (no goal) of `unit`, shown to `digits`. */
const info =
  (unit: string, digits = 0) =>
  (id: string, figure: string, of: RowSpec['of']): RowSpec => ({ id, figure, unit, digits, of });

/** Figure 1 and the peer's: CPU per job against the floor and the SDK peer, the peer's p50. */
function cpuSpecs(after: SideResult, settings: BenchSettings): RowSpec[] {
  const specs: RowSpec[] = KINDS.map((kind) => ({
    id: `1.${kind}`,
    figure: `CPU per job, ${kindName(kind)}, vs the floor`,
    unit: 'µs/job',
    baselineOf: (s) => median(s.floorMicros[kind]),
    baselineLabel: 'floor',
    goal: { on: 'ratio', op: '<=', target: 1.5 },
    of: (s) => perJob(cpuRuns(s, kind)),
    pairedRatioOf: (s) => median(floorRatios(s, kind)),
  }));
  if (!after.peer) return specs;
  for (const kind of KINDS)
    specs.push({
      id: `peer.${kind}`,
      figure: `CPU per job, ${kindName(kind)}, vs the SDK peer`,
      unit: 'µs/job',
      baselineOf: (s) => (s.peer ? perJob(peerRuns(s, kind)) : undefined),
      baselineLabel: 'SDK peer',
      goal: { on: 'ratio', op: '<=', target: 0.6 },
      of: (s) => perJob(cpuRuns(s, kind)),
      pairedRatioOf: (s) => median(peerRatios(s, kind)),
    });
  specs.push({
    id: 'peer.p50',
    figure: `100-job query (80 distinct) p50, ${settings.slowLatencyMs} ms upstream, vs the SDK peer`,
    unit: 'ms',
    baselineOf: (s) => (s.peer ? median(s.peer.hundredMs) : undefined),
    baselineLabel: 'SDK peer',
    goal: { on: 'ratio', op: '<=', target: 1 },
    digits: 1,
    of: (s) => median(s.latency.hundredMs),
    pairedRatioOf: (s) =>
      s.peer ? median(s.latency.hundredMs) / median(s.peer.hundredMs) : Number.NaN,
  });
  return specs;
}

/** Figures 2 and 3: the latency a batch adds, and the upstream calls of concurrent queries. */
function callSpecs(floor: FloorResult, after: SideResult, settings: BenchSettings): RowSpec[] {
  const specs: RowSpec[] = [
    {
      id: '2.latency',
      figure: `t(100 jobs, 80 distinct) ÷ t(1 job), p50, ${settings.slowLatencyMs} ms upstream`,
      unit: '×',
      baseline: median(floor.eightyMs) / median(floor.oneMs),
      baselineLabel: 'direct t(80 calls) ÷ t(1 call)',
      goal: { on: 'ratio', op: '<=', target: 1.3 },
      digits: 2,
      of: (s) => median(s.latency.hundredMs) / median(s.latency.oneMs),
    },
    {
      id: '3.coalescing',
      figure: '20 concurrent identical 100-ID queries, 80 distinct unfinished jobs: upstream calls',
      unit: 'calls',
      baseline: 80,
      baselineLabel: 'distinct jobs',
      goal: { on: 'value', op: '=', target: 80 },
      of: (s) => median(s.coalescing),
    },
  ];
  if (!after.redis || 'skipped' in after.redis) return specs;
  const redisOf = (s: SideResult) => (s.redis && !('skipped' in s.redis) ? s.redis : undefined);
  const { distinct } = after.redis;
  specs.push(
    {
      id: '3.redis',
      figure: `the same over two gateways sharing Redis (${distinct} distinct finished jobs): upstream calls`,
      unit: 'calls',
      baseline: distinct,
      baselineLabel: 'distinct jobs',
      goal: { on: 'value', op: '=', target: distinct },
      of: (s) => redisOf(s)?.concurrentCalls,
    },
    {
      id: '3.redisRepeat',
      figure: 'the same split again, all in Redis: upstream calls',
      unit: 'calls',
      goal: { on: 'value', op: '=', target: 0 },
      of: (s) => redisOf(s)?.repeatCalls,
    },
  );
  return specs;
}

/** Figure 4: server CPU per cache-served request, beside the bare servers. */
function serverSpecs(after: SideResult, baseline: BaselineRuns): RowSpec[] {
  const afterOnly = (value: number) => (s: SideResult) => (s === after ? value : undefined);
  const micros = info('µs/request');
  return [
    {
      id: '4.cached',
      figure: 'server CPU per cache-served 1-job request',
      unit: 'µs/request',
      baseline: median(baseline.baselineMicros),
      baselineLabel: 'bare graphql-js server',
      of: (s) => median(s.cachedMicros),
    },
    {
      id: '4.cachedApollo',
      figure: 'the same, vs a bare Apollo Server 5 answering the same bytes',
      unit: 'µs/request',
      ...(baseline.apolloMicros.length ? { baseline: median(baseline.apolloMicros) } : {}),
      baselineLabel: 'bare Apollo Server 5',
      // Issue 60's goal; issue 11's 100 µs is below bare graphql-js here (docs/performance.md).
      goal: { on: 'ratio', op: '<=', target: 1.3 },
      of: afterOnly(median(after.cachedMicros)),
    },
    micros('4.cachedLogged', 'the same at LOG_LEVEL=info (one log line per request)', (s) =>
      median(s.cachedLoggedMicros),
    ),
    micros(
      '4.http',
      'node:http alone answering the same bytes, no GraphQL',
      afterOnly(median(baseline.httpMicros)),
    ),
  ];
}

/** Figure 5: memory under load (facts, no goals). */
function memorySpecs(settings: BenchSettings): RowSpec[] {
  const mbs = info('MB', 3);
  const peak = (s: SideResult, few = false) =>
    median((few ? s.memoryFew : s.memory).map((m) => m.peakMb));
  const rise = (runs: SideResult['memory']) => median(runs.map((m) => m.mbPerRequest));
  const { memoryConnections: all, memoryFewConnections: few } = settings;
  return [
    info('MB')('5.peak', `peak RSS, ${all} 100-job queries in flight`, (s) => peak(s)),
    mbs('5.inflight', `RSS rise per query, ${all} in flight`, (s) => rise(s.memory)),
    mbs('5.few', `RSS rise per query, the same ${all} sent ${few} at a time`, (s) =>
      rise(s.memoryFew),
    ),
    mbs(
      '5.marginal',
      `RSS per query in flight beyond ${few}`,
      (s) => (peak(s) - peak(s, true)) / Math.max(1, all - few),
    ),
    info('×', 2)(
      '5.idle',
      'idle RSS after load ÷ idle RSS at start',
      (s) => s.idleAfterMb / s.idleStartMb,
    ),
  ];
}

/** Figure 6: upstream work per job (batching, connections, repeats) and fairness between callers. */
function upstreamWorkSpecs(after: SideResult): RowSpec[] {
  const once = { on: 'value', op: '=', target: 1 } as const;
  const none = { on: 'value', op: '=', target: 0 } as const;
  const fairAlone = after.fairness.alone.latencyMs.p50;
  return [
    ...after.batching.map((b, i): RowSpec => ({
      id: `6.batching.${b.entry}.${b.distinctJobs}`,
      figure: `batching, ${b.entry === 'jobs' ? 'jobs(ids:)' : '_entities'}, ${b.distinctJobs} distinct jobs in ${b.queries} quer${b.queries === 1 ? 'y' : 'ies'}`,
      unit: 'calls/job',
      goal: once,
      digits: 2,
      of: (s) => {
        const run = s.batching[i];
        return run && run.badResponses === 0 ? run.upstreamCalls / run.distinctJobs : Number.NaN;
      },
    })),
    {
      id: '6.duplicates',
      figure: 'batching, 100 IDs naming 50 distinct jobs twice',
      unit: 'calls/job',
      goal: once,
      digits: 2,
      of: (s) => s.duplicates.upstreamCalls / s.duplicates.distinctJobs,
    },
    {
      id: '6.connections',
      figure: 'new upstream connections after warm-up',
      unit: 'connections',
      goal: none,
      of: (s) => s.newConnections,
    },
    {
      id: '6.repeat',
      figure: 'finished jobs without secrets asked twice: upstream calls for the 2nd query',
      unit: 'calls',
      goal: none,
      of: (s) => s.repeatClean.secondRunCalls,
    },
    info('calls')(
      '6.repeatSecret',
      `finished jobs holding a secret asked twice (${after.repeatSecret.jobs}): upstream calls for the 2nd query`,
      (s) => s.repeatSecret.secondRunCalls,
    ),
    {
      id: '6.fairness',
      figure: `fairness: caller B's 1-job p50 while A keeps ${FLOOD_CONNECTIONS} 100-job queries in flight (${FAIRNESS_LATENCY_MS} ms upstream)`,
      unit: 'ms',
      baseline: fairAlone,
      baselineLabel: 'B alone',
      goal: { on: 'value', op: '<=', target: Math.round(fairAlone + FAIRNESS_LATENCY_MS) },
      digits: 1,
      of: (s) => s.fairness.underFlood.latencyMs.p50,
    },
  ];
}
