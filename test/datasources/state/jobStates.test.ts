import { describe, expect, it, vi } from 'vitest';
import { parseJob } from '../../../src/datasources/batch/parse.ts';
import { RecencyList } from '../../../src/cache/recencyList.ts';
import { JobStates, RefJoin, SEEN_EVERY_MS } from '../../../src/datasources/state/jobStates.ts';
import { parseGlobalId } from '../../../src/model/globalId.ts';
import type { JobRecord } from '../../../src/model/job.ts';
import type { ListedJob } from '../../../src/datasources/listing/types.ts';
import { batchDetail } from '../../support/batchEvents.ts';

/** A Batch job `n` of the fixture's shape in `status`. */
function record(n: number, status = 'RUNNING'): JobRecord {
  const jobId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const key = parseGlobalId(`batch:us-east-1:${jobId}`);
  return parseJob(key as never, batchDetail({ jobId, status, stoppedAt: undefined }), 'detail');
}

describe('JobStates bound', () => {
  it('forgets the least recently written job first, without walking a Map, whatever was deleted before it', () => {
    // A full ledger forgets one job on every new one; taking a Map's first key would walk every
    // entry deleted before it, so the order of writes is kept apart from the Map.
    const ledger = new JobStates({ size: 100 });
    const jobs = Array.from({ length: 1100 }, (_, n) => record(n));
    const walks = (['keys', 'values', 'entries', 'forEach', Symbol.iterator] as const).map((name) =>
      vi.spyOn(Map.prototype, name),
    );
    const held = (from: number, to: number) =>
      jobs.slice(from, to).flatMap((job, i) => (ledger.get(job.id) ? [from + i] : []));
    const write = (from: number, to: number) => {
      for (const job of jobs.slice(from, to)) ledger.offer(job, { origin: 'event', time: 1 });
    };
    try {
      write(0, 1000);
      // Job 950 written again (a newer state) becomes the newest: the next 50 push out 900–949.
      ledger.offer(record(950, 'SUCCEEDED'), { origin: 'event', time: 2 });
      write(1000, 1050);
      expect(held(0, 950)).toEqual([]);
      expect(held(950, 1050)).toHaveLength(100);
      // The next 49 push out 951–999, written before 950 was written again.
      write(1050, 1099);
      expect(held(950, 1000)).toEqual([950]);
      expect(ledger.get(jobs[950]!.id)).toMatchObject({
        time: 2,
        header: { providerStatus: 'SUCCEEDED' },
      });
      // Then 950, the oldest left.
      write(1099, 1100);
      expect(held(0, 1000)).toEqual([]);
      expect(held(1000, 1100)).toHaveLength(100);
      for (const walk of walks) expect(walk).not.toHaveBeenCalled();
    } finally {
      for (const walk of walks) walk.mockRestore();
    }
  });

  it('keeps a job written with an older order where it was, unchanged', () => {
    const ledger = new JobStates({ size: 2 });
    const [a, b, c] = [record(1, 'RUNNING'), record(2), record(3)];
    ledger.offer(a, { origin: 'event', time: 5 });
    ledger.offer(b, { origin: 'event', time: 1 });
    // An older state of `a` is not written: not newer in the order either.
    ledger.offer(record(1, 'SUBMITTED'), { origin: 'event', time: 6 });
    expect(ledger.get(a.id)).toMatchObject({ time: 5, header: { providerStatus: 'RUNNING' } });
    ledger.offer(c, { origin: 'event', time: 1 }); // forgets a, the least recently written
    expect([a, b, c].map((r) => ledger.get(r.id) !== undefined)).toEqual([false, true, true]);
  });
});

