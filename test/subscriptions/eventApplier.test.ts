import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { parseJob } from '../../src/datasources/batch/parse.ts';
import type { JobEvent } from '../../src/datasources/events/envelope.ts';
import { JobStates } from '../../src/datasources/state/jobStates.ts';
import { historySubscriber } from '../../src/history/subscriber.ts';
import type { PollLeases } from '../../src/cache/pollLeases.ts';
import { parseGlobalId, type JobKey } from '../../src/model/globalId.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { EventApplier } from '../../src/subscriptions/eventApplier.ts';
import type { WatchEvent } from '../../src/subscriptions/watchOptions.ts';
import { WatchRegistry } from '../../src/subscriptions/watchRegistry.ts';
import { batchDetail } from '../support/batchEvents.ts';
import { ManualScheduler } from '../support/scheduler.ts';

const config = loadConfig({ mode: 'live' }, {});
const JOB_ID = String(batchDetail().jobId);
const KEY = parseGlobalId(`batch:us-east-1:${JOB_ID}`);
const ATTEMPT = (batchDetail().attempts as unknown[])[0];

/** The fixture's job in `status` with `attempts` attempts (no times beyond its creation). */
function batchRecord(status: string, attempts = 0, patch: Record<string, unknown> = {}): JobRecord {
  return parseJob(
    KEY as never,
    batchDetail({
      status,
      attempts: Array.from({ length: attempts }, () => ATTEMPT),
      stoppedAt: undefined,
      ...patch,
    }),
    'detail',
  );
}

const eventOf = (record: JobRecord, time = 1000): JobEvent => ({
  provider: record.provider,
  place: { account: 'default', region: 'us-east-1' },
  meaning: { kind: 'record', record },
  time,
});

/** The store's offers, counted by origin. */
function countOffers(states: JobStates): Record<string, number> {
  const counts: Record<string, number> = {};
  const offer = states.offer.bind(states);
  states.offer = (record, observation) => {
    counts[observation.origin] = (counts[observation.origin] ?? 0) + 1;
    return offer(record, observation);
  };
  return counts;
}

/**
 * A registry whose describe answers `reads[0]` (the test sets it) for KEY, and a RUNNABLE record
 * of its own for any other job watched, counting the calls, and the applier over it.
 */
function setup(covered = { value: true }, bound: { size?: number } = {}) {
  const clock = new ManualScheduler(0);
  const reads: JobRecord[] = [batchRecord('RUNNABLE')];
  const calls: JobKey[] = [];
  const states = new JobStates({ now: () => clock.now(), ...bound });
  const offers = countOffers(states);
  const registry = new WatchRegistry({
    fetch: (key) => {
      calls.push(key);
      const jobId = (key as { jobId: string }).jobId;
      if (jobId !== JOB_ID)
        return Promise.resolve(
          parseJob(key as never, batchDetail({ status: 'RUNNABLE', jobId }), 'detail'),
        );
      return Promise.resolve(reads[0]!);
    },
    pollMs: 1000,
    maxPollMs: 4000,
    breakerPauseMs: 10_000,
    scheduler: clock,
    random: () => 0.5,
    events: {
      covered: () => covered.value,
      reconcileMs: 300_000,
    },
    states,
  });
  const kept: JobRecord[] = [];
  const applier = new EventApplier(config, registry, undefined, states);
  // What the history writes of the events applied: only those of a run a read has shown.
  states.subscribe(
    historySubscriber(
      {
        record: (change) => void (change.source === 'EVENT' && kept.push(change.record)),
        seen: () => undefined,
      },
      () => 'default',
    ),
  );
  const seen: WatchEvent[] = [];
  registry.watch(KEY, (e) => seen.push(e));
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const statuses = () =>
    seen.map((e) =>
      e.kind === 'record' ? e.record.providerStatus : e.kind === 'error' ? e.error.message : e.kind,
    );
  return {
    clock,
    reads,
    calls,
    registry,
    applier,
    seen,
    statuses,
    settle,
    covered,
    kept,
    offers,
    states,
  };
}

