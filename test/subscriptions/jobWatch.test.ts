import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/model/job.ts';
import { JobWatch } from '../../src/subscriptions/jobWatch.ts';
import type { WatchEvent } from '../../src/subscriptions/pollerOptions.ts';
import { queuedImportExportRecord } from '../support/records.ts';

// A watched job's view (jobWatch.ts): what its subscribers are told of the records its read
// schedule hands it with the job-state store's verdict. No timer, no call.

const record = (patch: Partial<JobRecord> & Record<string, unknown> = {}) =>
  queuedImportExportRecord('VIEW1', patch);

/** A subscriber that keeps what it is told. */
function subscriber() {
  const told: WatchEvent[] = [];
  return { told, listener: (e: WatchEvent) => void told.push(e) };
}

/** Hand `r` to the watch as its read schedule does: judged news first, then taken. */
function hand(
  watch: JobWatch,
  r: JobRecord,
  verdict: 'applied' | 'duplicate' | 'stale',
  stripped = false,
  unconfirmed = false,
) {
  const news = watch.news(r, verdict);
  watch.take(r, stripped, news, verdict, unconfirmed);
  return news;
}

describe('A job watch', () => {
  it('tells each change once, never a read that raced an applied event, and the first record whatever its verdict', () => {
    const watch = new JobWatch();
    const a = subscriber();
    watch.add(a.listener, false, false);
    expect(hand(watch, record(), 'stale')).toBe(true);
    const running = record({ state: 'IN_PROGRESS', providerStatus: 'InProgress' });
    expect(hand(watch, running, 'applied')).toBe(true);
    // Older news than the store knows (a read sent before the event arrived): no change.
    expect(hand(watch, record(), 'stale')).toBe(false);
    // The same state again: no change.
    expect(
      hand(watch, record({ state: 'IN_PROGRESS', providerStatus: 'InProgress' }), 'duplicate'),
    ).toBe(false);
    expect(a.told.map((e) => (e.kind === 'record' ? e.record.state : e.kind))).toEqual([
      'QUEUED',
      'IN_PROGRESS',
    ]);
    expect(watch.last).toBe(running);
  });

  it("holds a secret reader back from another replica's stripped record until a full one comes, which only it is told", () => {
    const watch = new JobWatch();
    const reader = subscriber();
    const other = subscriber();
    watch.add(other.listener, false, false);
    const stripped = record();
    hand(watch, stripped, 'applied', true);
    expect(watch.stripped).toBe(true);
    // It joins after the stripped record: not told it, and the schedule is asked for a read here.
    expect(watch.add(reader.listener, true, false)).toEqual({ firstDetail: false, ownRead: true });
    expect(reader.told).toEqual([]);
    expect(watch.awaitingFull).toBe(true);
    const full = record();
    // The same state, read here with its secret values: no change, but the waiting reader's record.
    expect(hand(watch, full, 'duplicate')).toBe(false);
    expect(reader.told).toEqual([{ kind: 'record', record: full }]);
    expect(other.told).toEqual([{ kind: 'record', record: stripped }]);
    expect(watch.stripped).toBe(false);
    expect(watch.last).toBe(full);
    expect(watch.awaitingFull).toBe(false);
  });

  it("tells an event's settled record unconfirmed, and its confirmation once", () => {
    const watch = new JobWatch();
    const a = subscriber();
    watch.add(a.listener, false, true);
    const done = record({ state: 'SUCCEEDED', providerStatus: 'Completed', terminal: true });
    hand(watch, done, 'applied', false, true);
    expect(watch.unconfirmed).toBe(true);
    // A late subscriber is told it unconfirmed too.
    const late = subscriber();
    expect(watch.add(late.listener, false, false)).toEqual({ firstDetail: false, ownRead: false });
    expect(late.told).toEqual([{ kind: 'record', record: done, unconfirmed: true }]);
    watch.confirm();
    watch.confirm();
    expect(a.told).toEqual([
      { kind: 'record', record: done, unconfirmed: true },
      { kind: 'confirmed' },
    ]);
    expect(watch.unconfirmed).toBe(false);
  });

  it('counts its secret readers and detail readers as they come and go, and tells a failure to those left', () => {
    const watch = new JobWatch();
    const a = subscriber();
    const b = subscriber();
    expect(watch.add(a.listener, true, true).firstDetail).toBe(true);
    expect(watch.add(b.listener, true, true).firstDetail).toBe(false);
    expect([watch.size, watch.secretReaders, watch.detailReaders]).toEqual([2, 2, 2]);
    expect(watch.remove(a.listener)).toBe(true);
    expect(watch.remove(a.listener)).toBe(false);
    expect([watch.size, watch.secretReaders, watch.detailReaders]).toEqual([1, 1, 1]);
    const error = new Error('gone');
    watch.fail(error);
    expect(a.told).toEqual([]);
    expect(b.told).toEqual([{ kind: 'error', error }]);
  });
});
