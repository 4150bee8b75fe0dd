import { describe, expect, it } from 'vitest';
import { parseJob } from '../../src/datasources/batch/parse.ts';
import { JobStates } from '../../src/datasources/state/jobStates.ts';
import { parseGlobalId, type JobKey } from '../../src/model/globalId.ts';
import { READ_REASONS, type ReadReason } from '../../src/subscriptions/watchOptions.ts';
import { WatchRegistry } from '../../src/subscriptions/watchRegistry.ts';
import { batchDetail } from '../support/batchEvents.ts';
import { ManualScheduler, seeded } from '../support/scheduler.ts';

// Issue 88 item 4, every call of a small place accounted for: 14 watched AWS Batch jobs of one
// account and region, live by events, watched 20 s apart, then 30 min of a fixed script of
// events (a finish every 4 min, a job moving on between). Each read says why it goes (the
// `reason` of jobgraph_watch_reads_total); reads made at one instant go out as one DescribeJobs
// (the poll slot's batch), so a call is an instant, and it is counted under each reason read in it.

const JOBS = 14;
const MINUTES = 30;
const idOf = (n: number) =>
  `batch:us-east-1:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** The script: minute → [job, its new status]; jobs 0..6 start RUNNING and finish, 7..13 start RUNNABLE. */
const SCRIPT = new Map<number, [number, string]>();
for (let k = 0; k < 7; k++) {
  SCRIPT.set(2 + 4 * k, [k, 'SUCCEEDED']);
  SCRIPT.set(4 + 4 * k, [7 + k, 'STARTING']);
}

/**
 * A registry of the place's jobs on `clock` (reconciliation every 300 s while `covered`), each job
 * read at its `status` (job n: status[n]) and each read noted in `reads`: when, and why.
 */
function placeRegistry(clock: ManualScheduler, status: string[], covered: () => boolean) {
  const reads: [number, ReadReason][] = [];
  const states = new JobStates({ now: () => clock.now() });
  const record = (key: JobKey) => {
    const n = Number((key as { jobId: string }).jobId.slice(-12));
    return parseJob(key as never, batchDetail({ status: status[n] }), 'detail');
  };
  const registry = new WatchRegistry({
    fetch: (key, _answer, reason) => {
      reads.push([clock.now(), reason]);
      return Promise.resolve(record(key));
    },
    ...{ pollMs: 5000, maxPollMs: 30_000, breakerPauseMs: 10_000, scheduler: clock },
    ...{ random: seeded(88), slots: { ms: 500, phase: 0 }, states },
    events: { covered, reconcileMs: 300_000 },
  });
  return { registry, reads, states, record };
}

async function run() {
  const clock = new ManualScheduler(0);
  const status = Array.from({ length: JOBS }, (_, n): string => (n < 7 ? 'RUNNING' : 'RUNNABLE'));
  const { registry, reads, states, record } = placeRegistry(clock, status, () => true);
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  for (let n = 0; n < JOBS; n++) {
    registry.watch(parseGlobalId(idOf(n)), () => undefined);
    await settle();
    clock.advance(20_000);
    await settle();
  }
  const from = clock.now();
  for (let t = 0; t < MINUTES * 60; t++) {
    const step = SCRIPT.get(t / 60);
    if (step) {
      status[step[0]] = step[1];
      const key = parseGlobalId(idOf(step[0]));
      states.offer(record(key), { origin: 'event', at: clock.now(), time: t, eventId: `e${t}` });
    }
    clock.advance(1000);
    await settle();
  }
  registry.close();
  return { reads: reads.filter(([at]) => at >= from), firstReads: reads.length };
}

describe('14 watched Batch jobs of one place live by events, 30 min of a fixed script', () => {
  it('make each DescribeJobs for a reason: the confirming reads of 7 finishes, and reconciliation', async () => {
    const { reads } = await run();
    const calls = new Map<number, Set<ReadReason>>();
    for (const [at, reason] of reads) calls.set(at, (calls.get(at) ?? new Set()).add(reason));
    const byReason = Object.fromEntries(
      READ_REASONS.map((r) => [r, [...calls.values()].filter((s) => s.has(r)).length]),
    );
    const perMinute = (n: number) => (n / MINUTES).toFixed(2);
    process.stdout.write(
      `[calls] ${perMinute(calls.size)} DescribeJobs a minute: ${READ_REASONS.map((r) => `${r} ${perMinute(byReason[r]!)}`).join(', ')}; ${reads.length} reads\n`,
    );
    // No read of a job live by events goes for any other reason than these two.
    expect(byReason.first).toBe(0);
    expect(byReason.poll).toBe(0);
    // Each of the 7 finishes is confirmed by one read, and nothing else needs one.
    expect(reads.filter(([, r]) => r === 'confirm')).toHaveLength(7);
    expect(byReason.reconcile).toBeLessThanOrEqual(MINUTES);
    expect(calls.size).toBeLessThanOrEqual(MINUTES + 7);
  });
});

describe('14 watched Batch jobs of a place that goes live by events after their first read', () => {
  it('make no call until their reconciliation: the poll armed before the place went live needs none', async () => {
    const clock = new ManualScheduler(0);
    let live = false;
    const status = Array<string>(JOBS).fill('RUNNING');
    const { registry, reads } = placeRegistry(clock, status, () => live);
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    for (let n = 0; n < JOBS; n++) registry.watch(parseGlobalId(idOf(n)), () => undefined);
    await settle();
    expect(reads.map(([, r]) => r)).toEqual(Array<ReadReason>(JOBS).fill('first'));
    // Another job's event makes the place live by events, 2 s after the first reads.
    clock.advance(2000);
    live = true;
    registry.coverageChanged();
    for (let t = 0; t < 10 * 60; t++) {
      clock.advance(1000);
      await settle();
    }
    registry.close();
    const later = reads.slice(JOBS);
    process.stdout.write(
      `[calls] after going live: ${later.map(([at]) => at / 1000).join(', ')} s\n`,
    );
    // Before, the poll armed at the first read went 5 s later: one DescribeJobs of 14 jobs that
    // the events made needless. Now the next read of each is its reconciliation, on the grid.
    expect(later.filter(([at]) => at < 240_000)).toEqual([]);
    expect(later.every(([, r]) => r === 'reconcile')).toBe(true);
    expect(new Set(later.slice(0, JOBS).map(([at]) => at)).size).toBeLessThanOrEqual(2);
    expect(later.length).toBeGreaterThanOrEqual(JOBS);
  });
});
