import { FAIRNESS_LATENCY_MS, FLOOD_CONNECTIONS } from '../lib/phases/fairness.ts';
import { CPU_KINDS, type BenchSettings } from '../lib/settings.ts';
import type { SideResult } from '../lib/side.ts';
import type { IdKind } from '../lib/ids.ts';
import { cpuTables } from './cpuReport.ts';
import { columns, passMiss } from './report.ts';
import { median } from './stats.ts';

// The figures of RESULTS.md, each a row's spec: what it measures, against what baseline, under
// which goal; the rows, and RESULTS.md.

/** Wall ms of one direct call and of 80 concurrent direct calls, at the slow upstream latency. */
export type FloorResult = Record<'oneMs' | 'eightyMs', number[]>;

/** The bare servers' CPU per cache-served 1-job request, per run (µs). */
export type BaselineRuns = Record<'baselineMicros' | 'httpMicros' | 'apolloMicros', number[]>;

/** The peer's answers checked before anything is measured: jobs answered alike; of those, not found. */
export type PeerCheck = { jobs: number; notFound: number };

/** The goal: on the value, or on value ÷ baseline. */
export type Goal = { on: 'value' | 'ratio'; op: '<=' | '='; target: number };

/** Each run of `label` ÷ the run of `base` in the same round (CPU per job, bench:cpu's rounds). */
const perRound = (s: SideResult, kind: IdKind, label: string, base: string): number[] =>
  (s.cpu[kind][label] ?? []).map((x, i) => x / (s.cpu[kind][base]?.[i] ?? Number.NaN));

/**
 * A row: its `value`; its in-run `baseline`; its goal; `pairedRatio`, the ratio judged if not
 * value ÷ baseline (CPU rows: the median of each round's ratio).
 */
export type RowSpec = {
  id: string;
  figure: string;
  unit: string;
  baselineLabel?: string;
  goal?: Goal;
  digits?: number;
  value: number | undefined;
  baseline?: number | undefined;
  pairedRatio?: number;
};

/** Every figure's spec, in RESULTS.md's order. */
function figureSpecs(
  floor: FloorResult,
  after: SideResult,
  baseline: BaselineRuns,
  settings: BenchSettings,
): RowSpec[] {
  return [
    ...cpuSpecs(after, settings),
    ...callSpecs(floor, after, settings),
    ...serverSpecs(after, baseline),
    ...memorySpecs(after, settings),
    ...upstreamWorkSpecs(after),
  ];
}

const kindName = (kind: IdKind) => (kind === 'finished' ? 'fresh existing jobs' : 'not-found IDs');

/** An informational row (no goal) of `unit`, shown to `digits`. */
const info =
  (unit: string, digits = 0) =>
  (id: string, figure: string, value: number | undefined): RowSpec => ({
    ...{ id, figure, unit, digits, value },
  });

/** Figure 1 and the peer's: CPU per job against the floor and the SDK peer, the peer's p50. */
function cpuSpecs(after: SideResult, settings: BenchSettings): RowSpec[] {
  const against = (base: 'floor' | 'peer', target: number): RowSpec[] =>
    CPU_KINDS.map((kind) => ({
      id: `${base === 'floor' ? '1' : 'peer'}.${kind === 'finished' ? 'existing' : kind}`,
      figure: `CPU per job, ${kindName(kind)}, vs the ${base === 'floor' ? 'floor' : 'SDK peer'}`,
      unit: 'µs/job',
      baseline: median(after.cpu[kind][base] ?? []),
      baselineLabel: base === 'floor' ? 'floor' : 'SDK peer',
      goal: { on: 'ratio', op: '<=', target },
      value: median(after.cpu[kind].after ?? []),
      pairedRatio: median(perRound(after, kind, 'after', base)),
    }));
  if (!after.p50.peer) return against('floor', 1.5);
  const p50 = median(after.p50.after ?? []);
  return [
    ...against('floor', 1.5),
    ...against('peer', 0.6),
    {
      id: 'peer.p50',
      figure: `100-job query (80 distinct) p50, ${settings.slowLatencyMs} ms upstream, vs the SDK peer`,
      unit: 'ms',
      baseline: median(after.p50.peer),
      baselineLabel: 'SDK peer',
      goal: { on: 'ratio', op: '<=', target: 1 },
      digits: 1,
      value: p50,
    },
  ];
}

