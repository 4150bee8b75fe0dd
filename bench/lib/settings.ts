/**
 * Benchmark settings, read once from the environment. Only this file reads `process.env`
 * (the bench follows the same rule as src/config/). BENCH_QUICK=1 changes the defaults to a
 * quick run (about a minute per gateway); explicit BENCH_* values still win.
 */
import { BENCH_PROVIDERS, type BenchProvider } from './ids.ts';

export interface BenchSettings {
  quick: boolean;
  /** Checkout whose gateway gives the "before" column (BENCH_BEFORE_ROOT; none = no before column). */
  beforeRoot: string | undefined;
  /** Checkout whose gateway gives the "after" column (BENCH_AFTER_ROOT; default this checkout). */
  afterRoot: string | undefined;
  /** Added by every emulator before it answers, in ms (BENCH_LATENCY_MS, default 20). */
  latencyMs: number;
  /** Upstream latency for the 100-job latency and coalescing figures, in ms (BENCH_SLOW_LATENCY_MS, default 100). */
  slowLatencyMs: number;
  /** Runs per coalescing, memory and cached-path figure; the median is reported (BENCH_RUNS, default 3; quick 1). */
  runs: number;
  /**
   * Paired (floor run, gateway run) CPU-per-job runs per kind; the median ratio is the verdict
   * (BENCH_CPU_RUNS, default 7; quick 1). One pair swings by ±15 % on a shared machine, so three
   * let one slow spell decide a verdict that sits near its goal.
   */
  cpuRuns: number;
  /** 100-job queries per CPU-per-job run (BENCH_CPU_REQUESTS, default 20; quick 5). */
  cpuRequests: number;
  /** Fresh 100-job queries after the warm-up, to fill the secret registry as in a long-running gateway (BENCH_STEADY_STATE_QUERIES, default 200; quick 0). */
  steadyStateQueries: number;
  /** Floor calls per run (BENCH_FLOOR_CALLS, default 3000; quick 500). */
  floorCalls: number;
  /** Pairs of (1-job, 100-job) queries for the latency ratio, and of direct (1, 80) batches (BENCH_LATENCY_PAIRS, default 15; quick 5). */
  latencyPairs: number;
  /** 100-job queries in flight at once for RSS per query (BENCH_MEMORY_CONNECTIONS, default 100; quick 20). */
  memoryConnections: number;
  /** The same number of queries sent with only this many in flight at once, for what the RSS rise owes to the number in flight (BENCH_MEMORY_FEW_CONNECTIONS, default 10; quick 4). */
  memoryFewConnections: number;
  /** Cache-served 1-job queries per cached-path run (BENCH_CACHED_REQUESTS, default 2000; quick 300). */
  cachedRequests: number;
  /** Seconds per fairness (h) measurement (BENCH_FAIRNESS_S, default 4; quick 2). */
  fairnessSeconds: number;
  /** Also measure 1000 distinct jobs (10 queries) for batching (BENCH_BATCH_1000, default on; quick off). */
  batch1000: boolean;
  /** Profile the after gateway with --cpu-prof and list the top functions (BENCH_PROFILE, default on; quick off). */
  profile: boolean;
  /** Coalescing across two processes through Redis, if `redis-server` is on PATH (BENCH_REDIS, default on). */
  redis: boolean;
  /** Measure the SDK peer (bench/peer) beside each gateway's CPU and latency runs (BENCH_PEER, default on). */
  peer: boolean;
  /**
   * The providers of the CPU-per-job queries and the floor's calls, in turn (BENCH_PROVIDERS, a
   * comma list; default all six: panorama, omics, cosbatch, importexport, codepipeline, batch).
   * One provider gives that provider's CPU per job beside the floor and the peer.
   */
  providers: readonly BenchProvider[];
}

function int(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  return raw === undefined || raw === '' ? fallback : whole(name, raw, min, max);
}

function whole(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw))
    throw new Error(`${name} must be a whole number between ${min} and ${max}`);
  const n = Number(raw);
  if (n < min || n > max) throw new Error(`${name} must be between ${min} and ${max}`);
  return n;
}

function bool(name: string, fallback: boolean): boolean {
  const raw = process.env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new Error(`${name} must be true or false`);
}

function providers(name: string): readonly BenchProvider[] {
  const raw = process.env[name]?.trim();
  if (!raw) return BENCH_PROVIDERS;
  const list = raw.split(',').map((p) => p.trim());
  const wrong = list.find((p) => !(BENCH_PROVIDERS as readonly string[]).includes(p));
  if (wrong !== undefined)
    throw new Error(`${name}: ${wrong} is not one of ${BENCH_PROVIDERS.join(', ')}`);
  return list as BenchProvider[];
}

function path(name: string): string | undefined {
  const v = process.env[name]?.trim();
  return v ? v : undefined;
}

