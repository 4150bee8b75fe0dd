import { performance } from 'node:perf_hooks';
import process from 'node:process';
import v8 from 'node:v8';
import vm from 'node:vm';

/** The quiet spell before a collection, by default (`IdleMemoryOptions.quietMs`). */
export const IDLE_QUIET_MS = 10_000;

/**
 * Gives memory back to the system once the gateway goes quiet after work.
 *
 * Under load V8 grows its young generation (up to 2 × 64 MiB of semi-spaces on Node 24) and lets
 * the old generation fill with garbage up to its next limit; on an idle process nothing triggers a
 * collection, so the resident set stays at its high-water mark (the bench saw 4× the idle RSS at
 * start, with about 30 MB of it live). A memory-reducing full collection ("last resort": the one V8
 * runs before giving up on an allocation) frees that garbage, shrinks the young generation and
 * unmaps the emptied pages: RSS goes back to near where it started.
 *
 * It runs only when it earns its pause (0.1–0.35 s of CPU for jobgraph's live heap, and as much
 * again or more in the next burst of work, which costs ≈ 1.5× the CPU right after a full
 * collection): when the event loop has been almost idle for `quietMs` (10 s) and RSS has grown by
 * `growthBytes` since the last collection — never under load, never in the lulls between bursts
 * of a steadily used gateway (a dashboard polling every few seconds), at most once per growth
 * step while idle — and never more often than keeps its CPU time within `maxShare` of the time
 * passed (1%: after a collection costing 0.1 s of CPU, none for 10 s) — unless the process has since worked (spent CPU
 * outside collections) at least `1 / maxWorkShare` times that cost, so the collection stays within
 * 10% of the work that made the garbage. Without that second door a collection of a big heap in a
 * lull between bursts (0.3–0.5 s of CPU) shut out the one after the next burst for up to a minute,
 * and RSS stayed at its high-water mark (bench: 5× the idle RSS at start). A timer per `intervalMs` (unref'd) reads the event-loop
 * utilisation and RSS, which costs microseconds.
 */
export interface IdleMemoryOptions {
  /** How often to look (default 500 ms). */
  intervalMs?: number;
  /** Event-loop utilisation (0–1) over the last interval at or below which the process counts as idle (default 0.02). */
  idleUtilization?: number;
  /**
   * How long the process must have been idle, every look of it, before a collection (default
   * 10 000 ms). Measured on 100-job query bursts ≈ 2 s apart: collecting in the lulls (after half
   * a second of quiet, until 2026-11-23) made the burst after each collection cost ≈ 1.5× the CPU
   * per job, whether the collection was memory-reducing or a regular full one: it deoptimizes
   * 70–90 functions whose optimized code held objects it cleared (`--log-deopt`: "embedded weak
   * objects cleared"), and the burst runs unoptimized until they are compiled again.
   */
  quietMs?: number;
  /** RSS growth since the last collection that makes one worth it (default 16 MiB). */
  growthBytes?: number;
  /** The most of the process's time collections may take (default 0.01). */
  maxShare?: number;
  /** Or, whatever the time passed: the most of the CPU the process spent working since the last collection that one may take (default 0.1). */
  maxWorkShare?: number;
  /** Collect once at start (after start-up's garbage), before the first interval (default true). */
  atStart?: boolean;
  /** For tests: the resident set size, default process.memoryUsage.rss. */
  rss?: () => number;
  /** For tests: the event-loop utilisation since the last call, default from perf_hooks. */
  utilization?: () => number;
  /** For tests: the collection, default V8's memory-reducing full GC. */
  collect?: () => void;
  /** For tests: a clock in ms, default performance.now. */
  now?: () => number;
  /** For tests: the process's CPU time in ms (all threads: V8 collects on helper threads too), default from process.cpuUsage. */
  cpuTime?: () => number;
}

export interface IdleMemoryTrimmer {
  /** Collections run so far. */
  readonly collections: number;
  /** One look, as the timer does (for tests). */
  check(): void;
  stop(): void;
}

let lastResortGc: (() => void) | undefined;

/**
 * V8's gc() with the memory-reducing "last-resort" flavour. Node has no API for it, so
 * `--expose-gc` is switched on just long enough to take `gc` from a fresh context (the
 * approach Node's own documentation of v8.setFlagsFromString shows), then off again so no
 * other context gets a global `gc`.
 */
function memoryReducingGc(): () => void {
  if (!lastResortGc) {
    v8.setFlagsFromString('--expose-gc');
    try {
      const gc = vm.runInNewContext('gc') as (options: { type: string; execution: string; flavor: string }) => void;
      lastResortGc = () => gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    } finally {
      v8.setFlagsFromString('--no-expose-gc');
    }
  }
  return lastResortGc;
}

function eventLoopUtilization(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, last);
    last = now;
    return delta.utilization;
  };
}

export function startIdleMemoryTrimmer(options: IdleMemoryOptions = {}): IdleMemoryTrimmer {
  const intervalMs = options.intervalMs ?? 500;
  const maxShare = options.maxShare ?? 0.01;
  const maxWorkShare = options.maxWorkShare ?? 0.1;
  const now = options.now ?? (() => performance.now());
  const cpuTime =
    options.cpuTime ??
    (() => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    });
  const idle = options.idleUtilization ?? 0.02;
  const quietMs = options.quietMs ?? IDLE_QUIET_MS;
  const growth = options.growthBytes ?? 16 * 2 ** 20;
  const rss = options.rss ?? (() => process.memoryUsage.rss());
  const utilization = options.utilization ?? eventLoopUtilization();
  const collect = options.collect ?? memoryReducingGc();
  let collections = 0;
  let baseline = 0;
  let notBefore = -Infinity;
  let cpuAfterLast = 0;
  let lastCost = 0;
  /** When the current idle spell began (the start of its first idle interval); null while busy. */
  let quietSince: number | null = null;
  const run = () => {
    // The cost is CPU time, not wall time: on a busy machine a collection waits for a core, and
    // that wait costs this process nothing.
    const cpuBefore = cpuTime();
    collect();
    const cost = cpuTime() - cpuBefore;
    collections++;
    baseline = rss();
    notBefore = now() + cost / maxShare;
    lastCost = cost;
    cpuAfterLast = cpuTime();
  };
  const allowed = () => now() >= notBefore || cpuTime() - cpuAfterLast >= lastCost / maxWorkShare;
  const check = () => {
    // Read utilisation every time, so each look covers one interval only.
    if (utilization() > idle) {
      quietSince = null;
      return;
    }
    quietSince ??= now() - intervalMs;
    if (now() - quietSince >= quietMs && rss() >= baseline + growth && allowed()) run();
  };
  if (options.atStart ?? true) run();
  else baseline = rss();
  const timer = setInterval(check, intervalMs);
  timer.unref();
  return {
    get collections() {
      return collections;
    },
    check,
    stop: () => clearInterval(timer),
  };
}