describe('JobStates byte bound', () => {
  it('forgets the least recently written jobs once their entries pass its bytes, whatever their count', () => {
    const maxBytes = 64 * 1024;
    const ledger = new JobStates({ size: 1000, maxBytes });
    // Each entry holds its status reason twice (the header's message and the listed reason), at
    // two bytes a character as estimated: about 8 KB each, so about eight fit.
    const long = (n: number) =>
      ({
        ...record(n),
        statusMessage: 'm'.repeat(1000),
        statusReason: 'r'.repeat(1000),
      }) as JobRecord;
    for (let n = 0; n < 40; n++) ledger.offer(long(n), { origin: 'event', time: 1 });
    const held = Array.from({ length: 40 }, (_, n) => n).filter((n) => ledger.get(record(n).id));
    expect(held.length).toBeGreaterThan(1);
    expect(held.length).toBeLessThan(40);
    expect(held).toEqual(Array.from({ length: held.length }, (_, i) => 40 - held.length + i));
    const fill = ledger.fill();
    expect(fill).toMatchObject({
      store: 'job_states',
      entries: held.length,
      maxEntries: 1000,
      maxBytes,
    });
    expect(fill.bytes).toBeLessThanOrEqual(maxBytes);
    // Short entries are counted as what they are: many more fit.
    for (let n = 100; n < 400; n++) ledger.offer(record(n), { origin: 'event', time: 1 });
    expect(ledger.fill().entries).toBeGreaterThan(held.length);
    expect(ledger.fill().bytes).toBeLessThanOrEqual(maxBytes);
  });

  it('counts a job written again at its new size, not twice', () => {
    const ledger = new JobStates();
    ledger.offer(record(1), { origin: 'event', time: 1 });
    const once = ledger.fill().bytes;
    for (let i = 0; i < 10; i++) ledger.offer(record(1), { origin: 'event', time: 1 });
    expect(ledger.fill()).toMatchObject({ entries: 1, bytes: once });
  });
});

describe('RefJoin (the CodePipeline join) bound', () => {
  it('forgets the ref learned longest ago first once its refs pass its bytes or its count', () => {
    const join = new RefJoin(1000, 16 * 1024);
    const id = (n: number) => `codepipeline:us-east-1:${String(n).padStart(36, '0')}`;
    const ref = (n: number) => `${String(n).padStart(8, '0')}${'r'.repeat(1000)}`;
    for (let n = 0; n < 20; n++) join.note(ref(n), id(n));
    const held = Array.from({ length: 20 }, (_, n) => n).filter((n) => join.get(ref(n)) === id(n));
    expect(held.length).toBeGreaterThan(1);
    expect(held.length).toBeLessThan(20);
    expect(held).toEqual(Array.from({ length: held.length }, (_, i) => 20 - held.length + i));
    expect(join.fill().bytes).toBeLessThanOrEqual(16 * 1024);
    // Learned again: the newest, counted once.
    join.note(ref(20 - held.length), id(1));
    expect(join.fill().entries).toBe(held.length);
    const counted = new RefJoin(3);
    for (let n = 0; n < 5; n++) counted.note(`ref-${n}`, id(n));
    expect([0, 1, 2, 3, 4].map((n) => counted.get(`ref-${n}`) !== undefined)).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
  });
});

describe('JobStates offers', () => {
  const job = (status: string, patch: Record<string, unknown> = {}): JobRecord =>
    parseJob(
      parseGlobalId(`batch:us-east-1:${String(batchDetail().jobId)}`) as never,
      batchDetail({ status, attempts: [], stoppedAt: undefined, ...patch }),
      'detail',
    );

  it('lets a read sent after an event replace it when the provider says otherwise, and counts the event missed', () => {
    const states = new JobStates();
    const told: string[] = [];
    states.subscribe((m) => {
      if (m.kind === 'change') told.push(`${m.observation.origin} ${m.record.providerStatus}`);
    });
    expect(states.offer(job('RUNNING'), { origin: 'read', at: 1 })).toBe('applied');
    // A wrong terminal event (or one whose job was retried since).
    expect(states.offer(job('SUCCEEDED'), { origin: 'event', at: 10, time: 10 })).toBe('applied');
    // A read sent before the event arrived answers an older state: it raced the event.
    expect(states.offer(job('RUNNING'), { origin: 'read', at: 9 })).toBe('stale');
    expect(states.missed.size).toBe(0);
    // A read sent after it: the provider is the source of truth.
    expect(states.offer(job('RUNNING'), { origin: 'read', at: 11 })).toBe('applied');
    expect(states.get(job('RUNNING').id)?.header.providerStatus).toBe('RUNNING');
    expect(states.missed.get('AWS_BATCH')).toBe(1);
    expect(told).toEqual(['read RUNNING', 'event SUCCEEDED', 'read RUNNING']);
    // A peer's read has no send time here: judged by order alone.
    states.offer(job('SUCCEEDED'), { origin: 'event', at: 20, time: 20 });
    expect(states.offer(job('RUNNING'), { origin: 'peer', at: 30 })).toBe('stale');
  });

  it('resolves two events of one order and time the same way whatever their arrival order, by event ID', () => {
    const a = job('RUNNING', { statusReason: 'a' });
    const b = job('RUNNING', { statusReason: 'b' });
    const verdicts = (first: JobRecord, firstId: string, second: JobRecord, secondId: string) => {
      const states = new JobStates();
      states.offer(first, { origin: 'event', time: 5, eventId: firstId });
      const v = states.offer(second, { origin: 'event', time: 5, eventId: secondId });
      return [v, states.get(a.id)?.header.statusMessage];
    };
    const one = verdicts(a, 'id-1', b, 'id-2');
    const other = verdicts(b, 'id-2', a, 'id-1');
    expect(one).toEqual(['applied', 'b']);
    expect(other).toEqual(['stale', 'b']);
  });

  it('never forgets a watched job, however many other jobs are written after it', () => {
    const states = new JobStates({ size: 100 });
    const watched = record(0, 'SUCCEEDED');
    states.pin(watched.id);
    states.offer(watched, { origin: 'event', time: 10 });
    for (let n = 1; n < 1000; n++) states.offer(record(n), { origin: 'event', time: 1 });
    expect(states.fill().entries).toBe(100);
    // A late duplicate of an older state does not move it backwards.
    expect(states.offer(record(0, 'RUNNING'), { origin: 'event', time: 1 })).toBe('stale');
    states.unpin(watched.id);
    for (let n = 1000; n < 1200; n++) states.offer(record(n), { origin: 'event', time: 1 });
    expect(states.get(watched.id)).toBeUndefined();
  });
});