/** Figure 2: the latency a batch adds. (Figure 3, upstream calls of concurrent queries, is held by tests: bench/README.md.) */
function callSpecs(floor: FloorResult, after: SideResult, settings: BenchSettings): RowSpec[] {
  return [
    {
      id: '2.latency',
      figure: `t(100 jobs, 80 distinct) ÷ t(1 job), p50, ${settings.slowLatencyMs} ms upstream`,
      unit: '×',
      baseline: median(floor.eightyMs) / median(floor.oneMs),
      baselineLabel: 'direct t(80 calls) ÷ t(1 call)',
      goal: { on: 'ratio', op: '<=', target: 1.3 },
      digits: 2,
      value: median(after.latency.hundredMs) / median(after.latency.oneMs),
    },
  ];
}

/** Figure 4: server CPU per cache-served request, beside the bare servers. */
function serverSpecs(after: SideResult, baseline: BaselineRuns): RowSpec[] {
  const micros = info('µs/request');
  const cached = median(after.cachedMicros);
  return [
    {
      id: '4.cached',
      figure: 'server CPU per cache-served 1-job request',
      unit: 'µs/request',
      baseline: median(baseline.baselineMicros),
      baselineLabel: 'bare graphql-js server',
      value: cached,
    },
    {
      id: '4.cachedApollo',
      figure: 'the same, vs a bare Apollo Server 5 answering the same bytes',
      unit: 'µs/request',
      baseline: median(baseline.apolloMicros),
      baselineLabel: 'bare Apollo Server 5',
      // Issue 60's goal; issue 11's 100 µs is below bare graphql-js here (docs/performance.md).
      goal: { on: 'ratio', op: '<=', target: 1.3 },
      value: cached,
    },
    micros(
      '4.cachedLogged',
      'the same at LOG_LEVEL=info (one log line per request)',
      median(after.cachedLoggedMicros),
    ),
    micros(
      '4.http',
      'node:http alone answering the same bytes, no GraphQL',
      median(baseline.httpMicros),
    ),
  ];
}

/** Figure 5: memory under load (facts, no goals). */
function memorySpecs(s: SideResult, settings: BenchSettings): RowSpec[] {
  const mbs = info('MB', 3);
  const peak = (few = false) => median((few ? s.memoryFew : s.memory).map((m) => m.peakMb));
  const rise = (runs: SideResult['memory']) => median(runs.map((m) => m.mbPerRequest));
  const { memoryConnections: all, memoryFewConnections: few } = settings;
  return [
    info('MB')('5.peak', `peak RSS, ${all} 100-job queries in flight`, peak()),
    mbs('5.inflight', `RSS rise per query, ${all} in flight`, rise(s.memory)),
    mbs('5.few', `RSS rise per query, the same ${all} sent ${few} at a time`, rise(s.memoryFew)),
    mbs(
      '5.marginal',
      `RSS per query in flight beyond ${few}`,
      (peak() - peak(true)) / Math.max(1, all - few),
    ),
    info('×', 2)(
      '5.idle',
      'idle RSS after load ÷ idle RSS at start',
      s.idleAfterMb / s.idleStartMb,
    ),
  ];
}

/** Figure 6: upstream work (connections, repeats) and fairness between callers; batching is held by tests (bench/README.md). */
function upstreamWorkSpecs(s: SideResult): RowSpec[] {
  const none = { on: 'value', op: '=', target: 0 } as const;
  const fairAlone = s.fairness.alone.latencyMs.p50;
  const upstream = (id: string, figure: string, unit: string, value: number): RowSpec => ({
    ...{ id, figure, unit, goal: none, value },
  });
  return [
    upstream(
      '6.connections',
      'new upstream connections after warm-up',
      'connections',
      s.newConnections,
    ),
    upstream(
      '6.repeat',
      'finished jobs without secrets asked twice: upstream calls for the 2nd query',
      'calls',
      s.repeatClean.secondRunCalls,
    ),
    info('calls')(
      '6.repeatSecret',
      `finished jobs holding a secret asked twice (${s.repeatSecret.jobs}): upstream calls for the 2nd query`,
      s.repeatSecret.secondRunCalls,
    ),
    {
      id: '6.fairness',
      figure: `fairness: caller B's 1-job p50 while A keeps ${FLOOD_CONNECTIONS} 100-job queries in flight (${FAIRNESS_LATENCY_MS} ms upstream)`,
      unit: 'ms',
      baseline: fairAlone,
      baselineLabel: 'B alone',
      goal: { on: 'value', op: '<=', target: Math.round(fairAlone + FAIRNESS_LATENCY_MS) },
      digits: 1,
      value: s.fairness.underFlood.latencyMs.p50,
    },
  ];
}

/** A figure's row of RESULTS.md and results.json (`makeRow`). */
export type Row = ReturnType<typeof makeRow>;

const fmt = (n: number | undefined, digits: number) =>
  n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits);

