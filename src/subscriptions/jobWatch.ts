import type { Verdict } from '../datasources/state/jobStates.ts';
import type { JobRecord } from '../model/job.ts';
import type { WatchEvent, WatchListener } from './pollerOptions.ts';
import { changeSignature } from './watchChange.ts';

/** What a subscriber joining asks of the job's read schedule. */
export interface Joined {
  /** It is the first subscriber selecting a field events do not carry: the waits are cut back. */
  firstDetail: boolean;
  /** It may read secrets and the last record told is another replica's without them: read the job here. */
  ownRead: boolean;
}

/**
 * A watched job as its subscribers see it: who they are (and whether each may read the job's
 * secrets, or selects a field its provider's events do not carry), the last record told them,
 * whether that record is another replica's without its secrets (`stripped`), and whether it is an
 * event's settled record no provider read has confirmed yet (`unconfirmed`). It holds no timer
 * and makes no call: the job's read schedule (jobReadSchedule.ts) hands it each record the
 * job-state store judged, with the store's verdict, and it tells its subscribers the changes.
 */
export class JobWatch {
  /** Each subscriber, and whether it may read the job's secrets. */
  readonly #listeners = new Map<WatchListener, boolean>();
  #secretReaders = 0;
  /**
   * Subscribers that select a progress field its provider's events do not carry (`needsPolling`):
   * while there is one, the job is polled at the poll interval even when live by events.
   */
  readonly #detailReaders = new Set<WatchListener>();
  /** Subscribers that may read secrets and joined while `last` was stripped: they wait for this replica's own record. */
  readonly #awaitingFull = new Set<WatchListener>();
  #last: JobRecord | null = null;
  #signature: string | null = null;
  #stripped = false;
  #unconfirmed = false;

  /** The last record told (null before the first). */
  get last(): JobRecord | null {
    return this.#last;
  }

  /** `last` is another replica's record with its secrets taken out. */
  get stripped(): boolean {
    return this.#stripped;
  }

  /** `last` is a settled record from an event that no provider read has confirmed yet. */
  get unconfirmed(): boolean {
    return this.#unconfirmed;
  }

  /** How many subscribers may read the job's secrets. */
  get secretReaders(): number {
    return this.#secretReaders;
  }

  /** How many subscribers select a field the job's events do not carry. */
  get detailReaders(): number {
    return this.#detailReaders.size;
  }

  /** Whether a subscriber waits for a record of this replica's own (see `awaitingFull`). */
  get awaitingFull(): boolean {
    return this.#awaitingFull.size > 0;
  }

  /** How many subscribers it has. */
  get size(): number {
    return this.#listeners.size;
  }

  /** Whether `record` shows other news than the last record told (by its change signature). */
  differs(record: JobRecord): boolean {
    return changeSignature(record) !== this.#signature;
  }

  /** A subscriber joins: it is told the last record at once, unless it must wait for a full one. */
  add(listener: WatchListener, secrets: boolean, detail: boolean): Joined {
    this.#listeners.set(listener, secrets);
    if (secrets) this.#secretReaders += 1;
    let firstDetail = false;
    if (detail) {
      this.#detailReaders.add(listener);
      firstDetail = this.#detailReaders.size === 1;
    }
    if (!this.#last) return { firstDetail, ownRead: false };
    if (secrets && this.#stripped) {
      // Another replica's record lacks what this subscriber may read: the job is fetched here, for it.
      this.#awaitingFull.add(listener);
      return { firstDetail, ownRead: true };
    }
    listener(this.#recordEvent(this.#last));
    return { firstDetail, ownRead: false };
  }

  /** A subscriber leaves: false when it was not one. */
  remove(listener: WatchListener): boolean {
    const secrets = this.#listeners.get(listener);
    if (secrets === undefined) return false;
    this.#listeners.delete(listener);
    this.#awaitingFull.delete(listener);
    this.#detailReaders.delete(listener);
    if (secrets) this.#secretReaders -= 1;
    return true;
  }

  /**
   * Whether `record`, judged `verdict` by the store, is a change to tell: its change signature
   * differs from the last record's, and it is not a read that raced an applied event (`stale`:
   * older news, never backwards). The first record is always one.
   */
  news(record: JobRecord, verdict: Verdict): boolean {
    const first = this.#last === null;
    const signature = record === this.#last ? this.#signature : changeSignature(record);
    return signature !== this.#signature && (first || verdict !== 'stale');
  }

  /**
   * Take `record` (`news`: as {@link news} said). News is told to every subscriber, `unconfirmed`
   * while it is an event's settled record. A full record after a stripped one with the same
   * signature replaces it, and goes to the subscribers that waited for it.
   */
  take(
    record: JobRecord,
    stripped: boolean,
    news: boolean,
    verdict: Verdict,
    unconfirmed: boolean,
  ): void {
    if (news) {
      this.#last = record;
      this.#signature = changeSignature(record);
      this.#stripped = stripped;
      this.#unconfirmed = unconfirmed;
      if (!stripped) this.#awaitingFull.clear();
      return this.#emit(this.#recordEvent(record));
    }
    if (stripped || (this.#last !== null && verdict === 'stale')) return;
    if (this.#stripped) {
      this.#last = record;
      this.#stripped = false;
    }
    // Nobody waits for a full record on almost every poll: no copy of the empty set is made then.
    if (this.#awaitingFull.size === 0) return;
    for (const listener of [...this.#awaitingFull]) listener(this.#recordEvent(record));
    this.#awaitingFull.clear();
  }

  /** A settled record was read (here or by the holder): an event's settled record is confirmed. */
  confirm(): void {
    if (!this.#unconfirmed) return;
    this.#unconfirmed = false;
    this.#emit({ kind: 'confirmed' });
  }

  /** The watch failed for good: each subscriber is told once. */
  fail(error: Error): void {
    this.#emit({ kind: 'error', error });
  }

  #emit(event: WatchEvent): void {
    for (const listener of [...this.#listeners.keys()]) listener(event);
  }

  /** `record` told to a subscriber: unconfirmed while it is an event's settled record no read has confirmed. */
  #recordEvent(record: JobRecord): WatchEvent {
    return record === this.#last && this.#unconfirmed
      ? { kind: 'record', record, unconfirmed: true }
      : { kind: 'record', record };
  }
}