export function readSettings(): BenchSettings {
  const quick = bool('BENCH_QUICK', false);
  return {
    quick,
    beforeRoot: path('BENCH_BEFORE_ROOT'),
    afterRoot: path('BENCH_AFTER_ROOT'),
    latencyMs: int('BENCH_LATENCY_MS', 20, 0, 5000),
    slowLatencyMs: int('BENCH_SLOW_LATENCY_MS', 100, 1, 5000),
    runs: int('BENCH_RUNS', quick ? 1 : 3, 1, 15),
    cpuRuns: int('BENCH_CPU_RUNS', quick ? 1 : 7, 1, 31),
    cpuRequests: int('BENCH_CPU_REQUESTS', quick ? 5 : 20, 1, 100000),
    steadyStateQueries: int('BENCH_STEADY_STATE_QUERIES', quick ? 0 : 200, 0, 100000),
    floorCalls: int('BENCH_FLOOR_CALLS', quick ? 500 : 3000, 100, 1_000_000),
    latencyPairs: int('BENCH_LATENCY_PAIRS', quick ? 5 : 15, 1, 1000),
    memoryConnections: int('BENCH_MEMORY_CONNECTIONS', quick ? 20 : 100, 1, 2000),
    memoryFewConnections: int('BENCH_MEMORY_FEW_CONNECTIONS', quick ? 4 : 10, 1, 2000),
    cachedRequests: int('BENCH_CACHED_REQUESTS', quick ? 300 : 2000, 10, 1_000_000),
    fairnessSeconds: int('BENCH_FAIRNESS_S', quick ? 2 : 4, 1, 600),
    batch1000: bool('BENCH_BATCH_1000', !quick),
    profile: bool('BENCH_PROFILE', !quick),
    redis: bool('BENCH_REDIS', true),
    peer: bool('BENCH_PEER', true),
    providers: providers('BENCH_PROVIDERS'),
  };
}

/** Settings of `npm run bench:soak` (bench/soak.ts). */
export interface SoakSettings {
  /** Length of the soak after the warm-up, in minutes (BENCH_SOAK_MINUTES, default 10). */
  minutes: number;
  /** Requests per second, a fixed rate, most of them 100-job queries (BENCH_SOAK_RATE, default 8). */
  rate: number;
  /**
   * Seconds between two memory samples (BENCH_SOAK_SAMPLE_S, default 1): a minute's trough is the
   * reading closest after a full collection, and at the default rate the old generation refills at
   * ≈ 3.6 MB/s, so a 5-s reading could land up to ≈ 18 MB above it.
   */
  sampleSeconds: number;
  /**
   * Fresh 100-job queries before the soak, so the job cache and the secret registry are full
   * (BENCH_SOAK_WARMUP_QUERIES, default 300).
   */
  warmupQueries: number;
  /** Added by every emulator before it answers, in ms (BENCH_LATENCY_MS, default 20). */
  latencyMs: number;
}

export function readSoakSettings(): SoakSettings {
  return {
    minutes: int('BENCH_SOAK_MINUTES', 10, 1, 24 * 60),
    rate: int('BENCH_SOAK_RATE', 8, 1, 200),
    sampleSeconds: int('BENCH_SOAK_SAMPLE_S', 1, 1, 60),
    warmupQueries: int('BENCH_SOAK_WARMUP_QUERIES', 300, 0, 100000),
    latencyMs: int('BENCH_LATENCY_MS', 20, 0, 5000),
  };
}

/** Settings of `bench/moonshot.ts`: many open watches on one gateway. */
export interface MoonshotSettings {
  quick: boolean;
  /** Open `jobUpdates` subscriptions (BENCH_MOONSHOT_WATCHES, default 10000; quick 1000). */
  watches: number;
  /** Distinct unfinished jobs they watch (BENCH_MOONSHOT_JOBS, default 2000; quick 200). */
  jobs: number;
  /** Jobs each subscription watches (BENCH_MOONSHOT_JOBS_PER_WATCH, default 4). */
  jobsPerWatch: number;
  /** Subscriptions per connection, one caller each (BENCH_MOONSHOT_PER_CONNECTION, default 20: the per-caller cap). */
  perConnection: number;
  /** Of the jobs, how many report progress every `moveSeconds` (BENCH_MOONSHOT_MOVING, default 5 %). */
  moving: number;
  /** Seconds between two progress reports of the moving jobs (BENCH_MOONSHOT_MOVE_S, default 20). */
  moveSeconds: number;
  /** Seconds after the last subscription opened before the window, so every poller has backed off (BENCH_MOONSHOT_WARMUP_S, default 90; quick 70: the waits reach 30 s after about 65 s). */
  warmupSeconds: number;
  /** Seconds of the steady-state window (BENCH_MOONSHOT_SECONDS, default 120; quick 30). */
  seconds: number;
  /** Jobs in every listable emulated source (BENCH_MOONSHOT_JOBS_PER_SOURCE; default: the fewest with `jobs` unfinished). */
  jobsPerSource: number | undefined;
  /** Added by every emulator before it answers, in ms (BENCH_LATENCY_MS, default 20). */
  latencyMs: number;
  /** `--cpu-prof` the gateway and list the top functions of the window (BENCH_MOONSHOT_PROFILE, default off). */
  profile: boolean;
  /** Open the same connections against the bare floor (baseline/watchFloor.ts) after jobgraph (BENCH_MOONSHOT_FLOOR, default on). */
  floor: boolean;
}

