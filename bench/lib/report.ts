/**
 * The bench's figures as rows with goals and verdicts, and RESULTS.md: a heading, a few lines on
 * how to re-run, then tables. What the figures led to, and why they are measured as they are,
 * is written by hand in bench/DECISIONS.md; what each figure is, in bench/README.md.
 */
import { FAIRNESS_LATENCY_MS, FLOOD_CONNECTIONS } from './phases/fairness.ts';
import type { BenchSettings } from './settings.ts';
import type { CpuRun, SideResult } from './side.ts';
import { median } from '../rig/stats.ts';
import { table } from '../rig/report.ts';

export interface FloorResult {
  /** Wall ms of one direct call and of 80 concurrent direct calls, at the slow upstream latency. */
  oneMs: number[];
  eightyMs: number[];
}

/** The peer's answers compared with jobgraph's before anything is measured. */
export interface PeerCheck {
  /** Jobs in the query both answered alike. */
  jobs: number;
  /** Of those, not-found errors (same path and code on both sides). */
  notFound: number;
}

/** The bare servers' CPU per cache-served 1-job request, per run (µs). */
export interface BaselineRuns {
  baselineMicros: number[];
  httpMicros: number[];
  apolloMicros: number[];
}

export interface Row {
  id: string;
  figure: string;
  unit: string;
  before?: number;
  after: number;
  /** The in-run baseline the figure is compared with, and what it is. */
  baseline?: number;
  /** The before gateway's own baseline, where each side measures one (floor, peer); else `baseline`. */
  beforeBaseline?: number;
  baselineLabel?: string;
  /**
   * value ÷ baseline as judged, after and before, where it is not the two medians' quotient: the
   * CPU rows take the median of each run ÷ the baseline run made beside it.
   */
  ratio?: number;
  beforeRatio?: number;
  /** The goal: on the value, or on value ÷ baseline. */
  goal?: { on: 'value' | 'ratio'; op: '<=' | '='; target: number };
  digits: number;
  verdict: 'PASS' | 'MISS' | 'info';
  /** One line for the console. */
  text: string;
}

type Kind = 'existing' | 'missing';

const ratioOf = (value: number | undefined, baseline: number | undefined) =>
  value === undefined || baseline === undefined || !(baseline > 0) ? undefined : value / baseline;

function meets(goal: NonNullable<Row['goal']>, x: number | undefined): boolean {
  if (x === undefined || !Number.isFinite(x)) return false;
  return goal.op === '<=' ? x <= goal.target + 1e-9 : Math.abs(x - goal.target) < 1e-9;
}

const fmt = (n: number | undefined, digits: number) =>
  n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits);

const cpuRuns = (s: SideResult, kind: Kind): CpuRun[] =>
  kind === 'existing' ? s.cpuExisting : s.cpuMissing;
const peerRuns = (s: SideResult, kind: Kind): CpuRun[] =>
  (kind === 'existing' ? s.peer?.cpuExisting : s.peer?.cpuMissing) ?? [];

/** Each gateway CPU-per-job run ÷ the floor run made right before it. */
const floorRatios = (s: SideResult, kind: Kind): number[] =>
  cpuRuns(s, kind).map((run, i) => run.microsPerJob / (s.floorMicros[kind][i] as number));
/** Each gateway CPU-per-job run ÷ the peer run of the same round. */
const peerRatios = (s: SideResult, kind: Kind): number[] =>
  peerRuns(s, kind).map(
    (peer, i) => (cpuRuns(s, kind)[i]?.microsPerJob ?? Number.NaN) / peer.microsPerJob,
  );

const perJob = (runs: readonly CpuRun[]) => median(runs.map((r) => r.microsPerJob));

