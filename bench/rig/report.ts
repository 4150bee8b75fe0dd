/** The one report writer: run facts, formatting, writing; RESULTS.md and bench:cpu's summary. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { BenchSettings } from '../lib/settings.ts';
import type { SideResult } from '../lib/side.ts';
import {
  cpuRuns,
  figureSpecs,
  floorRatios,
  peerRatios,
  peerRuns,
  type BaselineRuns,
  type FloorResult,
  type Goal,
  type Kind,
  type RowSpec,
} from './figures.ts';

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/** Installed versions (from node_modules) of the packages whose cost the bench measures. */
export const MEASURED_PACKAGES = [
  '@apollo/server',
  '@apollo/subgraph',
  'graphql',
  'dataloader',
  'express',
  '@aws-sdk/client-panorama',
  '@aws-sdk/client-omics',
  '@aws-sdk/client-codepipeline',
  '@smithy/node-http-handler',
  '@smithy/signature-v4',
  'fast-xml-parser',
  'cockatiel',
  'pino',
  'tsx',
  'autocannon',
] as const;

export function packageVersions(repoRoot: string): Record<string, string> {
  const version = (name: string) => {
    try {
      const file = join(repoRoot, 'node_modules', name, 'package.json');
      return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    } catch {
      return 'not installed';
    }
  };
  return Object.fromEntries(MEASURED_PACKAGES.map((name) => [name, version(name)]));
}

/** The commit measured, and whether the working tree had changes (others edit src/ in parallel). */
export function gitState(repoRoot: string): { commit: string; dirtyFiles: string[] } {
  // git's own complaint (a copy without .git: "fatal: not a git repository") is not the bench's output.
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  try {
    const commit = git('rev-parse', '--short', 'HEAD').trim();
    const status = git('status', '--porcelain', '--', 'src', 'bin', 'schema', 'package.json');
    return { commit, dirtyFiles: [...status.matchAll(/^.{3}(.+)$/gm)].map((m) => m[1]!) };
  } catch {
    return { commit: 'unknown', dirtyFiles: [] };
  }
}

/** The 1-, 5- and 15-minute load averages, e.g. `1.07 1.10 1.77` (the machine is shared). */
export const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

export const mb = (bytes: number, digits = 0): string => `${(bytes / 1e6).toFixed(digits)} MB`;

export const passMiss = (ok: boolean): 'PASS' | 'MISS' => (ok ? 'PASS' : 'MISS');

/** A Markdown table's lines (a `|` in a cell escaped). */
export function table(head: readonly string[], rows: readonly (readonly unknown[])[]): string[] {
  const line = (cells: readonly unknown[]) =>
    `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)];
}

/** Prose wrapped by Prettier (`path`'s settings); tables, code blocks as given (Prettier pads). */
export async function proseWrapped(path: string, markdown: string): Promise<string> {
  const wrap = { parser: 'markdown', proseWrap: 'always' } as const;
  const options = { ...(await resolveConfig(path)), ...wrap };
  const kept = (block: string) => /^(\||```)/m.test(block);
  const blocks = await Promise.all(
    markdown
      .trimEnd()
      .split('\n\n')
      .map(async (b) => (kept(b) ? b : (await format(b, options)).trimEnd())),
  );
  return `${blocks.join('\n\n')}\n`;
}

