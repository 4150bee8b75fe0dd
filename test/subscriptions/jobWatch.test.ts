import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/datasources/state/jobStates.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { JobWatch, type Heard, type RecordMessage } from '../../src/subscriptions/jobWatch.ts';
import type { WatchEvent } from '../../src/subscriptions/watchOptions.ts';
import { queuedImportExportRecord } from '../support/records.ts';

// A watched job's view (jobWatch.ts): what its subscribers are told of the job-state store's
// messages of the job, the only thing it hears. No timer, no call.

const record = (patch: Partial<JobRecord> & Record<string, unknown> = {}) =>
  queuedImportExportRecord('VIEW1', patch);

/** A subscriber that keeps what it is told. */
function subscriber() {
  const told: WatchEvent[] = [];
  return { told, listener: (e: WatchEvent) => void told.push(e) };
}

const READ: Observation = { origin: 'read', at: 0 };
const EVENT: Observation = { origin: 'event', at: 0, time: 1 };
/** Another replica's read shared without its secret values. */
const STRIPPED_PEER: Observation = { origin: 'peer', at: 0, stripped: true };

/** The store's message of `r` as the registry gives it to the watch: a change when applied, else unchanged. */
function hand(
  watch: JobWatch,
  r: JobRecord,
  verdict: 'applied' | 'duplicate' | 'stale',
  observation: Observation = READ,
): Heard {
  const message: RecordMessage =
    verdict === 'applied'
      ? // The watch reads no entry: the record and the observation are what it is told.
        { kind: 'change', record: r, entry: undefined!, previous: undefined, observation }
      : { kind: 'unchanged', record: r, verdict, observation };
  return watch.hear(message);
}

describe('A job watch', () => {
  it('tells each change once, never a read that raced an applied event, and the first record whatever its verdict', () => {
    const watch = new JobWatch();
    const a = subscriber();
    watch.add(a.listener, false, false);
    expect(hand(watch, record(), 'stale')).toBe('first');
    const running = record({ state: 'IN_PROGRESS', providerStatus: 'InProgress' });
    expect(hand(watch, running, 'applied')).toBe('news');
    // Older news than the store knows (a read sent before the event arrived): no change.
    expect(hand(watch, record(), 'stale')).toBe('same');
    // The same state again: no change, and that read's record is the last one from now on (its
    // schedule's memo holds it: one record a watched job, not two).
    const again = record({ state: 'IN_PROGRESS', providerStatus: 'InProgress' });
    expect(hand(watch, again, 'duplicate')).toBe('same');
    // A listed row is no record: nothing for the watch (its schedule reads the job).
    const listed: Observation = { origin: 'list', at: 0 };
    expect(hand(watch, record({ state: 'SUCCEEDED' }), 'applied', listed)).toBe('none');
    expect(a.told.map((e) => (e.kind === 'record' ? e.record.state : e.kind))).toEqual([
      'QUEUED',
      'IN_PROGRESS',
    ]);
    expect(watch.last).toBe(again);
  });

  it("holds a secret reader back from another replica's stripped record until a full one comes, which only it is told", () => {
    const watch = new JobWatch();
    const reader = subscriber();
    const other = subscriber();
    watch.add(other.listener, false, false);
    const stripped = record();
    hand(watch, stripped, 'applied', STRIPPED_PEER);
    expect(watch.stripped).toBe(true);
    // It joins after the stripped record: not told it, and the schedule is asked for a read here.
    expect(watch.add(reader.listener, true, false)).toEqual({ firstDetail: false, ownRead: true });
    expect(reader.told).toEqual([]);
    expect(watch.awaitingFull).toBe(true);
    const full = record();
    // The same state, read here with its secret values: no change, but the waiting reader's record.
    expect(hand(watch, full, 'duplicate')).toBe('same');
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
    expect(hand(watch, done, 'applied', EVENT)).toBe('first');
    expect(watch.unconfirmed).toBe(true);
    // A late subscriber is told it unconfirmed too.
    const late = subscriber();
    expect(watch.add(late.listener, false, false)).toEqual({ firstDetail: false, ownRead: false });
    expect(late.told).toEqual([{ kind: 'record', record: done, unconfirmed: true }]);
    // Two reads of it, by this schedule or elsewhere in the process, news or not: confirmed once.
    expect(hand(watch, done, 'duplicate')).toBe('same');
    expect(hand(watch, done, 'duplicate')).toBe('same');
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