/** Median of each side's runs → one row per figure (value = after; before shown beside it). */
export function buildRows(
  floor: FloorResult,
  sides: SideResult[],
  baseline: BaselineRuns,
  settings: BenchSettings,
): Row[] {
  const before = sides.find((s) => s.label === 'before');
  const after = sides.find((s) => s.label === 'after') as SideResult;
  const rows: Row[] = [];
  const add = (
    spec: Omit<Row, 'verdict' | 'text' | 'before' | 'after' | 'ratio' | 'beforeRatio'>,
    of: (s: SideResult) => number | undefined,
    pairedRatioOf?: (s: SideResult) => number,
  ) => {
    const a = of(after) as number;
    const b = before ? of(before) : undefined;
    const r = pairedRatioOf ? pairedRatioOf(after) : ratioOf(a, spec.baseline);
    const measured = spec.goal?.on === 'ratio' ? r : a;
    const verdict = spec.goal ? (meets(spec.goal, measured) ? 'PASS' : 'MISS') : 'info';
    const against =
      spec.baseline !== undefined
        ? ` (${spec.baselineLabel ?? 'baseline'} ${fmt(spec.baseline, spec.digits)}, ${fmt(r, 2)}×)`
        : '';
    const text = `${b !== undefined ? `${fmt(b, spec.digits)} → ` : ''}${fmt(a, spec.digits)} ${spec.unit}${against}`;
    const paired = pairedRatioOf
      ? { ratio: r as number, ...(before ? { beforeRatio: pairedRatioOf(before) } : {}) }
      : {};
    rows.push({
      ...spec,
      ...(b !== undefined ? { before: b } : {}),
      after: a,
      ...paired,
      verdict,
      text,
    });
  };
  const kindName = (kind: Kind) => (kind === 'existing' ? 'fresh existing jobs' : 'not-found IDs');

  for (const kind of ['existing', 'missing'] as const) {
    add(
      {
        id: `1.${kind}`,
        figure: `CPU per job, ${kindName(kind)}, vs the floor`,
        unit: 'µs/job',
        baseline: median(after.floorMicros[kind]),
        ...(before ? { beforeBaseline: median(before.floorMicros[kind]) } : {}),
        baselineLabel: 'floor',
        goal: { on: 'ratio', op: '<=', target: 1.5 },
        digits: 0,
      },
      (s) => perJob(cpuRuns(s, kind)),
      (s) => median(floorRatios(s, kind)),
    );
  }
  if (after.peer) {
    for (const kind of ['existing', 'missing'] as const) {
      add(
        {
          id: `peer.${kind}`,
          figure: `CPU per job, ${kindName(kind)}, vs the SDK peer`,
          unit: 'µs/job',
          baseline: perJob(peerRuns(after, kind)),
          ...(before?.peer ? { beforeBaseline: perJob(peerRuns(before, kind)) } : {}),
          baselineLabel: 'SDK peer',
          goal: { on: 'ratio', op: '<=', target: 0.5 },
          digits: 0,
        },
        (s) => perJob(cpuRuns(s, kind)),
        (s) => median(peerRatios(s, kind)),
      );
    }
    add(
      {
        id: 'peer.p50',
        figure: `100-job query (80 distinct) p50, ${settings.slowLatencyMs} ms upstream, vs the SDK peer`,
        unit: 'ms',
        baseline: median(after.peer.hundredMs),
        ...(before?.peer ? { beforeBaseline: median(before.peer.hundredMs) } : {}),
        baselineLabel: 'SDK peer',
        goal: { on: 'ratio', op: '<=', target: 1 },
        digits: 1,
      },
      (s) => median(s.latency.hundredMs),
      (s) => (s.peer ? median(s.latency.hundredMs) / median(s.peer.hundredMs) : Number.NaN),
    );
  }
  add(
    {
      id: '2.latency',
      figure: `t(100 jobs, 80 distinct) ÷ t(1 job), p50, ${settings.slowLatencyMs} ms upstream`,
      unit: '×',
      baseline: median(floor.eightyMs) / median(floor.oneMs),
      baselineLabel: 'direct t(80 calls) ÷ t(1 call)',
      goal: { on: 'ratio', op: '<=', target: 1.3 },
      digits: 2,
    },
    (s) => median(s.latency.hundredMs) / median(s.latency.oneMs),
  );
  add(
    {
      id: '3.coalescing',
      figure: '20 concurrent identical 100-ID queries, 80 distinct unfinished jobs: upstream calls',
      unit: 'calls',
      baseline: 80,
      baselineLabel: 'distinct jobs',
      goal: { on: 'value', op: '=', target: 80 },
      digits: 0,
    },
    (s) => median(s.coalescing),
  );
  if (after.redis && !('skipped' in after.redis)) {
    const redisOf = (s: SideResult) => (s.redis && !('skipped' in s.redis) ? s.redis : undefined);
    add(
      {
        id: '3.redis',
        figure: `the same over two gateways sharing Redis (${after.redis.distinct} distinct finished jobs): upstream calls`,
        unit: 'calls',
        baseline: after.redis.distinct,
        baselineLabel: 'distinct jobs',
        goal: { on: 'value', op: '=', target: after.redis.distinct },
        digits: 0,
      },
      (s) => redisOf(s)?.concurrentCalls,
    );
    add(
      {
        id: '3.redisRepeat',
        figure: 'the same split again, all in Redis: upstream calls',
        unit: 'calls',
        goal: { on: 'value', op: '=', target: 0 },
        digits: 0,
      },
      (s) => redisOf(s)?.repeatCalls,
    );
  }
  add(
    {
      id: '4.cached',
      figure: 'server CPU per cache-served 1-job request',
      unit: 'µs/request',
      baseline: median(baseline.baselineMicros),
      baselineLabel: 'bare graphql-js server',
      goal: { on: 'value', op: '<=', target: 100 },
      digits: 0,
    },
    (s) => median(s.cachedMicros),
  );
  add(
    {
      id: '4.cachedApollo',
      figure: 'the same, vs a bare Apollo Server 5 answering the same bytes',
      unit: 'µs/request',
      ...(baseline.apolloMicros.length ? { baseline: median(baseline.apolloMicros) } : {}),
      baselineLabel: 'bare Apollo Server 5',
      digits: 0,
    },
    (s) => (s === after ? median(s.cachedMicros) : undefined),
  );
  add(
    {
      id: '4.cachedLogged',
      figure: 'the same at LOG_LEVEL=info (one log line per request)',
      unit: 'µs/request',
      digits: 0,
    },
    (s) => median(s.cachedLoggedMicros),
  );
  add(
    {
      id: '4.http',
      figure: 'node:http alone answering the same bytes, no GraphQL',
      unit: 'µs/request',
      digits: 0,
    },
    (s) => (s === after ? median(baseline.httpMicros) : undefined),
  );
  add(
    {
      id: '5.peak',
      figure: `peak RSS, ${settings.memoryConnections} 100-job queries in flight`,
      unit: 'MB',
      digits: 0,
    },
    (s) => median(s.memory.map((m) => m.peakMb)),
  );
  add(
    {
      id: '5.inflight',
      figure: `RSS rise per query, ${settings.memoryConnections} in flight`,
      unit: 'MB',
      digits: 3,
    },
    (s) => median(s.memory.map((m) => m.mbPerRequest)),
  );
  add(
    {
      id: '5.few',
      figure: `RSS rise per query, the same ${settings.memoryConnections} sent ${settings.memoryFewConnections} at a time`,
      unit: 'MB',
      digits: 3,
    },
    (s) => median(s.memoryFew.map((m) => m.mbPerRequest)),
  );
  add(
    {
      id: '5.marginal',
      figure: `RSS per query in flight beyond ${settings.memoryFewConnections}`,
      unit: 'MB',
      digits: 3,
    },
    (s) =>
      (median(s.memory.map((m) => m.peakMb)) - median(s.memoryFew.map((m) => m.peakMb))) /
      Math.max(1, settings.memoryConnections - settings.memoryFewConnections),
  );
  add(
    {
      id: '5.idle',
      figure: 'idle RSS after load ÷ idle RSS at start',
      unit: '×',
      digits: 2,
    },
    (s) => s.idleAfterMb / s.idleStartMb,
  );
  after.batching.forEach((b, i) => {
    add(
      {
        id: `6.batching.${b.entry}.${b.distinctJobs}`,
        figure: `batching, ${b.entry === 'jobs' ? 'jobs(ids:)' : '_entities'}, ${b.distinctJobs} distinct jobs in ${b.queries} quer${b.queries === 1 ? 'y' : 'ies'}`,
        unit: 'calls/job',
        goal: { on: 'value', op: '=', target: 1 },
        digits: 2,
      },
      (s) => {
        const run = s.batching[i];
        return run && run.badResponses === 0 ? run.upstreamCalls / run.distinctJobs : Number.NaN;
      },
    );
  });
  add(
    {
      id: '6.duplicates',
      figure: 'batching, 100 IDs naming 50 distinct jobs twice',
      unit: 'calls/job',
      goal: { on: 'value', op: '=', target: 1 },
      digits: 2,
    },
    (s) => s.duplicates.upstreamCalls / s.duplicates.distinctJobs,
  );
  add(
    {
      id: '6.connections',
      figure: 'new upstream connections after warm-up',
      unit: 'connections',
      goal: { on: 'value', op: '=', target: 0 },
      digits: 0,
    },
    (s) => s.newConnections,
  );
  add(
    {
      id: '6.repeat',
      figure: 'finished jobs without secrets asked twice: upstream calls for the 2nd query',
      unit: 'calls',
      goal: { on: 'value', op: '=', target: 0 },
      digits: 0,
    },
    (s) => s.repeatClean.secondRunCalls,
  );
  add(
    {
      id: '6.repeatSecret',
      figure: `finished jobs holding a secret asked twice (${after.repeatSecret.jobs}): upstream calls for the 2nd query`,
      unit: 'calls',
      digits: 0,
    },
    (s) => s.repeatSecret.secondRunCalls,
  );
  const fairAlone = after.fairness.alone.latencyMs.p50;
  add(
    {
      id: '6.fairness',
      figure: `fairness: caller B's 1-job p50 while A keeps ${FLOOD_CONNECTIONS} 100-job queries in flight (${FAIRNESS_LATENCY_MS} ms upstream)`,
      unit: 'ms',
      baseline: fairAlone,
      baselineLabel: 'B alone',
      goal: { on: 'value', op: '<=', target: Math.round(fairAlone + FAIRNESS_LATENCY_MS) },
      digits: 1,
    },
    (s) => s.fairness.underFlood.latencyMs.p50,
  );
  return rows;
}