/** A figure's row: its value, baseline and ratio, the verdict, a line for the console. */
function makeRow(spec: RowSpec) {
  const { value, baseline, digits = 0, goal } = spec;
  const ratio =
    spec.pairedRatio ??
    (value === undefined || baseline === undefined || !(baseline > 0)
      ? undefined
      : value / baseline);
  const x = goal?.on === 'ratio' ? ratio : value;
  const met =
    x !== undefined &&
    Number.isFinite(x) &&
    (goal?.op === '<='
      ? x <= (goal?.target ?? 0) + 1e-9
      : Math.abs(x - (goal?.target ?? 0)) < 1e-9);
  const against =
    baseline !== undefined
      ? ` (${spec.baselineLabel ?? 'baseline'} ${fmt(baseline, digits)}, ${fmt(ratio, 2)}×)`
      : '';
  return {
    ...{ id: spec.id, figure: spec.figure, unit: spec.unit, value, baseline },
    ...{ baselineLabel: spec.baselineLabel, goal, digits, ratio },
    verdict: goal ? passMiss(met) : ('info' as const),
    text: `${fmt(value, digits)} ${spec.unit}${against}`,
  };
}

/** One row per figure of the checkout measured. */
export function buildRows(
  floor: FloorResult,
  after: SideResult,
  baseline: BaselineRuns,
  settings: BenchSettings,
): Row[] {
  return figureSpecs(floor, after, baseline, settings).map(makeRow);
}

const goalText = ({ goal, unit }: Row) => {
  if (!goal) return '—';
  const op = goal.op === '<=' ? '≤' : '=';
  return goal.on === 'ratio' || unit === '×'
    ? `${op} ${goal.target}×`
    : `${op} ${goal.target} ${unit}`;
};

/** What results.json holds, and RESULTS.md is rendered from. */
export interface Results {
  meta: {
    date: string;
    durationS: number;
    machine: { cpu: string; cores: number; node: string };
    load: string;
    git: { commit: string; dirtyFiles: string[] };
    settings: BenchSettings;
    peerCheck?: PeerCheck;
  };
  after: SideResult;
  rows: Row[];
}

/** RESULTS.md: the figures, then bench:cpu's tables of the CPU rounds; every run is in results.json. */
export function renderReport({ meta, after, rows }: Results): string {
  const s = meta.settings;
  const dirty = meta.git.dirtyFiles.length
    ? ` + ${meta.git.dirtyFiles.length} uncommitted files`
    : '';
  const count = (v: Row['verdict']) => rows.filter((r) => r.verdict === v).length;
  const labels = ['floor', 'after', ...(after.p50.peer ? ['peer'] : [])];
  return [
    '# jobgraph benchmark results',
    '',
    `- ${s.quick ? '**Quick run**' : 'Full run'} of ${meta.date.slice(0, 16).replace('T', ' ')} UTC, ${meta.durationS} s; ${meta.machine.cores} cores (${meta.machine.cpu}), load ${meta.load} at the end; Node ${meta.machine.node}; commit \`${meta.git.commit}\`${dirty}.`,
    `- ${count('PASS')} PASS, ${count('MISS')} MISS, ${count('info')} informational. CPU ratios: median of per-round ratios, each server's run beside the floor's of its round.${meta.peerCheck ? ` Peer checked equal to jobgraph on ${meta.peerCheck.jobs} jobs.` : ''}`,
    '- What each figure is: `bench/README.md`; why it is measured so: `bench/DECISIONS.md`; every run of every figure: `bench/results.json`. Re-run: `npm run bench` (quick: `npm run bench:quick`).',
    '',
    '## Figures',
    '',
    ...columns(rows, [
      ['figure', (r) => r.figure],
      ['jobgraph', (r) => `${fmt(r.value, r.digits)} ${r.unit}`],
      [
        'peer / baseline (same run)',
        (r) =>
          r.baseline === undefined
            ? '—'
            : `${fmt(r.baseline, r.digits)} ${r.unit}, ${r.baselineLabel ?? ''}`,
      ],
      ['ratio', (r) => (r.ratio === undefined ? '—' : `${fmt(r.ratio, 2)}×`)],
      ['goal', goalText],
      ['result', (r) => (r.verdict === 'info' ? 'info' : `**${r.verdict}**`)],
    ]),
    '',
    `## CPU per job, ${s.cpuRuns} rounds of ${s.cpuRequests} 100-job queries`,
    '',
    ...cpuTables({ settings: s, labels, kinds: CPU_KINDS, cpu: after.cpu, latency: after.p50 }),
    '',
  ].join('\n');
}
