import { LRUCache } from 'lru-cache';
import type { PollLeases } from '../cache/pollLeases.ts';
import type { Config } from '../config/index.ts';
import type { JobEvent } from '../datasources/events/envelope.ts';
import type { EventOutcome, Joined, Unfinished } from '../datasources/events/eventQueues.ts';
import type { JobStates } from '../datasources/state/jobStates.ts';
import type { BlockedQueue } from '../datasources/shared/provider.ts';
import { accountOf } from '../datasources/registry.ts';
import { formatGlobalId, parseGlobalId } from '../model/globalId.ts';
import type { JobRecord } from '../model/job.ts';
import type { WatchRegistry } from './watchRegistry.ts';

/**
 * Applies decoded job events: a record event (AWS Batch) is offered to the job-state store once
 * (datasources/state/jobStates.ts), which orders it and tells its subscribers — the job's read
 * schedule among them (the registry dispatches it: no describe call) — and, applied, it is
 * announced to the other replicas through the poll leases' channels (whether it went out decides
 * whether its message may be deleted, so the announcer is this, not a subscriber). A hint
 * (HealthOmics, or a CodePipeline action execution joined to its watched job by `ref`) makes the
 * replica that polls the job read it once, now; the read coalesces with any call in flight for it.
 */
/**
 * How many jobs' unannounced events the applier remembers at most (oldest first out): one owed for
 * a job forgotten is judged a plain duplicate when it comes back, and deleted.
 */
const MAX_OWED = 10_000;

export class EventApplier {
  /**
   * Jobs whose latest event was applied here but not announced to the other replicas (Redis did
   * not take it): its message was kept in the queue, and when it comes back here — judged a
   * duplicate by this process — it is announced again rather than deleted unannounced.
   */
  readonly #owed = new LRUCache<string, { record: JobRecord; time: number }>({ max: MAX_OWED });

  constructor(
    private readonly config: Config,
    private readonly registry: WatchRegistry,
    private readonly leases: PollLeases | undefined,
    readonly states: JobStates,
  ) {}

  /**
   * Apply one decoded event. `keep` (Unfinished): applied here, not yet told to the replicas that
   * may watch the job; the message must stay in the queue.
   */
  async apply(event: JobEvent): Promise<EventOutcome | Unfinished | Joined> {
    const { meaning } = event;
    switch (meaning.kind) {
      case 'record':
        return this.#record(meaning.record, event.time, event.id, meaning.blocked);
      case 'hint':
        return this.#hint(formatGlobalId(meaning.key));
      case 'ref': {
        const id = this.states.refs.get(meaning.ref);
        // Joined only within the event's own account and region.
        if (id === undefined || !this.#at(id, event)) return 'hint';
        const hinted = await this.#hint(id);
        return { ...(typeof hinted === 'string' ? { outcome: hinted } : hinted), jobs: [id] };
      }
      case 'place':
        return this.#place(event);
    }
  }

  /**
   * An event of some job of its kind and place, the detail naming none (HealthOmics' `Task Status
   * Change`): each such job watched here is read, each at most once a poll interval (HintGate), so
   * a flood of them costs no more than polling those jobs. Not told to the other replicas: their
   * watched jobs are read at their reconciliation, as for a lost best-effort event.
   */
  #place(event: JobEvent): Joined {
    const watched = this.registry.watched(
      (key) =>
        key.provider === event.provider &&
        key.kind === event.kind &&
        this.#at(formatGlobalId(key), event),
    );
    for (const schedule of watched) schedule.hint();
    return { outcome: 'hint', jobs: watched.map((s) => s.id) };
  }

  async #record(
    record: JobRecord,
    time: number,
    eventId: string | undefined,
    blocked: BlockedQueue | undefined,
  ): Promise<EventOutcome | Unfinished> {
    // The store learns its secrets on the way in (scrubbed from every line from now on).
    const judged = this.states.offer(record, {
      origin: 'event',
      at: this.states.now(),
      time,
      ...(eventId !== undefined ? { eventId } : {}),
      // A queue-blocked event's word, told to the store's subscribers (the notifier, the queues).
      ...(blocked ? { blocked } : {}),
    });
    if (judged !== 'applied') {
      // Known here, but perhaps not to the replica that watches it: announced again if it is owed.
      const owed = this.#owed.peek(record.id);
      if (!owed) return judged;
      return (await this.#announce(owed.record, owed.time)) ? judged : unfinished(judged);
    }
    return (await this.#announce(record, time)) ? 'applied' : unfinished('applied');
  }

  /**
   * Publish an applied event to the other replicas: whether it went out (always, without them).
   * One that did not is owed until a later delivery of the job's event announces it.
   */
  async #announce(record: JobRecord, time: number): Promise<boolean> {
    if (!this.leases?.announce) return true;
    if (await this.leases.announce(record.id, { record, time })) {
      this.#owed.delete(record.id);
      return true;
    }
    this.#owed.set(record.id, { record, time });
    return false;
  }

  /**
   * The replica that polls the job reads it now: this one, or (a follower, or no watcher here)
   * whoever holds its lease; a hint no replica could be told of stays in the queue.
   */
  async #hint(id: string): Promise<EventOutcome | Unfinished> {
    const local = this.registry.get(id)?.hint() === true;
    if (local || !this.leases?.announce) return 'hint';
    return (await this.leases.announce(id, 'hint')) ? 'hint' : unfinished('hint');
  }

  /** Whether the job `id` is in the event's account and region. */
  #at(id: string, event: JobEvent): boolean {
    const key = parseGlobalId(id);
    const alias = accountOf(this.config, key);
    return alias === event.place.account && 'region' in key && key.region === event.place.region;
  }
}

/** `outcome`, with its message left in the queue. */
function unfinished(outcome: EventOutcome): Unfinished {
  return { outcome, keep: true };
}
