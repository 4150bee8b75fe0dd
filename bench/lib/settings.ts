// The bench's settings (bench/README.md): only this file reads `process.env` (as src/config/ does).
import { resolve } from 'node:path';
import { BENCH_PROVIDERS, type IdKind } from './ids.ts';

/** The settings of `npm run bench:cpu`: each BENCH_* variable is described in bench/README.md, Settings. */
export type BenchSettings = ReturnType<typeof readSettings>;

/** BENCH_* variable `name` as given, or undefined when unset. */
export const text = (name: string): string | undefined => process.env[name]?.trim() || undefined;

/** BENCH_* variable `name` as a whole number from `min` to `max`, or `fallback` when unset. */
export function int(name: string, fallback: number, min: number, max: number): number {
  const raw = text(name);
  return raw === undefined ? fallback : whole(name, raw, min, max);
}

function whole(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw))
    throw new Error(`${name} must be a whole number between ${min} and ${max}`);
  const n = Number(raw);
  if (n < min || n > max) throw new Error(`${name} must be between ${min} and ${max}`);
  return n;
}

function bool(name: string, fallback: boolean): boolean {
  const raw = text(name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new Error(`${name} must be true or false`);
}

/** Variable `name`'s comma-separated names, each one of `all`, in the order given; undefined when unset. */
function listed<T extends string>(name: string, all: readonly T[]): T[] | undefined {
  const raw = text(name);
  if (!raw) return undefined;
  const list = raw.split(',').map((x) => x.trim());
  const wrong = list.find((x) => !(all as readonly string[]).includes(x));
  if (wrong !== undefined) throw new Error(`${name}: ${wrong} is not one of ${all.join(', ')}`);
  return list as T[];
}

/** `A=1,B=2` in BENCH_* variable `name` as an environment (for a gateway's extra settings). */
export function pairs(name: string): Record<string, string> {
  const list = (text(name) ?? '').split(',').filter(Boolean);
  return Object.fromEntries(
    list.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

export const quickRun = (): boolean => bool('BENCH_QUICK', false);

/** The checkouts a before/after figure measures: `beforeRoot` if given, then `afterRoot` or `here`. */
export const checkouts = (
  s: { beforeRoot?: string | undefined; afterRoot?: string | undefined },
  here: string,
) => [
  ...(s.beforeRoot ? [['before', resolve(s.beforeRoot)] as const] : []),
  ['after', resolve(s.afterRoot ?? here)] as const,
];

/** A child process's environment: nothing of the caller's shell (AWS_PROFILE, proxies, NODE_OPTIONS) but PATH and HOME; BENCH_NODE_OPTIONS, when set, is every child's NODE_OPTIONS (the same V8 settings on both sides of a figure). */
export const childEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/tmp',
  NODE_ENV: 'production',
  ...(text('BENCH_NODE_OPTIONS') ? { NODE_OPTIONS: text('BENCH_NODE_OPTIONS')! } : {}),
});

export function readSettings() {
  const quick = quickRun();
  return {
    beforeRoot: text('BENCH_BEFORE_ROOT'),
    afterRoot: text('BENCH_AFTER_ROOT'),
    latencyMs: int('BENCH_LATENCY_MS', 20, 0, 5000),
    slowLatencyMs: int('BENCH_SLOW_LATENCY_MS', 100, 1, 5000),
    // One (floor, gateway) pair swings by ±15 % on a shared machine: several let no single slow
    // spell decide a verdict that sits near its goal.
    cpuRuns: int('BENCH_CPU_RUNS', quick ? 1 : 9, 1, 31),
    cpuRequests: int('BENCH_CPU_REQUESTS', quick ? 5 : 20, 1, 100000),
    steadyStateQueries: int('BENCH_STEADY_STATE_QUERIES', quick ? 0 : 200, 0, 100000),
    floorCalls: int('BENCH_FLOOR_CALLS', quick ? 500 : 3000, 100, 1_000_000),
    latencyPairs: int('BENCH_LATENCY_PAIRS', quick ? 5 : 15, 1, 1000),
    /** The warm-up's fresh queries in flight at once: each provider's socket pool filled. */
    warmUpInFlight: quick ? 20 : 100,
    providers: listed('BENCH_PROVIDERS', BENCH_PROVIDERS) ?? BENCH_PROVIDERS,
    /** A second after gateway with JOBGRAPH_HISTORY_URL=off in the same rounds (issue 72's history on ÷ off). */
    historyOff: bool('BENCH_CPU_HISTORY_OFF', true),
    /** The rounds' servers, by label (all unless named): a pair compared in longer rounds. */
    servers: oneOf('BENCH_CPU_SERVERS', CPU_SERVERS),
    /** The kinds of job measured (both unless named). */
    kinds: oneOf('BENCH_CPU_KINDS', CPU_KINDS),
  };
}

/** A comma-separated list of whole numbers. */
function ints(name: string, fallback: number[], min: number, max: number): number[] {
  const raw = text(name);
  return raw ? raw.split(',').map((part) => whole(name, part.trim(), min, max)) : fallback;
}

/** Settings of the watch load (bench/sizing.ts): BENCH_SIZING_*, or BENCH_MOONSHOT_* for `--moonshot` (bench/README.md). */
export type WatchSettings = ReturnType<typeof readWatchSettings>;

export function readWatchSettings(moonshot: boolean) {
  const quick = quickRun();
  const p = moonshot ? 'BENCH_MOONSHOT_' : 'BENCH_SIZING_';
  const watches = moonshot
    ? [int(`${p}WATCHES`, quick ? 1000 : 10_000, 1, 1_000_000)]
    : ints(`${p}WATCHES`, quick ? [200, 1000] : [1000, 5000, 10_000], 100, 1e6);
  const jobsPerWatch = int(`${p}JOBS_PER_WATCH`, 4, 1, 100);
  // Watch w watches jobs of group ⌊w / perGroup⌋. Sizing: groups of 20 jobs each watched by 20
  // watches, so the watched jobs grow with the steps; the moonshot: one group of all its jobs.
  const perGroup = moonshot ? Math.max(...watches) : Math.floor(400 / jobsPerWatch);
  const jobs = moonshot
    ? int(`${p}JOBS`, quick ? 200 : 2000, 1, 100_000)
    : 20 * Math.ceil(Math.max(...watches) / perGroup);
  // The big account's jobs a listable source; the moonshot's default: the fewest with enough unfinished jobs.
  const perSource = moonshot ? `${p}JOBS_PER_SOURCE` : 'BENCH_JOBS_PER_SOURCE';
  return {
    moonshot,
    /** Sizing: a gateway pinned to each count in turn; the moonshot's is not pinned. */
    cores: moonshot ? [] : ints(`${p}CORES`, [1, 2], 1, 256),
    watches,
    jobs,
    group: moonshot ? jobs : 20,
    perGroup,
    jobsPerWatch,
    perConnection: int(`${p}PER_CONNECTION`, 20, 1, 10_000),
    moving: int(`${p}MOVING`, Math.round(jobs / 20), 0, jobs),
    moveSeconds: int(`${p}MOVE_S`, 20, 1, 3600),
    warmupSeconds: int(`${p}WARMUP_S`, moonshot ? (quick ? 70 : 90) : quick ? 5 : 70, 0, 3600),
    seconds: int(`${p}SECONDS`, moonshot ? (quick ? 30 : 120) : quick ? 10 : 30, 5, 24 * 3600),
    jobsPerSource:
      moonshot && !text(perSource) ? undefined : int(perSource, quick ? 500 : 3000, 1, 100_000),
    latencyMs: int('BENCH_LATENCY_MS', 20, 0, 5000),
    floor: moonshot && bool(`${p}FLOOR`, true),
    /** The moonshot's gateway in a memory cgroup of the kit's limit, as a pod runs it. */
    kitLimit: moonshot && bool(`${p}KIT_LIMIT`, false),
  };
}

/** `bench:cpu`'s servers, by the labels of its report (the floor is the bare client). */
const CPU_SERVERS = ['floor', 'before', 'after', 'history off', 'peer', 'core floor'] as const;
/** `bench:cpu`'s kinds of job: fresh existing jobs, not-found IDs, and known jobs read again unchanged. */
export const CPU_KINDS = ['finished', 'missing', 'known'] as const satisfies readonly IdKind[];

/** The subset of `all` variable `name` lists, in `all`'s order; all when unset. */
function oneOf<T extends string>(name: string, all: readonly T[]): readonly T[] {
  const list = listed(name, all);
  return list ? all.filter((x) => list.includes(x)) : all;
}
