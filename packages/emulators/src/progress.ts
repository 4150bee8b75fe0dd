/**
 * The clock of the demo's *progressing* jobs: one job per emulator that moves through its
 * provider's real states over one cycle and then starts again. What a progressing job looks
 * like is a pure function of the emulator's clock (`now()`, ms) and its epoch (`epochMs`), so a
 * test sets the clock and never waits.
 */

/** One cycle of every progressing job, in ms. */
export const PROGRESS_CYCLE_MS = 60_000;

/** The emulator options that drive the progressing job. */
export interface ProgressClockOptions {
  /** Clock in ms (default Date.now); the emulators' signature checks and Date headers use it too. */
  now?: () => number;
  /** When cycle 0 starts, in ms (default: `now()` when the emulator is created). */
  epochMs?: number;
  /**
   * When the emulator started, in ms (default: `now()` when it is created): its demo jobs are
   * dated before it (listed ones over the 90 days, fixed describe jobs as data.ts ages them).
   */
  startedMs?: number;
}

/** Where the clock stands in the demo cycle. */
export interface CyclePoint {
  /** 0 for the first cycle after the epoch (negative before it). */
  cycle: number;
  /** When this cycle started, in ms since 1970: the progressing job's creation time. */
  cycleStartMs: number;
  /** Time since the cycle started, 0 ≤ offsetMs < PROGRESS_CYCLE_MS. */
  offsetMs: number;
}

export function cyclePoint(nowMs: number, epochMs: number): CyclePoint {
  const elapsed = nowMs - epochMs;
  const cycle = Math.floor(elapsed / PROGRESS_CYCLE_MS);
  const cycleStartMs = epochMs + cycle * PROGRESS_CYCLE_MS;
  return { cycle, cycleStartMs, offsetMs: nowMs - cycleStartMs };
}

/** One phase of a progressing job: its provider status from `fromMs` (inclusive) to `toMs` (exclusive), offsets in the cycle. */
export interface ProgressPhase {
  providerStatus: string;
  fromMs: number;
  toMs: number;
}

/**
 * A progressing job's phases from each phase's provider status and end (ms into the cycle), in
 * order: each starts where the one before ends, the first at 0, so they touch end to end by
 * construction. Throws RangeError unless the ends rise and the last is PROGRESS_CYCLE_MS.
 */
export function cyclePhases(
  ends: readonly (readonly [providerStatus: string, toMs: number])[],
): readonly ProgressPhase[] {
  let fromMs = 0;
  const phases = ends.map(([providerStatus, toMs]) => {
    if (toMs <= fromMs)
      throw new RangeError(`phase ${providerStatus} ends at ${toMs} ms, not after ${fromMs}`);
    const phase = { providerStatus, fromMs, toMs };
    fromMs = toMs;
    return phase;
  });
  if (fromMs !== PROGRESS_CYCLE_MS)
    throw new RangeError(
      `the phases end at ${fromMs} ms, not at the cycle's end (${PROGRESS_CYCLE_MS})`,
    );
  return phases;
}

/** The phase an offset falls in (the phases cover the whole cycle, in order). */
export function phaseAt<P extends ProgressPhase>(phases: readonly P[], offsetMs: number): P {
  return (
    phases.find((p) => offsetMs >= p.fromMs && offsetMs < p.toMs) ??
    (phases[phases.length - 1] as P)
  );
}

/** `clock.now()` placed in the cycle: the emulators call it once per answer. */
export function progressClock(options: ProgressClockOptions): () => CyclePoint {
  const now = options.now ?? Date.now;
  const epochMs = options.epochMs ?? now();
  return () => cyclePoint(now(), epochMs);
}

/** ISO-8601 UTC with milliseconds, e.g. `2026-11-22T13:02:39.123Z` (Omics style). */
export const isoMillis = (ms: number): string => new Date(ms).toISOString();

/** ISO-8601 UTC to the second, e.g. `2026-11-22T13:02:39Z` (COS and Import/Export style). */
export const isoSeconds = (ms: number): string =>
  `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;

/**
 * The runs of a progressing job that is a new job each cycle, as a provider makes a new job per
 * run (AWS Batch, HealthOmics): each run's ID is a fixed prefix and its cycle's start in ms, and
 * the runs of up to `keep` cycles before the current one stay, as the provider keeps finished
 * jobs for a while, each as its cycle's last ms left it; older runs, and cycles before cycle 0
 * (the epoch), have none.
 */
export interface CycleRuns<J> {
  /** The ID of the run of the cycle that starts at `cycleStartMs`. */
  idAt: (cycleStartMs: number) => string;
  /** The cycle start a run's ID names, or null for an ID of no run. */
  cycleStartOf: (id: string) => number | null;
  /** The finished runs before `point`'s cycle that stay, newest first. */
  finished: (point: CyclePoint) => J[];
  /** Run `id` as it stands at `point` (the current run, or a kept finished one), or undefined. */
  byId: (id: string, point: CyclePoint) => J | undefined;
}

export function cycleRuns<J>(
  spec: {
    /** What every run's ID starts with. */
    prefix: string;
    /** The cycle start's digits after it: base 16 or 10, zero-padded to `width`. */
    radix: 10 | 16;
    width: number;
    /** How many finished runs stay. */
    keep: number;
  },
  /** The run at a point of its cycle. */
  run: (point: CyclePoint) => J,
): CycleRuns<J> {
  const digits = spec.radix === 16 ? '[0-9a-f]' : '[0-9]';
  const pattern = new RegExp(`^${digits}{${spec.width}}$`);
  const kept = (point: CyclePoint): CyclePoint[] => {
    const points: CyclePoint[] = [];
    for (let k = 1; k <= spec.keep && point.cycle - k >= 0; k += 1)
      points.push({
        cycle: point.cycle - k,
        cycleStartMs: point.cycleStartMs - k * PROGRESS_CYCLE_MS,
        offsetMs: PROGRESS_CYCLE_MS - 1,
      });
    return points;
  };
  const cycleStartOf = (id: string): number | null => {
    if (!id.startsWith(spec.prefix)) return null;
    const rest = id.slice(spec.prefix.length);
    return pattern.test(rest) ? parseInt(rest, spec.radix) : null;
  };
  return {
    idAt: (cycleStartMs) =>
      `${spec.prefix}${Math.trunc(cycleStartMs).toString(spec.radix).padStart(spec.width, '0')}`,
    cycleStartOf,
    finished: (point) => kept(point).map(run),
    byId: (id, point) => {
      const start = cycleStartOf(id);
      if (start === null) return undefined;
      if (start === point.cycleStartMs) return run(point);
      const at = kept(point).find((c) => c.cycleStartMs === start);
      return at && run(at);
    },
  };
}