/** `<commit>[ with changes to …]` of a checkout. */
export function commitOf(repoRoot: string, quoted = false): string {
  const git = gitState(repoRoot);
  const dirty = git.dirtyFiles.length ? ` with changes to ${git.dirtyFiles.join(', ')}` : '';
  return `${quoted ? `\`${git.commit}\`` : git.commit}${dirty}`;
}

/** `Run <date> on <n> cores (<cpu>), Node <v>, commit <c>[ with changes to …]`: a report's first fact. */
export function runLine(repoRoot: string, date = new Date().toISOString()): string {
  const m = machineInfo();
  return `Run ${date} on ${m.cores} cores (${m.cpu}), Node ${m.node}, commit ${commitOf(repoRoot)}`;
}

/** Markdown as given, JSON laid out by Prettier (`prettier --check` passes); returns the paths. */
export async function writeReport(files: {
  md?: [path: string, text: string];
  json?: [path: string, value: unknown];
}): Promise<string[]> {
  if (files.md) writeFileSync(...files.md);
  if (files.json) {
    const [path, value] = files.json;
    const options = (await resolveConfig(path)) ?? {};
    writeFileSync(path, await format(JSON.stringify(value), { ...options, filepath: path }));
  }
  return [files.md?.[0], files.json?.[0]].filter((path) => path !== undefined);
}

/** The peer's answers checked before anything is measured: jobs answered alike; of those, not found. */
export type PeerCheck = { jobs: number; notFound: number };

export type { BaselineRuns, FloorResult } from './figures.ts';

/** A figure's row of RESULTS.md and results.json (`makeRow`). */
export type Row = ReturnType<typeof makeRow>;

const ratioOf = (value: number | undefined, baseline: number | undefined) =>
  value === undefined || baseline === undefined || !(baseline > 0) ? undefined : value / baseline;

function meets(goal: Goal, x: number | undefined): boolean {
  if (x === undefined || !Number.isFinite(x)) return false;
  return goal.op === '<=' ? x <= goal.target + 1e-9 : Math.abs(x - goal.target) < 1e-9;
}

const fmt = (n: number | undefined, digits: number) =>
  n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits);

/** A figure's row: the after side's value, the before side's beside it, the verdict, a line for the console. */
function makeRow(spec: RowSpec, after: SideResult, before: SideResult | undefined) {
  const { of, baselineOf, pairedRatioOf, digits = 0 } = spec;
  const a = of(after) as number;
  const b = before ? of(before) : undefined;
  const base = baselineOf ? baselineOf(after) : spec.baseline;
  const r = pairedRatioOf ? pairedRatioOf(after) : ratioOf(a, base);
  const measured = spec.goal?.on === 'ratio' ? r : a;
  const verdict = spec.goal ? passMiss(meets(spec.goal, measured)) : ('info' as const);
  const against =
    base !== undefined
      ? ` (${spec.baselineLabel ?? 'baseline'} ${fmt(base, digits)}, ${fmt(r, 2)}×)`
      : '';
  // In results.json's order; a key left undefined is not written.
  return {
    id: spec.id,
    figure: spec.figure,
    unit: spec.unit,
    baseline: base,
    beforeBaseline: before && baselineOf ? baselineOf(before) : undefined,
    baselineLabel: spec.baselineLabel,
    goal: spec.goal,
    digits,
    before: b,
    after: a,
    ratio: pairedRatioOf ? r : undefined,
    beforeRatio: before && pairedRatioOf ? pairedRatioOf(before) : undefined,
    verdict,
    text: `${b !== undefined ? `${fmt(b, digits)} → ` : ''}${fmt(a, digits)} ${spec.unit}${against}`,
  };
}

/** Median of each side's runs → one row per figure (value = after; before shown beside it). */
export function buildRows(
  floor: FloorResult,
  sides: SideResult[],
  baseline: BaselineRuns,
  settings: BenchSettings,
): Row[] {
  const before = sides.find((s) => s.label === 'before');
  const after = sides.find((s) => s.label === 'after') as SideResult;
  return figureSpecs(floor, after, baseline, settings).map((spec) => makeRow(spec, after, before));
}

const baselineText = (r: Row) =>
  r.baseline === undefined
    ? '—'
    : `${fmt(r.baseline, r.digits)} ${r.unit}, ${r.baselineLabel ?? ''}`;

const ratioText = (r: Row) => {
  const ratio = r.ratio ?? ratioOf(r.after, r.baseline);
  const before = r.beforeRatio ?? ratioOf(r.before, r.beforeBaseline ?? r.baseline);
  if (ratio === undefined) return '—';
  return `${fmt(ratio, 2)}×${before !== undefined ? ` (before ${fmt(before, 2)}×)` : ''}`;
};

const goalText = (r: Row) => {
  if (!r.goal) return '—';
  const op = r.goal.op === '<=' ? '≤' : '=';
  if (r.goal.on === 'ratio') return `${op} ${r.goal.target}×`;
  return r.unit === '×' ? `${op} ${r.goal.target}×` : `${op} ${r.goal.target} ${r.unit}`;
};

/** A profile frame's name with any absolute folder in front of the checkout's own files taken out. */
const portable = (name: string) => name.replace(/(^|\s)\/\S*\/(?=(?:dist|src|bench)\/)/g, '$1');

/** A column: its heading and the cell of each item (a row); `false` for one left out (no peer). */
export type Column<T> = false | readonly [string, (item: T, i: number) => unknown];

/** A table of a row an item, from its columns. */
export function columns<T>(items: readonly T[], cols: readonly Column<T>[]): string[] {
  const shown = cols.filter((c) => c !== false);
  const rows = items.map((item, i) => shown.map(([, cell]) => cell(item, i)));
  const head = shown.map(([name]) => name);
  return table(head, rows);
}

/** Per-run CPU per job: each floor, gateway and peer run of a round side by side. */
function cpuRunTable(s: SideResult): string[] {
  const peer = Boolean(s.peer);
  const of = (kind: Kind, name: string): Column<unknown>[] => [
    [`floor ${name} µs/job`, (_, i) => fmt(s.floorMicros[kind][i], 0)],
    ['jobgraph µs/job', (_, i) => fmt(cpuRuns(s, kind)[i]?.microsPerJob, 0)],
    peer && ['peer µs/job', (_, i) => fmt(peerRuns(s, kind)[i]?.microsPerJob, 0)],
    ['÷ floor', (_, i) => fmt(floorRatios(s, kind)[i], 2)],
    peer && ['÷ peer', (_, i) => fmt(peerRatios(s, kind)[i], 2)],
  ];
  return columns<unknown>(s.cpuExisting, [
    ['run', (_, i) => i + 1],
    ...of('existing', 'existing'),
    ...of('missing', 'not-found'),
  ]);
}

/** Per-pair latency: the gateway's 1-job and 100-job queries, the peer's 100-job query, the direct calls. */
function latencyTable(s: SideResult, floor: FloorResult): string[] {
  return columns(s.latency.hundredMs, [
    ['pair', (_, i) => i + 1],
    ['jobgraph 1 job ms', (_, i) => fmt(s.latency.oneMs[i], 1)],
    ['jobgraph 100 jobs ms', (ms) => fmt(ms, 1)],
    Boolean(s.peer) && ['peer 100 jobs ms', (_, i) => fmt(s.peer?.hundredMs[i], 1)],
    ['direct 1 call ms', (_, i) => fmt(floor.oneMs[i], 1)],
    ['direct 80 calls ms', (_, i) => fmt(floor.eightyMs[i], 1)],
  ]);
}

/** The figures measured `BENCH_RUNS` times, one column per run. */
function otherRunsTable(s: SideResult, settings: BenchSettings, baseline?: BaselineRuns) {
  const runs = Math.max(s.coalescing.length, s.cachedMicros.length, s.memory.length, 1);
  const { memoryConnections: all, memoryFewConnections: few } = settings;
  const line = (figure: string, values: readonly number[], digits: number) => [
    figure,
    ...Array.from({ length: runs }, (_, i) => fmt(values[i], digits)),
  ];
  const mbs = (runs: SideResult['memory'], key: 'idleMb' | 'peakMb') => runs.map((m) => m[key]);
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
    line(`idle RSS before ${all} in flight, MB`, mbs(s.memory, 'idleMb'), 1),
    line(`peak RSS, ${all} in flight, MB`, mbs(s.memory, 'peakMb'), 1),
    line(`peak RSS, ${few} at a time, MB`, mbs(s.memoryFew, 'peakMb'), 1),
  ];
  return table(['figure', ...Array.from({ length: runs }, (_, i) => `run ${i + 1}`)], rows);
}

/** What results.json holds, and RESULTS.md is rendered from. */
export interface Results {
  meta: {
    date: string;
    durationS: number;
    machine: { cpu: string; cores: number; node: string };
    git: Record<string, { commit: string; dirtyFiles: string[] }>;
    settings: BenchSettings;
    peerCheck?: PeerCheck;
  };
  floor: FloorResult;
  sides: SideResult[];
  baseline?: BaselineRuns;
  rows: Row[];
}

export function renderReport({ meta, floor, sides, rows, baseline }: Results): string {
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
    ...columns(rows, [
      ['figure', (r) => r.figure],
      hasBefore && ['before', (r) => `${fmt(r.before, r.digits)} ${r.unit}`],
      ['jobgraph', (r) => `${fmt(r.after, r.digits)} ${r.unit}`],
      ['peer / baseline (same run)', baselineText],
      ['ratio', ratioText],
      ['goal', goalText],
      ['result', (r) => (r.verdict === 'info' ? 'info' : `**${r.verdict}**`)],
    ]),
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
      ...otherRunsTable(x, s, baseline),
      '',
    );
    if (x.profile) {
      const { existing, cached } = x.profile;
      out.push(
        `## CPU profile, top functions by self time${suffix}`,
        '',
        ...columns(Array.from({ length: Math.max(existing.length, cached.length) }), [
          ['fresh 100-job queries', (_, i) => portable(existing[i]?.name ?? '')],
          ['%', (_, i) => String(existing[i]?.percent ?? '')],
          ['cache-served 1-job queries', (_, i) => portable(cached[i]?.name ?? '')],
          ['%', (_, i) => String(cached[i]?.percent ?? '')],
        ]),
        '',
      );
    }
  }
  return out.join('\n');
}