const goalText = (r: Row) => {
  if (!r.goal) return '—';
  const op = r.goal.op === '<=' ? '≤' : '=';
  if (r.goal.on === 'ratio') return `${op} ${r.goal.target}×`;
  return r.unit === '×' ? `${op} ${r.goal.target}×` : `${op} ${r.goal.target} ${r.unit}`;
};

/** A profile frame's name with any absolute folder in front of the checkout's own files taken out. */
const portable = (name: string) => name.replace(/(^|\s)\/\S*\/(?=(?:dist|src|bench)\/)/g, '$1');

/** Per-run CPU per job: each floor, gateway and peer run of a round side by side. */
function cpuRunTable(s: SideResult): string[] {
  const hasPeer = Boolean(s.peer);
  const head = (kind: string) => [
    `floor ${kind} µs/job`,
    `jobgraph µs/job`,
    ...(hasPeer ? ['peer µs/job'] : []),
    '÷ floor',
    ...(hasPeer ? ['÷ peer'] : []),
  ];
  const cells = (kind: Kind, i: number) => {
    const jg = cpuRuns(s, kind)[i]?.microsPerJob;
    const peer = peerRuns(s, kind)[i]?.microsPerJob;
    return [
      fmt(s.floorMicros[kind][i], 0),
      fmt(jg, 0),
      ...(hasPeer ? [fmt(peer, 0)] : []),
      fmt(floorRatios(s, kind)[i], 2),
      ...(hasPeer ? [fmt(peerRatios(s, kind)[i], 2)] : []),
    ];
  };
  return table(
    ['run', ...head('existing'), ...head('not-found')],
    s.cpuExisting.map((_, i) => [String(i + 1), ...cells('existing', i), ...cells('missing', i)]),
  );
}

