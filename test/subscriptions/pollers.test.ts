import { BrokenCircuitError } from 'cockatiel';
import { describe, expect, it, vi } from 'vitest';
import { UpstreamError } from '../../src/errors.ts';
import { parseGlobalId } from '../../src/model/globalId.ts';
import { JobStates } from '../../src/datasources/state/jobStates.ts';
import type { JobRecord } from '../../src/model/job.ts';
import type { WatchEvent } from '../../src/subscriptions/watchOptions.ts';
import { changeSignature } from '../../src/subscriptions/watchChange.ts';
import { BACKOFF_FACTOR } from '../../src/subscriptions/pollTiming.ts';
import { WatchRegistry } from '../../src/subscriptions/watchRegistry.ts';
import { queuedImportExportRecord } from '../support/records.ts';
import { ManualScheduler } from '../support/scheduler.ts';

const KEY = parseGlobalId('importexport:PNDG1');
const record = (patch: Partial<JobRecord> & Record<string, unknown> = {}) =>
  queuedImportExportRecord('PNDG1', patch);

/** A registry whose fetch answers from a script the test controls, one answer per poll. */
function setup(
  options: {
    pollMs?: number;
    maxPollMs?: number;
    breakerPauseMs?: number;
    random?: () => number;
  } = {},
) {
  const clock = new ManualScheduler(0);
  const answers: (JobRecord | Error)[] = [];
  let polls = 0;
  const waiters: (() => void)[] = [];
  const registry = new WatchRegistry({
    fetch: async () => {
      polls += 1;
      for (const w of waiters.splice(0)) w();
      const next = answers.length > 1 ? answers.shift()! : answers[0]!;
      if (next instanceof Error) throw next;
      return next;
    },
    pollMs: options.pollMs ?? 1000,
    maxPollMs: options.maxPollMs ?? 4000,
    breakerPauseMs: options.breakerPauseMs ?? 10_000,
    scheduler: clock,
    random: options.random ?? (() => 0.5), // no jitter
    states: new JobStates({ now: () => clock.now() }),
  });
  /** Fire the next poll and resolve once it has been answered and the one after planned (or the poller stopped). */
  const poll = async () => {
    clock.fireNext();
    await settle();
  };
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { clock, answers, registry, poll, settle, polls: () => polls };
}

