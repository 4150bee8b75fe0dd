// `npm run bench:cpu`'s report (bench/run.ts) and the profile tables bench:notifications prints.
import type { BenchSettings } from '../lib/settings.ts';
import type { IdKind } from '../lib/ids.ts';
import { profileSummary, topFunctions } from '../lib/profile.ts';
import type { ProfileWindow } from '../lib/profile.ts';
import { columns, commitOf, table, type Column } from './report.ts';
import { median, percentile, range } from './stats.ts';

/** What `npm run bench:cpu` (bench/run.ts) measured, round by round. */
export interface CpuOnlyResult {
  settings: Pick<BenchSettings, 'cpuRuns' | 'cpuRequests' | 'slowLatencyMs'>;
  /** The checkouts measured: before (if given) and after, with their folders. */
  roots: readonly (readonly [string, string])[];
  /** The floor, then each server's label, in the order of their rows (those BENCH_CPU_SERVERS names). */
  labels: readonly string[];
  /** The kinds of job measured (BENCH_CPU_KINDS). */
  kinds: readonly IdKind[];
  cpu: Record<IdKind, Record<string, number[]>>;
  /** The servers' main threads alone, the same runs (the floor's runs are the bench's own: none). */
  main: Record<IdKind, Record<string, number[]>>;
  /** Wall ms of each 100-job (80 distinct) query at the slow upstream latency, per server. */
  latency: Record<string, number[]>;
}

/** `bench:cpu`'s after gateway with JOBGRAPH_HISTORY_URL=off (BENCH_CPU_HISTORY_OFF). */
export const HISTORY_OFF = 'history off';

const KIND_NAMES = { finished: 'fresh existing', known: 'known, again', missing: 'not found' };

/** The Markdown summary `npm run bench:cpu` prints: each figure's median and range over the rounds, and the ratios. */
export function renderCpuOnly(r: CpuOnlyResult): string {
  const { settings } = r;
  const lines = [
    `## CPU per job, ${settings.cpuRuns} rounds of ${settings.cpuRequests} 100-job queries (${new Date().toISOString()})`,
    '',
    `Checkouts: ${r.roots.map(([l, root]) => `${l} ${commitOf(root, true)}`).join('; ')}; Node ${process.version} (the gateways run on the same Node).`,
    '',
    ...cpuTables(r),
  ];
  return `${lines.join('\n')}\n`;
}

/** The rounds' tables: CPU per job, median and range of each server and its ratios (medians of the per-round ratios); the 100-job p50s. */
function cpuTables(r: CpuOnlyResult): string[] {
  const { cpu, main, settings } = r;
  const ratio = (kind: IdKind, a: string, b: string, of = cpu) =>
    (of[kind][a] ?? []).map((x, i) => x / ((of[kind][b] ?? [])[i] ?? Number.NaN));
  const runsCell = (xs: number[]) => `${median(xs).toFixed(0)} (${range(xs, 0)})`;
  /** A server's runs ÷ `other`'s of the same round, where `shown`; no column without `other`. */
  const ratioColumn = (
    other: string,
    shown: (label: string) => boolean,
    of = cpu,
  ): Column<readonly [IdKind, string]> =>
    r.labels.includes(other) && [
      `${of === main ? 'main thread ' : ''}÷ ${other}, median of rounds (range)`,
      ([kind, label]) => {
        if (!shown(label)) return '—';
        const xs = ratio(kind, label, other, of);
        return `${median(xs).toFixed(2)}× (${range(xs, 2)})`;
      },
    ];
  return [
    ...columns(
      r.kinds.flatMap((kind) => r.labels.map((label) => [kind, label] as const)),
      [
        ['kind', ([kind]) => KIND_NAMES[kind as keyof typeof KIND_NAMES]],
        ['server', ([, label]) => label],
        ['µs/job, median (range)', ([kind, label]) => runsCell(cpu[kind][label] ?? [])],
        ratioColumn('floor', (label) => label !== 'floor'),
        ratioColumn('core floor', (label) => !['floor', 'peer', 'core floor'].includes(label)),
        ratioColumn('peer', (label) => label !== 'floor' && label !== 'peer'),
        ratioColumn('before', (label) => label === 'after'),
        ratioColumn(HISTORY_OFF, (label) => label === 'after'),
        ['main thread µs/job', ([k, l]) => (main[k][l] ? runsCell(main[k][l]) : '—')],
        ratioColumn(HISTORY_OFF, (label) => label === 'after', main),
      ],
    ),
    '',
    ...columns(
      r.labels.filter((l) => l !== 'floor').map((l) => [l, r.latency[l] ?? []] as const),
      [
        [`100-job query (80 distinct), ${settings.slowLatencyMs} ms upstream`, ([l]) => l],
        ['p50 ms', ([, xs]) => percentile(xs, 50).toFixed(1)],
        ['p90 ms', ([, xs]) => percentile(xs, 90).toFixed(1)],
        ['queries', ([, xs]) => xs.length],
      ],
    ),
  ];
}

/** A `.cpuprofile` file and the checkout its process ran from (for names without machine paths). */
type Profiled = { file: string; root: string };

/** A profile's `rows` largest parts by where the code is, then its 30 top functions, as tables (samples counted alike). */
export function profileTables(side: string, p: Profiled, w: ProfileWindow, rows: number) {
  return [
    ...table(
      [`${side}: self time by where the code is`, '%'],
      profileSummary(p.file, w, p.root)
        .slice(0, rows)
        .map((g) => [g.name, g.percent]),
    ),
    '',
    ...table(
      [`${side}: top functions by self time`, 'ms', '%'],
      topFunctions(p.file, w, 30, p.root).map((f) => [f.name, f.selfMs, f.percent]),
    ),
  ];
}
