import type { Observation, StoreMessage, Verdict } from '../datasources/state/jobStates.ts';
import type { JobRecord } from '../model/job.ts';
import type { WatchEvent, WatchListener } from './watchOptions.ts';
import { changeSignature, watchSettled } from './watchChange.ts';

/** The job-state store's messages that tell a watched job's record. */
export type RecordMessage = Extract<StoreMessage, { kind: 'change' | 'unchanged' }>;

/**
 * What a watch made of a store message, for its read schedule: `first` (its first record, told),
 * `news` (told: the wait goes back to the poll interval), `same` (a sight without a change: the wait grows), `fetch` (another replica's
 * record without the secrets a subscriber may read: the job is to be read here), `none` (nothing
 * for the watch: a listed row, or a stripped record it already has).
 */
export type Heard = 'first' | 'news' | 'same' | 'fetch' | 'none';

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
 * and makes no call: it hears the job-state store alone (`hear`, through WatchRegistry's one
 * subscription) — every applied observation of the job (`change`) and every read of it that is no
 * news (`unchanged`) — and tells its subscribers the changes.
 */
export class JobWatch {
  /**
   * Its subscribers and whether each may read the job's secrets: one (the common case) held as
   * itself, more in a Map made for them (a watched job of 100,000 holds no Map of its own).
   */
  #one: WatchListener | null = null;
  #oneSecrets = false;
  #more: Map<WatchListener, boolean> | null = null;
  #secretReaders = 0;
  /**
   * Subscribers that select a progress field its provider's events do not carry (`needsPolling`):
   * while there is one, the job is polled at the poll interval even when live by events. Made
   * when the first one joins.
   */
  #detailReaders: Set<WatchListener> | null = null;
  /** Subscribers that may read secrets and joined while `last` was stripped: they wait for this replica's own record. */
  #awaitingFull: Set<WatchListener> | null = null;
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
    return this.#detailReaders?.size ?? 0;
  }

  /** Whether a subscriber waits for a record of this replica's own (see `awaitingFull`). */
  get awaitingFull(): boolean {
    return (this.#awaitingFull?.size ?? 0) > 0;
  }

  /** How many subscribers it has. */
  get size(): number {
    return this.#more ? this.#more.size : this.#one ? 1 : 0;
  }

  /** Whether `record` shows other news than the last record told (by its change signature). */
  differs(record: JobRecord): boolean {
    return changeSignature(record) !== this.#signature;
  }

  /** A subscriber joins: it is told the last record at once, unless it must wait for a full one. */
  add(listener: WatchListener, secrets: boolean, detail: boolean): Joined {
    if (this.#more) this.#more.set(listener, secrets);
    else if (this.#one === null) [this.#one, this.#oneSecrets] = [listener, secrets];
    else {
      this.#more = new Map([[this.#one, this.#oneSecrets]]).set(listener, secrets);
      this.#one = null;
    }
    if (secrets) this.#secretReaders += 1;
    let firstDetail = false;
    if (detail) {
      this.#detailReaders ??= new Set();
      this.#detailReaders.add(listener);
      firstDetail = this.#detailReaders.size === 1;
    }
    if (!this.#last) return { firstDetail, ownRead: false };
    if (secrets && this.#stripped) {
      // Another replica's record lacks what this subscriber may read: the job is fetched here, for it.
      (this.#awaitingFull ??= new Set()).add(listener);
      return { firstDetail, ownRead: true };
    }
    listener(this.#recordEvent(this.#last));
    return { firstDetail, ownRead: false };
  }

  /** A subscriber leaves: false when it was not one. */
  remove(listener: WatchListener): boolean {
    const secrets = this.#secretsOf(listener);
    if (secrets === undefined) return false;
    if (this.#more) this.#more.delete(listener);
    else this.#one = null;
    this.#awaitingFull?.delete(listener);
    this.#detailReaders?.delete(listener);
    if (secrets) this.#secretReaders -= 1;
    return true;
  }

  /** Whether `listener` may read secrets; undefined when it is no subscriber. */
  #secretsOf(listener: WatchListener): boolean | undefined {
    if (this.#more) return this.#more.get(listener);
    return listener === this.#one ? this.#oneSecrets : undefined;
  }

  /**
   * A store message of the job: an event's record (`unconfirmed` when settled: no read has
   * confirmed it yet), a read's (a settled one confirms the last record), or a listed row (no
   * record: its read schedule reads the job). Another replica's record without its secrets
   * (`stripped`) waits for this replica's own read while a subscriber may read them.
   */
  hear(message: RecordMessage): Heard {
    const { record, observation } = message;
    if (observation.origin === 'list') return 'none';
    const stripped = observation.stripped === true;
    const verdict = message.kind === 'change' ? 'applied' : message.verdict;
    if (isEvent(observation)) {
      if (stripped && this.#secretReaders > 0) return this.differs(record) ? 'fetch' : 'none';
      return this.#take(record, stripped, verdict, watchSettled(record));
    }
    const heard = this.#take(record, stripped, verdict, false);
    // A read showing what the last record shows (an event's, another read's) is the last record
    // from now on: its read schedule's memo holds that one, so the job holds one record, not two.
    if (heard === 'same' && !stripped && verdict !== 'stale') this.#last = record;
    if (watchSettled(record)) this.#confirm();
    return heard;
  }

  /**
   * Take `record`, judged `verdict` by the store. News — its change signature differs from the
   * last record's, and it is not a read that raced an applied event (`stale`: older news, never
   * backwards); the first record always is — is told to every subscriber, `unconfirmed` while it
   * is an event's settled record. A full record after a stripped one with the same signature
   * replaces it, and goes to the subscribers that waited for it.
   */
  #take(record: JobRecord, stripped: boolean, verdict: Verdict, unconfirmed: boolean): Heard {
    const first = this.#last === null;
    // An unchanged answer is the last record again, the very object (shared/answerMemo.ts).
    const signature = record === this.#last ? this.#signature : changeSignature(record);
    if (signature !== this.#signature && (first || verdict !== 'stale')) {
      this.#last = record;
      this.#signature = signature;
      this.#stripped = stripped;
      this.#unconfirmed = unconfirmed;
      if (!stripped) this.#awaitingFull = null;
      this.#emit(this.#recordEvent(record));
      return first ? 'first' : 'news';
    }
    if (stripped || verdict === 'stale') return 'same';
    if (this.#stripped) {
      this.#last = record;
      this.#stripped = false;
    }
    // Nobody waits for a full record on almost every poll.
    const waiting = this.#awaitingFull;
    if (waiting === null) return 'same';
    this.#awaitingFull = null;
    for (const listener of waiting) listener(this.#recordEvent(record));
    return 'same';
  }

  /** A settled record was read (here, elsewhere in the process or by the holder): an event's settled record is confirmed. */
  #confirm(): void {
    if (!this.#unconfirmed) return;
    this.#unconfirmed = false;
    this.#emit({ kind: 'confirmed' });
  }

  /** The watch failed for good: each subscriber is told once. */
  fail(error: Error): void {
    this.#emit({ kind: 'error', error });
  }

  #emit(event: WatchEvent): void {
    if (this.#more) for (const listener of [...this.#more.keys()]) listener(event);
    else this.#one?.(event);
  }

  /** `record` told to a subscriber: unconfirmed while it is an event's settled record no read has confirmed. */
  #recordEvent(record: JobRecord): WatchEvent {
    return record === this.#last && this.#unconfirmed
      ? { kind: 'record', record, unconfirmed: true }
      : { kind: 'record', record };
  }
}

/** An event's observation (this process's, or another replica's with its `time`), not a read. */
function isEvent(observation: Observation): boolean {
  return (
    observation.origin === 'event' ||
    (observation.origin === 'peer' && observation.time !== undefined)
  );
}
