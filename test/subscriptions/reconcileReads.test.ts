import { describe, expect, it } from 'vitest';
import { parseJob } from '../../src/datasources/batch/parse.ts';
import { JobStates } from '../../src/datasources/state/jobStates.ts';
import { parseGlobalId, type JobKey } from '../../src/model/globalId.ts';
import { WatchRegistry } from '../../src/subscriptions/watchRegistry.ts';
import { batchDetail } from '../support/batchEvents.ts';
import { ManualScheduler, seeded } from '../support/scheduler.ts';

// Issue 88 item 4, the calls of a small place: 14 watched AWS Batch jobs of one account and
// region, live by events, their watches started 20 s apart, at the default reconciliation (300 s,
// ±10 %). Reads made at the same instant go out as one DescribeJobs (up to 100 IDs a call, the
// poll slot's batch): so the calls a minute are the distinct instants of reads a minute.

const JOBS = 14;
/** Minutes measured, once every watch has started and made its first read. */
const MINUTES = 30;

const keyOf = (n: number): JobKey =>
  parseGlobalId(`batch:us-east-1:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`);

/**
 * A registry of RUNNING Batch jobs whose places are live by events (reconciliation every 300 s)
 * on `clock`, each read reported to `onRead` at the clock's time.
 */
function liveRegistry(
  clock: ManualScheduler,
  onRead: (at: number) => void,
  slotReads?: number,
): WatchRegistry {
  return new WatchRegistry({
    fetch: (key) => {
      onRead(clock.now());
      return Promise.resolve(parseJob(key as never, batchDetail({ status: 'RUNNING' }), 'detail'));
    },
    pollMs: 5000,
    maxPollMs: 30_000,
    breakerPauseMs: 10_000,
    scheduler: clock,
    random: seeded(88),
    events: { covered: () => true, reconcileMs: 300_000, ...(slotReads ? { slotReads } : {}) },
    states: new JobStates({ now: () => clock.now() }),
  });
}

describe('14 watched Batch jobs of one place live by events', () => {
  it('make at most one reconciliation DescribeJobs a minute', async () => {
    const clock = new ManualScheduler(0);
    const reads: number[] = [];
    const registry = liveRegistry(clock, (at) => reads.push(at));
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    for (let n = 0; n < JOBS; n++) {
      registry.watch(keyOf(n), () => undefined);
      await settle();
      clock.advance(20_000);
      await settle();
    }
    const from = clock.now();
    const firstReads = reads.length;
    expect(firstReads).toBe(JOBS);
    for (let t = 0; t < MINUTES * 60; t++) {
      clock.advance(1000);
      await settle();
    }
    const instants = new Set(reads.slice(firstReads).filter((at) => at >= from));
    const perMinute = instants.size / MINUTES;
    const readsPerMinute = (reads.length - firstReads) / MINUTES;
    process.stdout.write(
      `[reconcile] 14 jobs live by events: ${readsPerMinute.toFixed(2)} reads a minute in ${perMinute.toFixed(2)} DescribeJobs a minute\n`,
    );
    // Every job is still reconciled about every 300 s.
    expect(readsPerMinute).toBeGreaterThanOrEqual((JOBS * 60) / 330 - 0.2);
    expect(perMinute).toBeLessThanOrEqual(1);
  });
});

describe('400 watched Batch jobs live by events, watched at once', () => {
  it('make their reconciliation reads at most slotReads an instant, each job still re-read about every 300 s', async () => {
    const jobs = 400;
    const slotReads = 25;
    const clock = new ManualScheduler(0);
    /** Reads by the instant they were made at. */
    const reads = new Map<number, number>();
    const registry = liveRegistry(
      clock,
      (at) => reads.set(at, (reads.get(at) ?? 0) + 1),
      slotReads,
    );
    // Every first read in one turn: every job's reconciliation falls due within the jitter's 60 s,
    // which whole fifths of the reconciliation made one or two instants of 200-400 reads.
    for (let n = 0; n < jobs; n++) registry.watch(keyOf(n), () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(reads.get(0)).toBe(jobs);
    reads.delete(0);
    for (let t = 0; t < MINUTES * 60; t++) {
      clock.advance(1000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const counts = [...reads.values()];
    const total = counts.reduce((a, b) => a + b, 0);
    process.stdout.write(
      `[reconcile] ${jobs} jobs watched at once: ${total} reconciliation reads in ${MINUTES} min, at most ${Math.max(...counts)} an instant over ${counts.length} instants\n`,
    );
    expect(Math.max(...counts)).toBeLessThanOrEqual(slotReads);
    // Every job is still reconciled about every 300 s (±10 %), its first wave spread by the cap.
    expect(total).toBeGreaterThanOrEqual(jobs * ((MINUTES * 60) / 330 - 1));
  });
});
