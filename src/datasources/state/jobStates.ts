import { approxBytes, type StoreFill } from '../../cache/approxBytes.ts';
import { RecencyList, type Linked } from '../../cache/recencyList.ts';
import type { JobRecord } from '../../model/job.ts';
import type { ListedJob } from '../listing/types.ts';
import type { JobProvider } from '../../model/job.ts';
import { kindOf, providerOf } from '../registry.ts';
import type { BlockedQueue } from '../shared/provider.ts';
import { RefJoin } from './refJoin.ts';
import { StringPool } from '../shared/stringPool.ts';

export { RefJoin };

/** What the store keeps of a job's latest record: no field a secret can be in. */
export interface JobState {
  /** `Provider.events.order` of the record ([] when its provider has none). */
  order: readonly number[];
  /** What a watcher compares (`changeSignature`). */
  signature: string;
  /** The `time` of the last event applied (epoch ms); null when only reads were seen. */
  time: number | null;
  /** The ID of the last event applied (its envelope's `id`; '' when it had none or only reads were seen). */
  eventId: string;
  /** When the last event applied arrived here (the store's clock); null when only reads were seen. */
  eventAt: number | null;
  /** What set the entry's state last. */
  origin: Origin;
  /** `ProviderEvents.run` of the record: which run of the job it is of (null: unknown). */
  run: string | null;
  /** A provider read has shown the job in this run (an event alone never makes it true). */
  confirmed: boolean;
  /** When this process's own read last showed the job (the store's clock); null: never read here. */
  seenAt: number | null;
  /** The record's `Job` header fields of state, for a listed row (`overlay`). */
  header: Pick<
    JobRecord,
    'state' | 'providerStatus' | 'statusMessage' | 'terminal' | 'completedAt' | 'updatedAt'
  >;
  /** What a listed row shows of it beyond the header (`ProviderEvents.listed`). */
  listed: Partial<JobRecord>;
}

