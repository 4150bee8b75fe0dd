/**
 * Benchmark settings, read once from the environment. Only this file reads `process.env`
 * (the bench follows the same rule as src/config.ts).
 */
export interface BenchSettings {
  /** Added by every emulator before it answers, in ms (BENCH_LATENCY_MS, default 20). */
  latencyMs: number;
  /** Runs per figure; each figure is the median (BENCH_RUNS, default 3). */
  runs: number;
  /** Seconds per run of the one-connection latency test (BENCH_LATENCY_S, default 6). */
  latencySeconds: number;
  /** Seconds per run of the direct-emulator baseline (BENCH_BASELINE_LATENCY_S, default 4). */
  baselineLatencySeconds: number;
  /** Seconds per throughput run (BENCH_THROUGHPUT_S, default 5). */
  throughputSeconds: number;
  /** Connections for the throughput runs (BENCH_THROUGHPUT_CONNECTIONS, default 10). */
  throughputConnections: number;
  /** Requests of the 100-job query per CPU measurement (BENCH_CPU_REQUESTS, default 100). */
  cpuRequests: number;
  /** Connections under which memory per in-flight request is measured (BENCH_MEMORY_CONNECTIONS, default 200). */
  memoryConnections: number;
  /** Soak length in s (BENCH_SOAK_S, default 60; 10 for a quick run). */
  soakSeconds: number;
  /** Connections during the soak (BENCH_SOAK_CONNECTIONS, default 10). */
  soakConnections: number;
  /** Also run the one-connection latency test on a gateway with a higher provider concurrency (BENCH_WHAT_IF, default on). */
  whatIf: boolean;
  /** Provider concurrency for that what-if gateway (BENCH_WHAT_IF_CONCURRENCY, default 32). */
  whatIfConcurrency: number;
}

function int(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number between ${min} and ${max}`);
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

export function readSettings(): BenchSettings {
  return {
    latencyMs: int('BENCH_LATENCY_MS', 20, 0, 5000),
    runs: int('BENCH_RUNS', 3, 1, 15),
    latencySeconds: int('BENCH_LATENCY_S', 6, 1, 600),
    baselineLatencySeconds: int('BENCH_BASELINE_LATENCY_S', 4, 1, 600),
    throughputSeconds: int('BENCH_THROUGHPUT_S', 5, 1, 600),
    throughputConnections: int('BENCH_THROUGHPUT_CONNECTIONS', 10, 1, 1000),
    cpuRequests: int('BENCH_CPU_REQUESTS', 100, 10, 100000),
    memoryConnections: int('BENCH_MEMORY_CONNECTIONS', 200, 1, 2000),
    soakSeconds: int('BENCH_SOAK_S', 60, 3, 3600),
    soakConnections: int('BENCH_SOAK_CONNECTIONS', 10, 1, 1000),
    whatIf: bool('BENCH_WHAT_IF', true),
    whatIfConcurrency: int('BENCH_WHAT_IF_CONCURRENCY', 32, 1, 1024),
  };
}

/** BENCH_BEFORE_ROOT (bench/fairness.ts): a checkout, with node_modules, whose gateway gives the before figure. */
export function readBeforeRoot(): string | undefined {
  const v = process.env.BENCH_BEFORE_ROOT?.trim();
  return v ? v : undefined;
}