/** Per-pair latency: the gateway's 1-job and 100-job queries, the peer's 100-job query, the direct calls. */
function latencyTable(s: SideResult, floor: FloorResult): string[] {
  const hasPeer = Boolean(s.peer);
  return table(
    [
      'pair',
      'jobgraph 1 job ms',
      'jobgraph 100 jobs ms',
      ...(hasPeer ? ['peer 100 jobs ms'] : []),
      'direct 1 call ms',
      'direct 80 calls ms',
    ],
    s.latency.hundredMs.map((ms, i) => [
      String(i + 1),
      fmt(s.latency.oneMs[i], 1),
      fmt(ms, 1),
      ...(hasPeer ? [fmt(s.peer?.hundredMs[i], 1)] : []),
      fmt(floor.oneMs[i], 1),
      fmt(floor.eightyMs[i], 1),
    ]),
  );
}

/** The figures measured `BENCH_RUNS` times, one column per run. */
function otherRunsTable(
  s: SideResult,
  baseline: BaselineRuns | undefined,
  settings: BenchSettings,
): string[] {
  const runs = Math.max(s.coalescing.length, s.cachedMicros.length, s.memory.length, 1);
  const line = (figure: string, values: readonly number[], digits: number) => [
    figure,
    ...Array.from({ length: runs }, (_, i) => fmt(values[i], digits)),
  ];
  const rows = [
    line('coalescing: upstream calls', s.coalescing, 0),
    line('cached path µs/request', s.cachedMicros, 0),
    line('cached path at LOG_LEVEL=info µs/request', s.cachedLoggedMicros, 0),
    ...(baseline && s.label === 'after'
      ? [
          line('bare graphql-js server µs/request', baseline.baselineMicros, 0),
          line('bare Apollo Server 5 µs/request', baseline.apolloMicros, 0),
          line('node:http alone µs/request', baseline.httpMicros, 0),
        ]
      : []),
    line(
      `idle RSS before ${settings.memoryConnections} in flight, MB`,
      s.memory.map((m) => m.idleMb),
      1,
    ),
    line(
      `peak RSS, ${settings.memoryConnections} in flight, MB`,
      s.memory.map((m) => m.peakMb),
      1,
    ),
    line(
      `peak RSS, ${settings.memoryFewConnections} at a time, MB`,
      s.memoryFew.map((m) => m.peakMb),
      1,
    ),
  ];
  return table(['figure', ...Array.from({ length: runs }, (_, i) => `run ${i + 1}`)], rows);
}