describe('JobStates seen', () => {
  it('tells a read showing a job again unchanged at most once each SEEN_EVERY_MS, never an event or a peer', () => {
    let now = 1_000_000;
    const states = new JobStates({ now: () => now });
    const seen: [string, number][] = [];
    states.subscribe((m) => {
      if (m.kind === 'seen') seen.push([m.id, m.at]);
    });
    const job = record(7);
    expect(states.offer(job, { origin: 'read', at: now })).toBe('applied');
    now += SEEN_EVERY_MS - 1;
    expect(states.offer(job, { origin: 'read', at: now })).toBe('duplicate');
    expect(seen).toEqual([]); // read when it was written, not long enough ago
    now += 1;
    states.offer(job, { origin: 'list', at: now });
    states.offer(job, { origin: 'read', at: now + 1 });
    expect(seen).toEqual([[job.id, now]]);
    now += SEEN_EVERY_MS;
    // Another replica's word and an event are no read of this process's.
    states.offer(job, { origin: 'peer' });
    states.offer(job, { origin: 'event', time: 1, at: now });
    expect(seen).toHaveLength(1);
    states.offer(job, { origin: 'read', at: now });
    expect(seen).toEqual([
      [job.id, now - SEEN_EVERY_MS],
      [job.id, now],
    ]);
  });
});

describe('JobStates first confirmation', () => {
  it("tells the first read of a job events alone showed, when it is no news, once: not a peer's, not an applied read, not a later read", () => {
    const states = new JobStates();
    const told: [string, string, string][] = [];
    const applied: string[] = [];
    states.subscribe((m) => {
      if (m.kind === 'confirmed') told.push([m.record.id, m.verdict, m.observation.origin]);
      if (m.kind === 'change') applied.push(m.record.id);
    });
    const [a, b, c] = [record(1), record(2), record(3)];
    for (const job of [a, b, c]) states.offer(job, { origin: 'event', time: 1, at: 1 });
    applied.length = 0;
    // Another replica's word confirms nothing here.
    expect(states.offer(a, { origin: 'peer' })).toBe('duplicate');
    expect(told).toEqual([]);
    // This process's read of the state the event told: no news, the job's first confirmed sight.
    expect(states.offer(a, { origin: 'read', at: 2 })).toBe('duplicate');
    expect(states.offer(a, { origin: 'read', at: 3 })).toBe('duplicate');
    // A listed row confirms too; a read of news is told to the store's subscribers instead.
    expect(states.offer(b, { origin: 'list', at: 2 })).toBe('duplicate');
    expect(states.offer(record(3, 'SUCCEEDED'), { origin: 'read', at: 2 })).toBe('applied');
    expect(told).toEqual([
      [a.id, 'duplicate', 'read'],
      [b.id, 'duplicate', 'list'],
    ]);
    expect(applied).toEqual([c.id]);
    expect(states.get(a.id)?.confirmed).toBe(true);
  });
});