describe('Job events applied to the watchers', () => {
  it('moves a watched Batch job by its event with no describe call', async () => {
    const t = setup();
    await t.settle();
    expect(t.calls).toHaveLength(1); // the watch's first read
    expect(await t.applier.apply(eventOf(batchRecord('RUNNING')))).toBe('applied');
    expect(t.statuses()).toEqual(['RUNNABLE', 'RUNNING']);
    expect(t.calls).toHaveLength(1);
  });

  it('drops a duplicate and counts it', async () => {
    const t = setup();
    await t.settle();
    expect(await t.applier.apply(eventOf(batchRecord('RUNNING')))).toBe('applied');
    expect(await t.applier.apply(eventOf(batchRecord('RUNNING')))).toBe('duplicate');
    expect(t.statuses()).toEqual(['RUNNABLE', 'RUNNING']);
  });

  it('never moves a job backwards: a lower status, fewer attempts, or an older time is stale', async () => {
    const t = setup();
    await t.settle();
    expect(await t.applier.apply(eventOf(batchRecord('RUNNING', 0), 2000))).toBe('applied');
    expect(await t.applier.apply(eventOf(batchRecord('STARTING', 0), 3000))).toBe('stale');
    expect(await t.applier.apply(eventOf(batchRecord('PENDING', 0), 1000))).toBe('stale');
    // A retry goes back to RUNNABLE with one attempt more: newer, not older.
    expect(await t.applier.apply(eventOf(batchRecord('RUNNABLE', 1), 4000))).toBe('applied');
    expect(await t.applier.apply(eventOf(batchRecord('RUNNING', 0), 5000))).toBe('stale');
    // The same status and attempts with another reason: the older time loses.
    const older = batchRecord('RUNNABLE', 1, { statusReason: 'older reason' });
    expect(await t.applier.apply(eventOf(older, 3500))).toBe('stale');
    expect(t.statuses()).toEqual(['RUNNABLE', 'RUNNING', 'RUNNABLE']);
  });

  it('takes a record of another run of the job (another creation) as news, whatever its order', async () => {
    const t = setup();
    await t.settle();
    expect(await t.applier.apply(eventOf(batchRecord('RUNNING', 2)))).toBe('applied');
    const again = batchRecord('RUNNABLE', 0, {
      createdAt: (batchDetail().createdAt as number) + 60_000,
    });
    expect(await t.applier.apply(eventOf(again, 2000))).toBe('applied');
  });

  it('lets no event from the future hide what follows it: a later event, or a later read, of the real run wins', async () => {
    const t = setup();
    await t.settle();
    const future = { createdAt: Date.parse('2099-01-01T00:00:00Z') };
    expect(await t.applier.apply(eventOf(batchRecord('RUNNING', 5, future)))).toBe('applied');
    // The next read (the reconciliation) shows the real run: it replaces the event's.
    t.clock.fireNext();
    await t.settle();
    expect(await t.applier.apply(eventOf(batchRecord('RUNNING', 5, future), 3000))).toBe('applied');
    expect(await t.applier.apply(eventOf(batchRecord('FAILED', 1), 4000))).toBe('applied');
    expect(t.statuses()).toEqual(['RUNNABLE', 'RUNNING', 'RUNNABLE', 'RUNNING', 'FAILED']);
  });

  it('writes an event to the history only when a read has shown the job in that run', async () => {
    const t = setup();
    await t.settle();
    // Never read: a made-up job, and the watched job in a run no read showed.
    const madeUp = parseJob(
      parseGlobalId('batch:us-east-1:00000000-0000-4000-8000-000000000099') as never,
      batchDetail({ jobId: '00000000-0000-4000-8000-000000000099' }),
      'detail',
    );
    expect(await t.applier.apply(eventOf(madeUp))).toBe('applied');
    const otherRun = parseJob(
      KEY as never,
      batchDetail({ createdAt: 4_102_444_800_000 }),
      'detail',
    );
    expect(await t.applier.apply(eventOf(otherRun))).toBe('applied');
    expect(t.kept).toEqual([]);
    // A run only events showed, told to the watcher first: what the watcher was told is no read.
    const t1 = setup();
    await t1.settle();
    const forged = { createdAt: 4_102_444_800_000 };
    expect(await t1.applier.apply(eventOf(batchRecord('RUNNING', 0, forged)))).toBe('applied');
    const forgedEnd = parseJob(KEY as never, batchDetail(forged), 'detail');
    expect(await t1.applier.apply(eventOf(forgedEnd, 2000))).toBe('applied');
    expect(t1.kept).toEqual([]);
    // The watched job's run, read when its watch started.
    const t2 = setup();
    await t2.settle();
    const done = parseJob(KEY as never, batchDetail(), 'detail');
    expect(await t2.applier.apply(eventOf(done))).toBe('applied');
    expect(t2.kept).toEqual([done]);
  });

  it('takes a read that raced an applied event (sent before it arrived) as no change', async () => {
    const t = setup();
    await t.settle();
    let answer: (r: JobRecord) => void = () => undefined;
    t.registry.options.fetch = (key) => {
      t.calls.push(key);
      return new Promise((resolve) => (answer = resolve));
    };
    t.clock.fireNext();
    await t.settle();
    // The event arrives while the read is out; the read answers the job as it was before it.
    t.clock.advance(1);
    await t.applier.apply(eventOf(batchRecord('RUNNING')));
    answer(batchRecord('RUNNABLE'));
    await t.settle();
    expect(t.calls).toHaveLength(2);
    expect(t.statuses()).toEqual(['RUNNABLE', 'RUNNING']);
  });

  it('lets the next read correct a wrong event: the provider is the source of truth', async () => {
    const t = setup();
    await t.settle();
    // An event says the job succeeded; the provider still says it runs.
    t.reads[0] = batchRecord('RUNNING', 1);
    const wrong = batchRecord('SUCCEEDED', 1, { stoppedAt: undefined });
    expect(await t.applier.apply(eventOf(batchRecord('RUNNABLE', 1)))).toBe('applied');
    expect(await t.applier.apply(eventOf({ ...wrong, terminal: false }))).toBe('applied');
    t.clock.advance(1);
    t.clock.fireNext();
    await t.settle();
    expect(t.statuses()).toEqual(['RUNNABLE', 'SUCCEEDED', 'RUNNING']);
  });

  // The store's bound made small (STATES_SIZE is 50,000): the same point as 60,000 events against
  // the default, in a thousandth of the time (it took 100 s alone on a busy two-core machine).
  it("keeps a watched job in order after other jobs' events overflow the store many times: a late duplicate does not move it backwards", async () => {
    const size = 50;
    const t = setup({ value: true }, { size });
    await t.settle();
    expect(await t.applier.apply(eventOf(batchRecord('RUNNING'), 2000))).toBe('applied');
    for (let n = 0; n < size * 6; n++) {
      const jobId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      const key = parseGlobalId(`batch:us-east-1:${jobId}`);
      const other = parseJob(key as never, batchDetail({ jobId, stoppedAt: undefined }), 'detail');
      await t.applier.apply(eventOf({ ...other, terminal: false }, 1000));
    }
    // The others were let go at the bound; the watched job was kept.
    expect(t.states.fill().entries).toBe(size);
    // The older state's event, delivered again late.
    expect(await t.applier.apply(eventOf(batchRecord('RUNNABLE'), 1000))).toBe('stale');
    expect(t.statuses()).toEqual(['RUNNABLE', 'RUNNING']);
  });

  it('offers an applied event to the job-state store once, and nothing else does', async () => {
    const t = setup();
    await t.settle();
    const before = { ...t.offers };
    expect(await t.applier.apply(eventOf(batchRecord('RUNNING')))).toBe('applied');
    expect(t.statuses()).toEqual(['RUNNABLE', 'RUNNING']);
    const after = t.offers;
    const total = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    expect(total(after) - total(before)).toBe(1);
    expect((after.event ?? 0) - (before.event ?? 0)).toBe(1);
  });

  it('re-reads a job live by events only every reconcile interval, and polls again at once when its source goes down', async () => {
    const t = setup();
    await t.settle();
    expect(t.clock.pending()).toEqual([300_000]);
    t.covered.value = false;
    t.registry.coverageChanged();
    expect(t.clock.pending()).toEqual([1000]);
  });

  it("puts a few jobs' reconciliation reads on whole fifths of the reconciliation (a minute at 300 s), so that the reads due within one share a batch describe", async () => {
    const t = setup();
    await t.settle();
    for (const [at, id] of [
      [400, '13811212-a506-4866-8965-eafb175c2134'],
      [9_000, '23811212-a506-4866-8965-eafb175c2134'],
    ] as const) {
      t.clock.advance(at - t.clock.now());
      t.registry.watch(parseGlobalId(`batch:us-east-1:${id}`), () => undefined);
      await t.settle();
    }
    // Due 300 s after their first reads (at 0, 0.4 and 9 s), each rounded up to a whole minute
    // (a fifth of the reconciliation): the two read within one minute are re-read together.
    expect(t.clock.pending().map((wait) => wait + 9_000)).toEqual([300_000, 360_000, 360_000]);
  });

  it('polls as before when no event source covers the job', async () => {
    const t = setup({ value: false });
    await t.settle();
    expect(t.clock.pending()).toEqual([1000]);
  });

  it('ends the watch when one read, on the next whole max poll interval, confirms the finish an event told', async () => {
    const t = setup();
    await t.settle();
    const done = parseJob(KEY as never, batchDetail(), 'detail');
    t.reads[0] = done;
    expect(await t.applier.apply(eventOf(done))).toBe('applied');
    expect(t.statuses()).toEqual(['RUNNABLE', 'SUCCEEDED']);
    expect(t.seen[1]).toMatchObject({ kind: 'record', unconfirmed: true });
    // Live by events: the confirming read is due at the next whole JOBGRAPH_WATCH_MAX_POLL_MS (4 s
    // here) at least a poll interval away, where every finish of those seconds is confirmed.
    expect(t.clock.pending()).toEqual([4000]);
    t.clock.fireNext();
    await t.settle();
    expect(t.calls).toHaveLength(2);
    expect(t.statuses()).toEqual(['RUNNABLE', 'SUCCEEDED', 'confirmed']);
    expect(t.registry.size()).toBe(0);
  });

  it('goes on watching when the read after a finish an event told says the job still runs', async () => {
    const t = setup();
    await t.settle();
    t.reads[0] = batchRecord('RUNNING', 0);
    const wrong = parseJob(KEY as never, batchDetail(), 'detail');
    expect(wrong.terminal).toBe(true);
    expect(await t.applier.apply(eventOf(wrong))).toBe('applied');
    t.clock.fireNext();
    await t.settle();
    expect(t.calls).toHaveLength(2);
    expect(t.statuses()).toEqual(['RUNNABLE', 'SUCCEEDED', 'RUNNING']);
    expect(t.applier.states.missed.get('AWS_BATCH')).toBe(1);
    expect(t.applier.states.get(wrong.id)?.header.providerStatus).toBe('RUNNING');
    // Corrected: back to reconciliation reads, one confirming read spent (read at 4 s: due at
    // 304 s, on the whole minute after).
    expect(t.registry.size()).toBe(1);
    expect(t.clock.pending()).toEqual([356_000]);
  });

  it('makes hints one read of the watched job: at most one in flight and one a poll interval, however many come', async () => {
    const t = setup();
    await t.settle();
    t.reads[0] = batchRecord('RUNNING');
    const hint: JobEvent = {
      provider: 'AWS_BATCH',
      place: { account: 'default', region: 'us-east-1' },
      meaning: { kind: 'hint', key: KEY as never },
      time: 1,
    };
    // Within a poll interval of the watch's first read: one read at the interval's end.
    for (let i = 0; i < 100; i++) expect(await t.applier.apply(hint)).toBe('hint');
    await t.settle();
    expect(t.calls).toHaveLength(1);
    expect(t.clock.pending()).toEqual([1000]);
    t.clock.fireNext();
    await t.settle();
    expect(t.calls).toHaveLength(2);
    expect(t.statuses()).toEqual(['RUNNABLE', 'RUNNING']);
    // A poll interval later, a hint is read at once.
    t.clock.advance(1000);
    await t.applier.apply(hint);
    expect(t.calls).toHaveLength(3);
  });

  it('owes one read after the read in flight to the hints that came during it', async () => {
    const t = setup();
    let answer: (r: JobRecord) => void = () => undefined;
    t.registry.options.fetch = (key) => {
      t.calls.push(key);
      return new Promise((resolve) => (answer = resolve));
    };
    const hint: JobEvent = {
      provider: 'AWS_BATCH',
      place: { account: 'default', region: 'us-east-1' },
      meaning: { kind: 'hint', key: KEY as never },
      time: 1,
    };
    t.clock.advance(5000);
    t.registry.get(`batch:us-east-1:${JOB_ID}`)?.hint();
    await t.settle();
    answer(batchRecord('RUNNABLE'));
    await t.settle();
    // A hint read is in flight: the hints during it owe one read, a poll interval after it started.
    const calls = t.calls.length;
    t.clock.advance(5000);
    await t.applier.apply(hint);
    for (let i = 0; i < 100; i++) await t.applier.apply(hint);
    expect(t.calls).toHaveLength(calls + 1);
    answer(batchRecord('RUNNING'));
    await t.settle();
    expect(t.clock.pending()).toEqual([1000]);
    t.clock.fireNext();
    await t.settle();
    expect(t.calls).toHaveLength(calls + 2);
  });

  it('keeps a message whose announcement failed, and announces it again when it comes back as a duplicate', async () => {
    const up = { value: false };
    const announced: string[] = [];
    const leases = {
      announce: (id: string, news: { record: JobRecord } | 'hint') => {
        announced.push(news === 'hint' ? 'hint' : String(news.record.providerStatus));
        return Promise.resolve(up.value);
      },
    } as unknown as PollLeases;
    const states = new JobStates();
    const registry = new WatchRegistry({
      fetch: () => Promise.resolve(batchRecord('RUNNABLE')),
      pollMs: 1000,
      maxPollMs: 4000,
      breakerPauseMs: 10_000,
      scheduler: new ManualScheduler(0),
      states,
    });
    const applier = new EventApplier(config, registry, leases, states);
    const running = eventOf(batchRecord('RUNNING'));
    expect(await applier.apply(running)).toEqual({ outcome: 'applied', keep: true });
    // Back from the queue, Redis still away: a duplicate here, still owed to the other replicas.
    expect(await applier.apply(running)).toEqual({ outcome: 'duplicate', keep: true });
    up.value = true;
    expect(await applier.apply(running)).toBe('duplicate');
    // Announced once more: nothing is owed now, and a later copy is a plain duplicate.
    expect(await applier.apply(running)).toBe('duplicate');
    expect(announced).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
    // A hint for a job watched nowhere here goes to the replicas: kept while they cannot be told.
    const hint: JobEvent = { ...running, meaning: { kind: 'hint', key: KEY as never } };
    up.value = false;
    expect(await applier.apply(hint)).toEqual({ outcome: 'hint', keep: true });
    up.value = true;
    expect(await applier.apply(hint)).toBe('hint');
    registry.close();
  });
});