/** Element by element; a shorter equal prefix is lower. */
function compareOrder(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** A record's order by its provider's events (`[]`: every record as new as the last). */
function orderOf(record: JobRecord): readonly number[] {
  return providerOf(record.provider).events?.order?.(record) ?? [];
}

/** A record's run by its provider's events (null: unknown, or its provider never runs a job twice). */
function runOf(record: JobRecord): string | null {
  return providerOf(record.provider).events?.run?.(record) ?? null;
}

/** Whether `record` and `entry` are of one run (an unknown run is any run): only then are they ordered. */
function sameRun(record: JobRecord, entry: JobState): boolean {
  const run = runOf(record);
  return run === null || entry.run === null || run === entry.run;
}

/**
 * Where an observation of a job comes from: a provider read (a describe answer, a watch's poll),
 * a listed row, an applied job event, or another replica's announcement of an event or a poll.
 */
type Origin = 'read' | 'list' | 'event' | 'peer';

export interface Observation {
  origin: Origin;
  /**
   * When it was made, on the store's clock (`now()`): for a read, when it was sent (a read sent
   * before an event arrived may answer an older state); for an event, when it arrived.
   */
  at?: number;
  /** An event's `time` (epoch ms), for an event or a peer's event. */
  time?: number;
  /** An event's ID (its envelope's `id`): the deterministic tie-break of two events of one order and time. */
  eventId?: string;
  /** A peer's record had its secret fields taken out (cache/pollLeases.ts `stripped`): judged alike, told on. */
  stripped?: boolean;
  /**
   * What a queue-blocked event says beside its record (AWS Batch's `Batch Job Queue Blocked`): the
   * queue the job blocks and why. Told as a `blocked` message.
   */
  blocked?: BlockedQueue;
}

export type Verdict = 'applied' | 'duplicate' | 'stale';

/**
 * What the store tells its subscribers, each message saying what it is:
 * - `change`: an applied observation — the record, the job's new entry, the one it replaced;
 * - `confirmed`: this process's read first shows a job that events alone had shown in its run,
 *   and is no news (`verdict`: the state the events told, or older) — the job's first confirmed
 *   sight, which no `change` tells (the history writes it then; it writes no unconfirmed event);
 * - `seen`: this process's provider read showed the job again without a change (`id`, when, on
 *   the store's clock), at most once each SEEN_EVERY_MS a job (the history's `lastConfirmedAt`);
 * - `unchanged`: a read of a watched job (`pin`) that is no news (`verdict`), with its record: the
 *   job's watchers take their first record, or the full one after a stripped one, from it. A
 *   listed row is no record and is never told so;
 * - `blocked`: an event said the job blocks its queue (`blocked`: the queue's ARN, the reason),
 *   whatever its record's `verdict` (told after its `change`, if any): the event's own word, which
 *   the notifier confirms by a read before anyone is notified, and a stale one tells the queues
 *   nothing.
 */
export type StoreMessage =
  | {
      kind: 'change';
      record: JobRecord;
      entry: JobState;
      previous: JobState | undefined;
      observation: Observation;
    }
  | {
      kind: 'confirmed';
      record: JobRecord;
      verdict: Exclude<Verdict, 'applied'>;
      observation: Observation;
    }
  | { kind: 'seen'; id: string; at: number }
  | {
      kind: 'blocked';
      record: JobRecord;
      blocked: BlockedQueue;
      verdict: Verdict;
      observation: Observation;
    }
  | {
      kind: 'unchanged';
      record: JobRecord;
      verdict: Exclude<Verdict, 'applied'>;
      observation: Observation;
    };

/** A subscriber of the store: told each message, in the order the store made them. */
export type StoreSubscriber = (message: StoreMessage) => void;

export interface JobStatesOptions {
  /** How many jobs it remembers at most (default STATES_SIZE). */
  size?: number;
  /** The most bytes of entries it holds (default STATES_BYTES). */
  maxBytes?: number;
  /** The CodePipeline join, learned from the records offered (default: a new one). */
  refs?: RefJoin;
  /** The store's one clock, ms: when reads are sent and events arrive (default Date.now). */
  now?: () => number;
  /**
   * Registers a record's secret values for scrubbing (auth/secretValues.ts `learnRecord`): called
   * for every record offered, on the way in, before any subscriber builds anything from it.
   */
  learn?: (record: JobRecord) => void;
  /**
   * A subscriber threw: its failure is its own (the offer and the other subscribers go on), counted
   * (`subscriberFailures`), and told here once per subscriber (`error`: what it threw first).
   */
  onSubscriberFailure?: (error: unknown) => void;
}

/** Change signatures: most watched jobs share a few (a state, a status, a reason). */
const SIGNATURES = new StringPool();

/** How often a job read again unchanged is told to the seen subscribers, at most. */
export const SEEN_EVERY_MS = 5 * 60_000;

/**
 * What two records of one job are compared by: a change here is a watcher's event. Beyond the
 * status, the provider's progress fields (`Provider.progress`).
 */
export function changeSignature(record: JobRecord): string {
  const r = record as unknown as Record<string, unknown>;
  const fields = kindOf(record).progress.fields;
  // One array filled in place, not a mapped one spread into another: every poll and listed row
  // of a watched job is signed, so this runs for each of them.
  const parts: unknown[] = new Array(3 + fields.length);
  parts[0] = record.state;
  parts[1] = record.providerStatus;
  parts[2] = record.statusMessage;
  for (let i = 0; i < fields.length; i++) parts[3 + i] = r[fields[i] as string] ?? null;
  // Held by the store's entry and the watch of each watched job: one copy of each (SIGNATURES).
  return SIGNATURES.intern(JSON.stringify(parts));
}

/** A job's entry in the store's order of writes (oldest first). */
interface Written extends Linked<Written> {
  readonly id: string;
  entry: JobState;
  /** approxBytes of its ID and entry, and of its own links and map slot. */
  bytes: number;
}

/** How many jobs the store remembers at most (oldest first out): about 200 bytes each. */
const STATES_SIZE = 50_000;

/**
 * The most bytes of entries the store holds (approxBytes), whatever their count: an entry's
 * state fields come from events, and a status reason is long enough that a count alone would let
 * a queue of long ones take the heap.
 */
const STATES_BYTES = 16 * 1024 * 1024;

/** A map slot, a list node and its links: what a remembered key costs beyond its strings. */
const SLOT_BYTES = 64;

/**
 * The one owner of what the process knows of each job's state (docs/architecture.md, "One owner
 * of a job's state"). Every observation — a read, a listed row, an applied event, another
 * replica's announcement — is `offer`ed here; the store alone orders it against the job's entry,
 * keeps it when it is news and tells its subscribers. The provider is the source of truth: an
 * event says sooner what a read would say, so a read sent after the last event arrived replaces
 * the entry whenever it differs (counted as an event missed when it corrects an event), and only a
 * read that raced an event (sent before it arrived, lower in order) is stale. Events are ordered
 * by what the provider stamps (`ProviderEvents.order` within a run), then by (time, event ID,
 * signature), the same on every replica. Bounded by count (STATES_SIZE) and bytes (STATES_BYTES),
 * least recently written first out, except the jobs being watched (`pin`): a watched job's
 * ordering is never forgotten. Holds no record, only state fields and an order: never a secret.
 */
export class JobStates {
  readonly #entries = new Map<string, Written>();
  readonly #order = new RecencyList<Written>();
  /** Watched jobs (refcount): never evicted while watched. */
  readonly #pins = new Map<string, number>();
  readonly #subscribers = new Set<StoreSubscriber>();
  /** Subscribers that threw once already (told to onSubscriberFailure no more). */
  readonly #failed = new WeakSet<StoreSubscriber>();
  #bytes = 0;
  /** Reads that changed what events had said, by provider (`jobgraph_events_missed_total`). */
  readonly missed = new Map<JobProvider, number>();
  /** The CodePipeline join (`EventApplier`): learned from the records offered, bounded alike. */
  readonly refs: RefJoin;
  /** The store's one clock: when reads are sent and events arrive. */
  readonly now: () => number;
  /** Times a subscriber threw (`jobgraph_job_states_listener_failures_total`). */
  subscriberFailures = 0;
  private readonly size: number;
  private readonly maxBytes: number;
  readonly #learn: (record: JobRecord) => void;
  readonly #onSubscriberFailure: (error: unknown) => void;

  constructor(options: JobStatesOptions = {}) {
    this.size = options.size ?? STATES_SIZE;
    this.maxBytes = options.maxBytes ?? STATES_BYTES;
    this.refs = options.refs ?? new RefJoin();
    this.now = options.now ?? Date.now;
    this.#learn = options.learn ?? (() => undefined);
    this.#onSubscriberFailure = options.onSubscriberFailure ?? (() => undefined);
  }

  /** How full it is (`jobgraph_store_*{store="job_states"}`). */
  fill(): StoreFill {
    return {
      store: 'job_states',
      entries: this.#entries.size,
      bytes: this.#bytes,
      maxEntries: this.size,
      maxBytes: this.maxBytes,
    };
  }

  get(id: string): JobState | undefined {
    return this.#entries.get(id)?.entry;
  }

  /** Told every message (StoreMessage) until the returned function is called. */
  subscribe(subscriber: StoreSubscriber): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  /** Tell every subscriber `message`; one that throws fails alone (counted, told once). */
  #tell(message: StoreMessage): void {
    for (const subscriber of [...this.#subscribers]) {
      try {
        subscriber(message);
      } catch (err) {
        this.subscriberFailures += 1;
        if (!this.#failed.has(subscriber)) {
          this.#failed.add(subscriber);
          this.#onSubscriberFailure(err);
        }
      }
    }
  }

  /** The job `id` is watched here: its entry stays until as many `unpin`s. */
  pin(id: string): void {
    this.#pins.set(id, (this.#pins.get(id) ?? 0) + 1);
  }

  /** Jobs pinned now: those being watched here. */
  pinnedJobs(): number {
    return this.#pins.size;
  }

  unpin(id: string): void {
    const n = (this.#pins.get(id) ?? 0) - 1;
    if (n > 0) this.#pins.set(id, n);
    else this.#pins.delete(id);
  }

  /** Whether a provider read has shown the job of `record` in its run: an event alone never does. */
  confirmed(record: JobRecord): boolean {
    const prev = this.get(record.id);
    return prev !== undefined && prev.confirmed && sameRun(record, prev);
  }

  /**
   * One observation of a job: `applied` (news: kept, subscribers told), `duplicate` (the state
   * known), `stale` (older than the state known). A record of another run is news whatever its order.
   */
  offer(record: JobRecord, observation: Observation): Verdict {
    // On the way in, once: its secrets are scrubbed from every line from now on, and a CodePipeline
    // record's action execution joins its job, before any subscriber sees it.
    this.#learn(record);
    const ref = providerOf(record.provider).events?.ref?.(record) ?? null;
    if (ref !== null) this.refs.note(ref, record.id);
    const signature = changeSignature(record);
    const prev = this.get(record.id);
    const verdict = this.#judge(record, signature, observation, prev);
    if (verdict === 'applied') {
      const entry = this.#write(record, signature, observation, prev);
      if (
        prev?.origin === 'event' &&
        isRead(observation) &&
        !sameState(record, prev, signature, observation)
      ) {
        // The provider says otherwise than the events did: an event missed or wrong.
        this.missed.set(record.provider, (this.missed.get(record.provider) ?? 0) + 1);
      }
      this.#tell({ kind: 'change', record, entry, previous: prev, observation });
    } else if (prev && isRead(observation) && sameRun(record, prev)) {
      if (observation.origin !== 'peer') this.#sighted(record, verdict, observation, prev);
      // The watchers' view takes its record from the store alone, news or not.
      if (observation.origin !== 'list' && this.#pins.has(record.id))
        this.#tell({ kind: 'unchanged', record, verdict, observation });
    }
    const { blocked } = observation;
    if (blocked) this.#tell({ kind: 'blocked', record, blocked, verdict, observation });
    return verdict;
  }

  /** Older news, or the same, but this process's read of it still shows the job exists in this run. */
  #sighted(
    record: JobRecord,
    verdict: Exclude<Verdict, 'applied'>,
    observation: Observation,
    prev: JobState,
  ): void {
    if (!prev.confirmed) {
      prev.confirmed = true;
      this.#tell({ kind: 'confirmed', record, verdict, observation });
    }
    const at = observation.at ?? this.now();
    if (prev.seenAt === null || at - prev.seenAt >= SEEN_EVERY_MS) {
      prev.seenAt = at;
      this.#tell({ kind: 'seen', id: record.id, at });
    }
  }

  /**
   * A listed row a page served (`readAt`: when its list snapshot was read, on the store's clock),
   * offered as a `list` observation: a row is a provider read, so one read after the events that
   * shows another state replaces the entry (and is written to the history as a `LIST` change), one
   * showing the state known is a duplicate (judged by state and provider status alone: a row
   * carries fewer fields than a describe), and one read before a newer event is stale. A row
   * without a state (an Import/Export summary) says nothing of it and is not offered.
   */
  offerListed(job: ListedJob, readAt?: number): Verdict | null {
    if (job.state === null) return null;
    return this.offer(rowRecord(job), {
      origin: 'list',
      ...(readAt !== undefined ? { at: readAt } : {}),
    });
  }

  #judge(
    record: JobRecord,
    signature: string,
    observation: Observation,
    prev: JobState | undefined,
  ): Verdict {
    if (!prev || !sameRun(record, prev)) return 'applied';
    const cmp = compareOrder(orderOf(record), prev.order);
    if (isRead(observation)) {
      if (sameState(record, prev, signature, observation)) return 'duplicate';
      if (cmp >= 0) return 'applied';
      // Lower in order: a read that raced an event (sent before it arrived) is older news; a
      // peer's read has no send time here, so it is judged by order alone.
      const at = observation.at;
      if (observation.origin === 'peer' || at === undefined) return 'stale';
      return prev.eventAt !== null && at < prev.eventAt ? 'stale' : 'applied';
    }
    if (cmp !== 0) return cmp < 0 ? 'stale' : 'applied';
    if (signature === prev.signature) return 'duplicate';
    // One order, another content: the later event wins, ties broken the same way on every replica.
    if (prev.time === null) return 'applied';
    const time = observation.time ?? 0;
    if (time !== prev.time) return time < prev.time ? 'stale' : 'applied';
    const id = observation.eventId ?? '';
    if (id !== prev.eventId) return id < prev.eventId ? 'stale' : 'applied';
    return signature < prev.signature ? 'stale' : 'applied';
  }

  #write(
    record: JobRecord,
    signature: string,
    observation: Observation,
    prev: JobState | undefined,
  ): JobState {
    const same = prev !== undefined && sameRun(record, prev);
    const read = isRead(observation);
    const entry: JobState = {
      order: orderOf(record),
      signature,
      time: read ? (same ? prev.time : null) : (observation.time ?? null),
      eventId: read ? (same ? prev.eventId : '') : (observation.eventId ?? ''),
      eventAt: read ? (same ? prev.eventAt : null) : (observation.at ?? this.now()),
      origin: read && observation.origin === 'peer' ? 'read' : observation.origin,
      run: runOf(record) ?? (same ? prev.run : null),
      // Only this process's own read confirms a run (a peer's may be a stripped record).
      confirmed: (read && observation.origin !== 'peer') || (same && prev.confirmed),
      seenAt:
        read && observation.origin !== 'peer'
          ? (observation.at ?? this.now())
          : same
            ? prev.seenAt
            : null,
      header: {
        state: record.state,
        providerStatus: record.providerStatus,
        statusMessage: record.statusMessage,
        terminal: record.terminal,
        completedAt: record.completedAt,
        updatedAt: record.updatedAt,
      },
      listed: providerOf(record.provider).events?.listed?.(record) ?? {},
    };
    const written = this.#entries.get(record.id);
    const bytes = SLOT_BYTES + approxBytes(record.id) + approxBytes(entry);
    if (written) {
      // Written again: the newest, with its new state.
      this.#bytes += bytes - written.bytes;
      written.entry = entry;
      written.bytes = bytes;
      this.#order.touch(written);
    } else {
      const added: Written = { id: record.id, entry, bytes, older: undefined, newer: undefined };
      this.#entries.set(record.id, added);
      this.#order.append(added);
      this.#bytes += bytes;
    }
    this.#evict();
    return entry;
  }

  /** Forget the least recently written jobs over the bounds; a watched one goes to the back instead. */
  #evict(): void {
    // The newest entry stays even alone over the budget: its fields are bounded (envelope.ts).
    // A pass over a watched entry evicts nothing: with more jobs watched than the bounds, a pass
    // over every entry at each write would be each write's cost.
    let passes = this.#entries.size - this.#pins.size;
    while (
      passes-- > 0 &&
      (this.#entries.size > this.size || (this.#bytes > this.maxBytes && this.#entries.size > 1))
    ) {
      const oldest = this.#order.shift()!;
      if (this.#pins.has(oldest.id)) {
        this.#order.append(oldest);
        continue;
      }
      this.#entries.delete(oldest.id);
      this.#bytes -= oldest.bytes;
    }
  }

  /**
   * A listed job as fresh as the events applied: when an event has put the job at a higher order
   * than its row and the row was read before that event arrived (`readAt`: when its list snapshot
   * was read, on the store's clock; a cached snapshot's, not the request's), the row's state and
   * the fields its provider lists are the store's. A row read after the event is the provider's
   * word and stands, whatever the event said. Other rows are returned as they are.
   */
  overlay(job: ListedJob, readAt?: number): ListedJob {
    const known = this.get(job.id);
    if (!known || known.time === null) return job;
    if (readAt !== undefined && known.eventAt !== null && readAt >= known.eventAt) return job;
    const row = rowRecord(job);
    // A row of another run is a read the store's run does not order: the row stands.
    if (!sameRun(row, known) || compareOrder(orderOf(row), known.order) >= 0) return job;
    return {
      ...job,
      state: known.header.state,
      summary: { ...job.summary, ...known.header, ...known.listed },
    };
  }
}

/** A read of the job's state (a describe, a poll, a listed row), or a peer's poll: not an event. */
function isRead(observation: Observation): boolean {
  return (
    observation.origin === 'read' ||
    observation.origin === 'list' ||
    (observation.origin === 'peer' && observation.time === undefined)
  );
}

/** A listed row as a record of its job: the fields its summary carries. */
function rowRecord(job: ListedJob): JobRecord {
  return { ...job.summary, id: job.id, provider: job.provider, state: job.state } as JobRecord;
}

/**
 * Whether an observation shows the state `entry` knows: a read by its whole change signature, a
 * listed row by its state and, when the row carries one, its provider status.
 */
function sameState(
  record: JobRecord,
  entry: JobState,
  signature: string,
  observation: Observation,
): boolean {
  if (observation.origin !== 'list') return signature === entry.signature;
  // A row without a provider status (an Import/Export summary) says nothing of it.
  return (
    record.state === entry.header.state &&
    (record.providerStatus == null || record.providerStatus === entry.header.providerStatus)
  );
}