describe('A job poller', () => {
  it('polls at once, backs off ×1.5 while nothing changes up to the max, and goes back to the start on a change', async () => {
    const t = setup();
    t.answers.push(record());
    const events: WatchEvent[] = [];
    t.registry.watch(KEY, (e) => events.push(e));
    await t.settle();
    expect(t.polls()).toBe(1);
    expect(events).toHaveLength(1);
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      waits.push(t.clock.pending()[0] as number);
      await t.poll();
    }
    expect(waits).toEqual([
      1000,
      1000 * BACKOFF_FACTOR,
      1000 * BACKOFF_FACTOR ** 2,
      1000 * BACKOFF_FACTOR ** 3,
      4000,
    ]);
    expect(events).toHaveLength(1);
    t.answers[0] = record({ locationCode: 'AtAWS' }); // progress changed, state did not
    await t.poll();
    expect(events).toHaveLength(2);
    expect(t.clock.pending()).toEqual([1000]);
  });

  it('compares state, providerStatus, statusMessage and the provider’s progress fields, nothing else', () => {
    const base = changeSignature(record());
    expect(changeSignature(record({ updatedAt: '2026-01-01T00:00:00.000Z' }))).toBe(base);
    expect(changeSignature(record({ statusMessage: 'other' }))).not.toBe(base);
    expect(changeSignature(record({ errorCount: 2 }))).not.toBe(base);
  });

  it('is the JSON of [state, providerStatus, statusMessage, ...progress fields], built as one array: no array mapped a poll', () => {
    const polled = record({ statusMessage: 'moved', errorCount: 3 });
    const map = vi.spyOn(Array.prototype, 'map');
    let signature: string;
    try {
      signature = changeSignature(polled);
      expect(map).not.toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
    }
    const r = polled as unknown as Record<string, unknown>;
    expect(signature).toBe(
      JSON.stringify([
        polled.state,
        polled.providerStatus,
        'moved',
        ...['locationCode', 'locationMessage', 'errorCount'].map((f) => r[f] ?? null),
      ]),
    );
  });

  it('adds at most ±10 % jitter to each wait', async () => {
    for (const [r, wait] of [
      [0, 900],
      [1, 1100],
    ] as const) {
      const t = setup({ random: () => r });
      t.answers.push(record());
      t.registry.watch(KEY, () => {});
      await t.settle();
      expect(t.clock.pending()).toEqual([wait]);
      t.registry.close();
    }
  });

  it('honours Retry-After when throttled and pauses while the circuit is open, without telling subscribers', async () => {
    const t = setup();
    const throttled = new UpstreamError({
      provider: 'AWS_IMPORT_EXPORT',
      code: 'UPSTREAM_THROTTLED',
      message: 'slow down',
      retryAfterSeconds: 7,
    });
    const open = new UpstreamError({
      provider: 'AWS_IMPORT_EXPORT',
      code: 'UPSTREAM_UNAVAILABLE',
      message: 'open',
      cause: new BrokenCircuitError(),
    });
    t.answers.push(throttled, open, record());
    const events: WatchEvent[] = [];
    t.registry.watch(KEY, (e) => events.push(e));
    await t.settle();
    expect(t.clock.pending()).toEqual([7000]);
    await t.poll();
    expect(t.clock.pending()).toEqual([10_000]);
    await t.poll();
    expect(events.map((e) => e.kind)).toEqual(['record']);
  });

  it('tells a failure once and stops; stops at terminal; stops when its last subscriber leaves', async () => {
    const failing = setup();
    failing.answers.push(
      new UpstreamError({
        provider: 'AWS_IMPORT_EXPORT',
        code: 'NOT_FOUND',
        message: 'no such job',
      }),
    );
    const seen: WatchEvent[] = [];
    failing.registry.watch(KEY, (e) => seen.push(e));
    await failing.settle();
    expect(seen.map((e) => e.kind)).toEqual(['error']);
    expect(failing.registry.size()).toBe(0);
    expect(failing.clock.pending()).toEqual([]);

    const finishing = setup();
    finishing.answers.push(record({ state: 'SUCCEEDED', terminal: true }));
    finishing.registry.watch(KEY, () => {});
    await finishing.settle();
    expect(finishing.registry.size()).toBe(0);
    expect(finishing.clock.pending()).toEqual([]);

    const shared = setup();
    shared.answers.push(record());
    const a: WatchEvent[] = [];
    const b: WatchEvent[] = [];
    const leaveA = shared.registry.watch(KEY, (e) => a.push(e));
    await shared.settle();
    const leaveB = shared.registry.watch(KEY, (e) => b.push(e));
    // A late subscriber gets the last record at once, the same object, without a poll.
    expect(b).toHaveLength(1);
    expect((b[0] as { record: JobRecord }).record).toBe((a[0] as { record: JobRecord }).record);
    expect(shared.polls()).toBe(1);
    leaveA();
    expect(shared.registry.size()).toBe(1);
    leaveB();
    expect(shared.registry.size()).toBe(0);
    expect(shared.clock.pending()).toEqual([]);
  });
});

describe('A job poller given its last record again', () => {
  it('hands the fetch its memo of the last answer, tells no record it got back unchanged, and leaves learning its secrets to the store', async () => {
    const clock = new ManualScheduler(0);
    const same = record();
    const answers: JobRecord[] = [same, same, record({ locationCode: 'AtAWS' })];
    const memos = new Set<unknown>();
    // What the store learned, and what the watcher had been told when it did.
    const learned: { record: JobRecord; told: number }[] = [];
    const events: WatchEvent[] = [];
    const states = new JobStates({
      now: () => clock.now(),
      learn: (r) => learned.push({ record: r, told: events.length }),
    });
    const registry = new WatchRegistry({
      fetch: async (_key, answer) => {
        memos.add(answer);
        return answers.length > 1 ? answers.shift()! : answers[0]!;
      },
      states,
      pollMs: 1000,
      maxPollMs: 4000,
      breakerPauseMs: 10_000,
      scheduler: clock,
      random: () => 0.5,
    });
    registry.watch(KEY, (e) => events.push(e));
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    await settle();
    clock.fireNext();
    await settle();
    // The second poll gave the same object back: no event, the wait grew; the store, the one
    // place records are learned, saw each read on its way in, before the watcher was told.
    expect(learned).toEqual([
      { record: same, told: 0 },
      { record: same, told: 1 },
    ]);
    expect(events).toHaveLength(1);
    expect(clock.pending()).toEqual([1000 * BACKOFF_FACTOR]);
    clock.fireNext();
    await settle();
    expect(learned).toHaveLength(3);
    expect(learned[2]!.told).toBe(1);
    expect(events).toHaveLength(2);
    // One memo per watched job, the same at every poll.
    expect(memos.size).toBe(1);
    registry.close();
  });
});