describe('JobStates unchanged reads', () => {
  it("tells a read of a watched job that is no news, with its record, a peer's included: not an unwatched job's, not a listed row, not an event", () => {
    const states = new JobStates();
    const told: [string, string, string, boolean][] = [];
    states.subscribe((m) => {
      if (m.kind === 'unchanged')
        told.push([m.record.id, m.verdict, m.observation.origin, m.record === watchedRead]);
    });
    const [watched, other] = [record(1), record(2)];
    const watchedRead = record(1);
    for (const job of [watched, other]) states.offer(job, { origin: 'read', at: 1 });
    states.pin(watched.id);
    expect(states.offer(record(2), { origin: 'read', at: 2 })).toBe('duplicate');
    expect(states.offer(watchedRead, { origin: 'read', at: 2 })).toBe('duplicate');
    expect(states.offer(watchedRead, { origin: 'peer', stripped: true })).toBe('duplicate');
    expect(
      states.offerListed({
        id: watched.id,
        provider: watched.provider,
        state: watched.state,
        summary: { providerStatus: watched.providerStatus },
      } as ListedJob),
    ).toBe('duplicate');
    expect(states.offer(watched, { origin: 'event', time: 1, at: 3 })).toBe('duplicate');
    expect(told).toEqual([
      [watched.id, 'duplicate', 'read', true],
      [watched.id, 'duplicate', 'peer', true],
    ]);
    // No longer watched: no longer told.
    states.unpin(watched.id);
    states.offer(watchedRead, { origin: 'read', at: 4 });
    expect(told).toHaveLength(2);
  });
});

describe('JobStates listed rows', () => {
  /** Job `n`'s listed row in `status`, its summary as a Batch ListJobs row carries it. */
  const row = (n: number, status: string) => {
    const full = record(n, status);
    return {
      key: parseGlobalId(full.id),
      id: full.id,
      provider: full.provider,
      createdAt: full.createdAt,
      state: full.state,
      summary: {
        providerStatus: full.providerStatus,
        jobName: (full as { jobName?: string }).jobName,
      },
    } as ListedJob;
  };

  it('takes a row read after the events as the provider read it is: another state replaces the entry (an event missed), the same state is a duplicate', () => {
    let now = 1_000;
    const states = new JobStates({ now: () => now });
    const told: [string, string, string | undefined][] = [];
    states.subscribe((m) => {
      if (m.kind === 'change')
        told.push([m.observation.origin, m.record.state, m.previous?.origin]);
    });
    const full = record(3, 'RUNNING');
    expect(states.offer(full, { origin: 'event', time: 1, at: now })).toBe('applied');
    // A row of the same state, read later: nothing new, although it carries fewer fields.
    now += 1000;
    expect(states.offerListed(row(3, 'RUNNING'), now)).toBe('duplicate');
    // A row read after the event that says otherwise: the provider's word.
    expect(states.offerListed(row(3, 'SUCCEEDED'), now)).toBe('applied');
    expect(states.get(full.id)).toMatchObject({
      origin: 'list',
      header: { providerStatus: 'SUCCEEDED' },
    });
    expect(states.missed.get('AWS_BATCH')).toBe(1);
    // The whole record read next, in that state: news for the record, not a change of state.
    expect(states.offer(record(3, 'SUCCEEDED'), { origin: 'read', at: now })).toBe('applied');
    expect(told).toEqual([
      ['event', 'IN_PROGRESS', undefined],
      ['list', 'SUCCEEDED', 'event'],
      ['read', 'SUCCEEDED', 'list'],
    ]);
  });

  it('judges a row read before a newer event stale, a row without a provider status by its state, and offers no row without a state', () => {
    let now = 1_000;
    const states = new JobStates({ now: () => now });
    const readAt = now;
    now += 500;
    states.offer(record(4, 'SUCCEEDED'), { origin: 'event', time: 2, at: now });
    expect(states.offerListed(row(4, 'RUNNING'), readAt)).toBe('stale');
    expect(states.get(record(4).id)).toMatchObject({
      origin: 'event',
      header: { providerStatus: 'SUCCEEDED' },
    });
    // A row without a provider status (an Import/Export summary) in the state known: nothing new.
    states.offer(record(6, 'RUNNING'), { origin: 'read', at: now });
    expect(states.offerListed({ ...row(6, 'RUNNING'), summary: {} }, now)).toBe('duplicate');
    expect(states.offerListed({ ...row(5, 'RUNNING'), state: null })).toBeNull();
    expect(states.get(record(5).id)).toBeUndefined();
  });
});

