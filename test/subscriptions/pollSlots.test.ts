import { describe, expect, it } from 'vitest';
import { JobStates } from '../../src/datasources/state/jobStates.ts';
import { BATCH_JOB_IDS, batchGlobalId } from '@jobgraph/emulators/batch/data';
import { parseGlobalId } from '../../src/model/globalId.ts';
import type { JobRecord } from '../../src/model/job.ts';
import type { WatchOptions } from '../../src/subscriptions/watchOptions.ts';
import { WatchRegistry } from '../../src/subscriptions/watchRegistry.ts';
import { PollSlots, pollSlotMs, POLL_SLOT_MAX_MS } from '../../src/subscriptions/pollSlots.ts';
import { clearCalls, freshCopies } from '../support/gateway.ts';
import { queuedImportExportRecord } from '../support/records.ts';
import { ManualScheduler } from '../support/scheduler.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Jitter samples (0..1) that put a 1000 ms wait at 1010…1090 ms: all inside the slot ending at 1100. */
const withinOneSlot = (count: number) => {
  let i = 0;
  return () => 0.55 + (0.4 * (i++ % count)) / count;
};

/** A registry of `count` Import/Export jobs whose fetch counts its calls and answers at once. */
function watched(count: number, options: Partial<WatchOptions>) {
  const clock = new ManualScheduler(0);
  let fetches = 0;
  const registry = new WatchRegistry({
    fetch: async (key) => {
      fetches += 1;
      return queuedImportExportRecord((key as { jobId: string }).jobId);
    },
    pollMs: 1000,
    maxPollMs: 1000,
    breakerPauseMs: 10_000,
    scheduler: clock,
    states: new JobStates({ now: () => clock.now() }),
    ...options,
  });
  for (let i = 0; i < count; i++)
    registry.watch(parseGlobalId(`importexport:SLOT${String(i).padStart(2, '0')}`), () => {});
  return { clock, registry, fetches: () => fetches };
}

describe('Poll slots', () => {
  it('take a tenth of the first wait, at most 250 ms', () => {
    expect(pollSlotMs(2000)).toBe(200);
    expect(pollSlotMs(1000)).toBe(100);
    expect(pollSlotMs(60_000)).toBe(POLL_SLOT_MAX_MS);
    expect(pollSlotMs(10)).toBe(1);
  });

  it('end each wait on the next slot boundary after it, counted from the phase, never before', () => {
    const clock = new ManualScheduler(0);
    const slots = new PollSlots(clock, 100, 37);
    expect(slots.set(() => {}, 1000).wait).toBe(1037);
    expect(slots.set(() => {}, 1037).wait).toBe(1037);
    expect(slots.set(() => {}, 1038).wait).toBe(1137);
    expect(clock.pending()).toEqual([1037, 1137]);
  });

  it('wake N pollers due within one slot once: one timer, and all N polls in that one turn', async () => {
    const t = watched(20, { random: withinOneSlot(20), slots: { ms: 100, phase: 0 } });
    await settle();
    expect(t.fetches()).toBe(20); // the first polls, at once
    expect(t.registry.waiting()).toBe(20);
    expect(t.clock.pending()).toEqual([1100]);
    // One timer fired, and every poll of the slot was made before anything else ran.
    expect(t.clock.fireNext()).toBe(1);
    expect(t.fetches()).toBe(40);
    t.registry.close();
    expect(t.clock.pending()).toEqual([]);
  });

  it('without slots, the same jittered waits are a timer each', async () => {
    const t = watched(20, { random: withinOneSlot(20) });
    await settle();
    expect(t.clock.pending()).toHaveLength(20);
    expect(t.clock.fireNext()).toBe(1);
    expect(t.fetches()).toBe(21);
    t.registry.close();
  });

  it('still spread polls whose jitter differs by more than a slot over different slots', async () => {
    const samples = [0, 0.5, 1];
    let i = 0;
    const t = watched(3, { random: () => samples[i++ % 3]!, slots: { ms: 100, phase: 30 } });
    await settle();
    // 900, 1000 and 1100 ms: each rounded up to its own slot (phase 30).
    expect(t.clock.pending()).toEqual([930, 1030, 1130]);
    t.registry.close();
  });

  it('drop a slot’s timer when its last poller leaves, and keep it while one waits', async () => {
    const t = watched(2, { random: () => 0.6, slots: { ms: 100, phase: 0 } });
    await settle();
    expect(t.clock.pending()).toEqual([1100]);
    t.registry.get('importexport:SLOT00')!.stop();
    expect(t.clock.pending()).toEqual([1100]);
    t.registry.get('importexport:SLOT01')!.stop();
    expect(t.clock.pending()).toEqual([]);
  });
});

describe('Watched AWS Batch jobs due in one slot', () => {
  const gw = useTestGateway();

  it('are how the gateway’s pollers wait: slots of a tenth of its first wait, its phase inside one slot', () => {
    const { timers, options } = gw.server.subscriptions.hub.registry;
    expect(timers).toBeInstanceOf(PollSlots);
    const { ms, phase } = timers as PollSlots;
    expect(ms).toBe(pollSlotMs(options.pollMs));
    expect(phase).toBeGreaterThanOrEqual(0);
    expect(phase).toBeLessThan(ms);
  });

  it('are polled with one DescribeJobs per 100 jobs of an account and region, through the emulator', async () => {
    const K = 250;
    const ids = freshCopies(gw, Array<string>(K).fill(batchGlobalId(BATCH_JOB_IDS.running)));
    clearCalls(gw);
    /** Each DescribeJobs call's job count (the emulator logs `DescribeJobs <n>`), since the last look. */
    let seen = 0;
    const describes = () => {
      const calls = gw.emulators.batch.calls.slice(seen);
      seen += calls.length;
      return calls.map((c) => c.operation).sort();
    };
    const oneSlot = ['DescribeJobs 100', 'DescribeJobs 100', 'DescribeJobs 50'];
    const clock = new ManualScheduler(0);
    const gateway = gw.server.subscriptions.hub.registry.options;
    const registry = new WatchRegistry({
      fetch: (key, answer, reason) => gateway.fetch(key, answer, reason),
      pollMs: 1000,
      maxPollMs: 1000,
      breakerPauseMs: 10_000,
      scheduler: clock,
      random: withinOneSlot(K),
      slots: { ms: 100, phase: 0 },
      states: new JobStates({ now: () => clock.now() }),
    });
    const records: JobRecord[] = [];
    for (const id of ids)
      registry.watch(parseGlobalId(id), (e) => {
        if (e.kind === 'record') records.push(e.record);
        else if (e.kind === 'error') throw e.error;
      });
    while (registry.waiting() < K) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(records).toHaveLength(K);
    expect(describes()).toEqual(oneSlot); // the first polls, made together
    expect(clock.pending()).toEqual([1100]);
    expect(clock.fireNext()).toBe(1);
    while (registry.waiting() < K) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(describes()).toEqual(oneSlot); // ceil(250 / 100) calls
    expect(registry.polls.alone).toBe(2 * K);
    registry.close();
  });
});
