import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { startIdleMemoryTrimmer } from '../src/idleMemory.ts';

const MiB = 2 ** 20;
const newSpaceSize = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;

/** A trimmer driven by hand: the test sets RSS and event-loop utilisation, then calls check(). */
function driven(options: { atStart?: boolean; quietMs?: number; intervalMs?: number } = {}) {
  const state = { rss: 100 * MiB, utilization: 0, clock: 0, cpu: 0 };
  const collected: number[] = [];
  const trimmer = startIdleMemoryTrimmer({
    intervalMs: 3_600_000, // the test calls check() itself
    quietMs: 0, // one idle look is quiet enough, unless a test says otherwise
    growthBytes: 16 * MiB,
    idleUtilization: 0.02,
    rss: () => state.rss,
    utilization: () => state.utilization,
    collect: () => {
      collected.push(state.rss);
      state.rss -= 10 * MiB; // what a collection gives back
      state.cpu += 100; // and the 100 ms of CPU it costs…
      state.clock += 400; // …on a busy machine, over a longer wall time
    },
    now: () => state.clock,
    cpuTime: () => state.cpu,
    maxShare: 0.01,
    ...options,
  });
  return { state, collected, trimmer };
}

describe('The idle memory trimmer', () => {
  it('collects once at start, then not again while RSS has not grown by the threshold', () => {
    const { state, collected, trimmer } = driven();
    expect(collected).toEqual([100 * MiB]);
    state.rss += 15 * MiB; // 90 + 15 = 105 < 90 + 16
    trimmer.check();
    trimmer.check();
    expect(trimmer.collections).toBe(1);
    trimmer.stop();
  });

  it('does not collect under load, however much RSS grew, and collects on the first idle look after it', () => {
    const { state, collected, trimmer } = driven({ atStart: false });
    state.rss = 500 * MiB;
    state.utilization = 0.9;
    trimmer.check();
    state.utilization = 0.03;
    trimmer.check();
    expect(collected).toEqual([]);
    state.utilization = 0.01;
    trimmer.check();
    expect(collected).toEqual([500 * MiB]);
    // Idle, nothing new allocated: the next looks leave it alone.
    trimmer.check();
    trimmer.check();
    expect(trimmer.collections).toBe(1);
    trimmer.stop();
  });

  it('waits for a quiet spell of quietMs, every look idle: a lull between bursts is not one', () => {
    const { state, collected, trimmer } = driven({ atStart: false, quietMs: 10_000, intervalMs: 500 });
    state.rss = 500 * MiB;
    const look = (utilization: number) => {
      state.clock += 500;
      state.utilization = utilization;
      trimmer.check();
    };
    // A burst, then 3 s of quiet, then the next burst: no collection in the lull.
    look(0.9);
    for (let i = 0; i < 6; i++) look(0);
    look(0.5);
    expect(collected).toEqual([]);
    // Quiet again: the first idle look covers the 500 ms before it, so the 20th is 10 s of quiet.
    for (let i = 0; i < 19; i++) look(0.01);
    expect(collected).toEqual([]);
    look(0.01);
    expect(collected).toEqual([500 * MiB]);
    trimmer.stop();
  });

  it('measures growth from RSS after the last collection, so memory a collection cannot free does not make it collect every second', () => {
    const { state, trimmer } = driven({ atStart: false });
    state.rss = 300 * MiB; // e.g. 290 MB stays (native memory) after the collection
    trimmer.check();
    expect(trimmer.collections).toBe(1);
    state.rss = 300 * MiB; // back at the same level: grown 10 MB since 290, below the threshold
    trimmer.check();
    expect(trimmer.collections).toBe(1);
    state.rss = 320 * MiB;
    state.clock += 10_000;
    trimmer.check();
    expect(trimmer.collections).toBe(2);
    trimmer.stop();
  });

  it('spends at most 1% of the time collecting: after a collection costing 100 ms of CPU, none for the next 10 s', () => {
    const { state, trimmer } = driven({ atStart: false });
    state.rss = 300 * MiB;
    trimmer.check(); // clock 0 → 400
    expect(trimmer.collections).toBe(1);
    state.rss = 400 * MiB;
    state.clock = 10_399;
    trimmer.check();
    expect(trimmer.collections).toBe(1);
    state.clock = 10_400;
    trimmer.check();
    expect(trimmer.collections).toBe(2);
    trimmer.stop();
  });

  it("collects again before the 1% wait is over once the process has worked 10× the last collection's cost since (a lull between bursts does not shut out the one after the next burst)", () => {
    const { state, trimmer } = driven({ atStart: false });
    state.rss = 300 * MiB;
    trimmer.check(); // costs 100 ms of CPU; the time budget alone would wait until 10 400
    expect(trimmer.collections).toBe(1);
    state.rss = 400 * MiB;
    state.clock = 2_000;
    state.cpu += 999; // a burst: just under 10 × 100 ms of work
    trimmer.check();
    expect(trimmer.collections).toBe(1);
    state.cpu += 1;
    state.utilization = 0.5; // still under load: never
    trimmer.check();
    expect(trimmer.collections).toBe(1);
    state.utilization = 0;
    trimmer.check();
    expect(trimmer.collections).toBe(2);
    trimmer.stop();
  });

  it("by default runs V8's memory-reducing collection: garbage a plain idle process would keep is freed", () => {
    const garbage: unknown[][] = Array.from({ length: 64 }, (_, i) => Array.from({ length: 20_000 }, (_, j) => ({ i, j, s: `v${j}` })));
    const withGarbage = v8.getHeapStatistics().used_heap_size;
    const youngBefore = newSpaceSize();
    expect(garbage.length).toBe(64);
    garbage.length = 0; // all of it is garbage now
    const trimmer = startIdleMemoryTrimmer({ intervalMs: 3_600_000 });
    const after = v8.getHeapStatistics().used_heap_size;
    expect(trimmer.collections).toBe(1);
    // 64 × 20,000 small objects are well over 40 MB; all of it is gone after the one collection.
    expect(withGarbage - after).toBeGreaterThan(40 * MiB);
    // …and the young generation, which grew for the allocation, is shrunk (a plain gc() keeps it).
    expect(newSpaceSize()).toBeLessThan(youngBefore);
    trimmer.stop();
  });

  it('leaves no global gc() behind in new contexts', () => {
    startIdleMemoryTrimmer({ intervalMs: 3_600_000 }).stop();
    expect(vm.runInNewContext('typeof gc')).toBe('undefined');
  });
});