describe('JobStates blocked queues', () => {
  it("tells a queue-blocked event's block after its change, whatever its record's verdict, and nothing for an event without one", () => {
    const store = new JobStates();
    const told: { kind: string; verdict?: string; queue?: string }[] = [];
    store.subscribe((m) =>
      told.push(
        m.kind === 'blocked'
          ? { kind: m.kind, verdict: m.verdict, queue: m.blocked.queue }
          : { kind: m.kind },
      ),
    );
    const job = record(1, 'RUNNABLE');
    const blocked = {
      queue: 'arn:aws:batch:us-east-1:123456789012:job-queue/spot',
      reason: 'CAPACITY:X',
    };
    store.offer(job, { origin: 'event', time: 5, blocked });
    // Published again: the record's state is known (a duplicate), the block is told again.
    store.offer(job, { origin: 'event', time: 5, blocked });
    // A state change event says nothing of a queue.
    store.offer(record(1, 'STARTING'), { origin: 'event', time: 6 });
    // An older blocked event: its record is stale, its block told with that verdict.
    store.offer(job, { origin: 'event', time: 4, blocked });
    expect(told).toEqual([
      { kind: 'change' },
      { kind: 'blocked', verdict: 'applied', queue: blocked.queue },
      { kind: 'blocked', verdict: 'duplicate', queue: blocked.queue },
      { kind: 'change' },
      { kind: 'blocked', verdict: 'stale', queue: blocked.queue },
    ]);
  });
});

describe('JobStates subscribers', () => {
  it("keeps a subscriber's failure its own: the offer stands, the others are told, each failing subscriber reported once and every failure counted", () => {
    const reported: unknown[] = [];
    const states = new JobStates({ onSubscriberFailure: (err) => reported.push(err) });
    const told: string[] = [];
    states.subscribe(() => {
      throw new Error('a broken watcher');
    });
    states.subscribe((m) => {
      if (m.kind === 'change') told.push(m.record.providerStatus ?? '');
    });
    expect(states.offer(record(1, 'RUNNING'), { origin: 'read', at: 1 })).toBe('applied');
    expect(states.offer(record(1, 'SUCCEEDED'), { origin: 'read', at: 2 })).toBe('applied');
    expect(told).toEqual(['RUNNING', 'SUCCEEDED']);
    expect(states.get(record(1).id)?.header.providerStatus).toBe('SUCCEEDED');
    expect(reported).toHaveLength(1);
    expect(states.subscriberFailures).toBe(2);
  });

  it('learns every record offered on the way in, before any subscriber is told', () => {
    const order: string[] = [];
    const states = new JobStates({ learn: (r) => order.push(`learn ${r.providerStatus}`) });
    states.subscribe((m) => {
      if (m.kind === 'change') order.push(`told ${m.record.providerStatus}`);
    });
    states.offer(record(2, 'RUNNING'), { origin: 'read', at: 1 });
    // A duplicate is learned too: a record's secrets may change while its state does not.
    states.offer(record(2, 'RUNNING'), { origin: 'event', time: 1, at: 2 });
    expect(order).toEqual(['learn RUNNING', 'told RUNNING', 'learn RUNNING']);
  });
});

describe('JobStates with more jobs watched than its bound', () => {
  it('makes no pass over the watched entries at a write: the write of a watched job takes none, and keeps every watched job', () => {
    const store = new JobStates({ size: 10 });
    const watched = Array.from({ length: 2000 }, (_, n) => record(n));
    for (const job of watched) store.pin(job.id);
    for (const job of watched) store.offer(job, { origin: 'read', at: 1 });
    const passes = vi.spyOn(RecencyList.prototype, 'shift');
    try {
      // An event of a watched job: a write over the bound, with nothing the store may forget.
      store.offer(record(7, 'SUCCEEDED'), { origin: 'event', time: 2 });
      expect(passes).toHaveBeenCalledTimes(0);
      // An unwatched job's write passes over as many entries as are not watched, not 2,000.
      store.offer(record(5000), { origin: 'read', at: 3 });
      expect(passes.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      passes.mockRestore();
    }
    expect(watched.every((job) => store.get(job.id) !== undefined)).toBe(true);
    expect(store.get(watched[7]!.id)?.header.providerStatus).toBe('SUCCEEDED');
  });
});