export function readMoonshotSettings(): MoonshotSettings {
  const quick = bool('BENCH_QUICK', false);
  const jobs = int('BENCH_MOONSHOT_JOBS', quick ? 200 : 2000, 1, 100_000);
  const raw = process.env.BENCH_MOONSHOT_JOBS_PER_SOURCE?.trim();
  return {
    quick,
    watches: int('BENCH_MOONSHOT_WATCHES', quick ? 1000 : 10_000, 1, 1_000_000),
    jobs,
    jobsPerWatch: int('BENCH_MOONSHOT_JOBS_PER_WATCH', 4, 1, 100),
    perConnection: int('BENCH_MOONSHOT_PER_CONNECTION', 20, 1, 10_000),
    moving: int('BENCH_MOONSHOT_MOVING', Math.round(jobs / 20), 0, jobs),
    moveSeconds: int('BENCH_MOONSHOT_MOVE_S', 20, 1, 3600),
    warmupSeconds: int('BENCH_MOONSHOT_WARMUP_S', quick ? 70 : 90, 0, 3600),
    seconds: int('BENCH_MOONSHOT_SECONDS', quick ? 30 : 120, 5, 24 * 3600),
    jobsPerSource: raw ? int('BENCH_MOONSHOT_JOBS_PER_SOURCE', 1, 1, 100_000) : undefined,
    latencyMs: int('BENCH_LATENCY_MS', 20, 0, 5000),
    profile: bool('BENCH_MOONSHOT_PROFILE', false),
    floor: bool('BENCH_MOONSHOT_FLOOR', true),
  };
}

/** Settings of `npm run bench:sizing` (bench/sizing.ts): one replica at steps of load, on 1 and 2 cores. */
export interface SizingSettings {
  quick: boolean;
  /** Cores the replica is pinned to, one run each (BENCH_SIZING_CORES, default `1,2`). */
  cores: number[];
  /** Open watches at each step, cumulative, multiples of 100 (BENCH_SIZING_WATCHES, default `1000,5000,10000`; quick `200,1000`). */
  watches: number[];
  /** Jobs in every listable emulated source, the big account listed (BENCH_JOBS_PER_SOURCE, default 3000; quick 500). */
  jobsPerSource: number;
  /** Seconds after a step's watches are open before its window: the pollers back off to 30 s (BENCH_SIZING_WARMUP_S, default 70; quick 5). */
  warmupSeconds: number;
  /** Seconds of each step's window (BENCH_SIZING_SECONDS, default 30; quick 10). */
  seconds: number;
  /** Added by every emulator before it answers, in ms (BENCH_LATENCY_MS, default 20). */
  latencyMs: number;
}

/** A comma-separated list of whole numbers. */
function ints(name: string, fallback: number[], min: number, max: number): number[] {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  return raw.split(',').map((part) => whole(name, part.trim(), min, max));
}

export function readSizingSettings(): SizingSettings {
  const quick = bool('BENCH_QUICK', false);
  return {
    quick,
    cores: ints('BENCH_SIZING_CORES', [1, 2], 1, 256),
    watches: ints('BENCH_SIZING_WATCHES', quick ? [200, 1000] : [1000, 5000, 10_000], 100, 1e6),
    jobsPerSource: int('BENCH_JOBS_PER_SOURCE', quick ? 500 : 3000, 1, 100_000),
    warmupSeconds: int('BENCH_SIZING_WARMUP_S', quick ? 5 : 70, 0, 3600),
    seconds: int('BENCH_SIZING_SECONDS', quick ? 10 : 30, 5, 3600),
    latencyMs: int('BENCH_LATENCY_MS', 20, 0, 5000),
  };
}

/** Settings of `npm run bench:cpu` (bench/run.ts `--only cpu`): the full bench's, with more rounds by default and no profile unless asked. */
export function readCpuSettings(): BenchSettings {
  const settings = readSettings();
  return {
    ...settings,
    cpuRuns: int('BENCH_CPU_RUNS', 9, 1, 31),
    profile: bool('BENCH_PROFILE', false),
  };
}