export function renderReport(
  meta: {
    date: string;
    durationS: number;
    machine: { cpu: string; cores: number; node: string };
    git: Record<string, { commit: string; dirtyFiles: string[] }>;
    settings: BenchSettings;
    peerCheck?: PeerCheck;
  },
  floor: FloorResult,
  sides: SideResult[],
  rows: Row[],
  baseline?: BaselineRuns,
): string {
  const hasBefore = sides.some((s) => s.label === 'before');
  const s = meta.settings;
  const commits = sides
    .map((x) => {
      const git = meta.git[x.label];
      const dirty = git?.dirtyFiles.length ? ` + ${git.dirtyFiles.length} uncommitted files` : '';
      return `${hasBefore ? `${x.label} ` : ''}\`${git?.commit ?? 'unknown'}\`${dirty}`;
    })
    .join(', ');
  const count = (v: Row['verdict']) => rows.filter((r) => r.verdict === v).length;
  const out: string[] = [
    '# jobgraph benchmark results',
    '',
    `- ${s.quick ? '**Quick run**' : 'Full run'} of ${meta.date.slice(0, 16).replace('T', ' ')} UTC, ${meta.durationS} s; ${meta.machine.cores} cores (${meta.machine.cpu}), Node ${meta.machine.node}; commit ${commits}.`,
    `- ${count('PASS')} PASS, ${count('MISS')} MISS, ${count('info')} informational. CPU ratios: median of per-run ratios, each run beside its own floor or peer run.${meta.peerCheck ? ` Peer checked equal to jobgraph on ${meta.peerCheck.jobs} jobs.` : ''}`,
    '- What each figure is: `bench/README.md`; why it is measured so: `bench/DECISIONS.md`; every number: `bench/results.json`.',
    '- Re-run: `npm run bench` (quick: `BENCH_QUICK=1 npm run bench`); re-render this file: `npm run bench -- --render`.',
    '',
    '## Figures',
    '',
    ...table(
      [
        'figure',
        ...(hasBefore ? ['before'] : []),
        'jobgraph',
        'peer / baseline (same run)',
        'ratio',
        'goal',
        'result',
      ],
      rows.map((r) => {
        const ratio = r.ratio ?? ratioOf(r.after, r.baseline);
        const ratioBefore = r.beforeRatio ?? ratioOf(r.before, r.beforeBaseline ?? r.baseline);
        return [
          r.figure,
          ...(hasBefore ? [`${fmt(r.before, r.digits)} ${r.unit}`] : []),
          `${fmt(r.after, r.digits)} ${r.unit}`,
          r.baseline !== undefined
            ? `${fmt(r.baseline, r.digits)} ${r.unit}, ${r.baselineLabel ?? ''}`
            : '—',
          ratio !== undefined
            ? `${fmt(ratio, 2)}×${ratioBefore !== undefined ? ` (before ${fmt(ratioBefore, 2)}×)` : ''}`
            : '—',
          goalText(r),
          r.verdict === 'info' ? 'info' : `**${r.verdict}**`,
        ];
      }),
    ),
    '',
  ];
  for (const x of sides) {
    const suffix = hasBefore ? ` (${x.label})` : '';
    out.push(
      `## CPU per job, run by run${suffix}`,
      '',
      ...cpuRunTable(x),
      '',
      `## 100-job query latency, pair by pair, ${s.slowLatencyMs} ms upstream${suffix}`,
      '',
      ...latencyTable(x, floor),
      '',
      `## Other figures, run by run${suffix}`,
      '',
      ...otherRunsTable(x, baseline, s),
      '',
    );
    if (x.profile) {
      const { existing, cached } = x.profile;
      out.push(
        `## CPU profile, top functions by self time${suffix}`,
        '',
        ...table(
          ['fresh 100-job queries', '%', 'cache-served 1-job queries', '%'],
          Array.from({ length: Math.max(existing.length, cached.length) }, (_, i) => [
            portable(existing[i]?.name ?? ''),
            String(existing[i]?.percent ?? ''),
            portable(cached[i]?.name ?? ''),
            String(cached[i]?.percent ?? ''),
          ]),
        ),
        '',
      );
    }
  }
  return out.join('\n');
}
