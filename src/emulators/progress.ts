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
