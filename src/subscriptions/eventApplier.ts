import { secretValues } from '../auth/secretValues.ts';
import type { PollLeases } from '../cache/pollLeases.ts';
import type { Config } from '../config/index.ts';
import type { JobEvent } from '../datasources/events/envelope.ts';
import type { EventOutcome, Unfinished } from '../datasources/events/eventQueues.ts';
import { EventLedger } from '../datasources/events/ledger.ts';
import { providerOf } from '../datasources/registry.ts';
import { formatGlobalId, parseGlobalId } from '../model/globalId.ts';
import type { JobRecord } from '../model/job.ts';
import { changeSignature, type PollerRegistry } from './pollers.ts';

/**
 * Applies decoded job events to this process's watchers, and through the poll leases' channels to
 * every replica's. A record event (AWS Batch) is judged against the latest state known (the
 * ledger): a duplicate or an older event is counted and dropped, a newer one goes to the job's
 * poller as its record — no describe call — and to the other replicas. A hint (HealthOmics, or a
 * CodePipeline action execution joined to its watched job by `ref`) makes the replica that polls
 * the job read it once, now; the read coalesces with any call in flight for it.
 */
/**
 * How many jobs' unannounced events the applier remembers at most (oldest first out): one owed for
 * a job forgotten is judged a plain duplicate when it comes back, and deleted.
 */
export const MAX_OWED = 10_000;

export class EventApplier {
  /**
   * Jobs whose latest event was applied here but not announced to the other replicas (Redis did
   * not take it): its message was kept in the queue, and when it comes back here — judged a
   * duplicate by this process — it is announced again rather than deleted unannounced.
   */
  readonly #owed = new Map<string, { record: JobRecord; time: number }>();

  /** The records events carried (this replica's and the others'): told to a watcher, they come back to `noteRecord` and confirm nothing. */
  readonly #fromEvents = new WeakSet<JobRecord>();

  constructor(
    private readonly config: Config,
    private readonly registry: PollerRegistry,
    private readonly leases: PollLeases | undefined,
    readonly ledger: EventLedger = new EventLedger(),
    /**
     * Told of each applied event that shows finished a job a provider read has shown in this run:
     * the finished jobs kept (issue #59's item 4). A job known only by events is never kept: an
     * event is whatever its sender wrote, and a kept record outlives the provider's own.
     */
    private readonly onTerminal?: (record: JobRecord) => void,
  ) {
    registry.judge = (record, time) => this.#judgeShared(record, time);
  }

  /** Every record the watchers see (reads, shares, events): the ledger and the join learn it. */
  noteRecord(record: JobRecord): void {
    // An event's record is in the ledger already, with its time; only a read confirms a job's run.
    if (!this.#fromEvents.has(record)) this.ledger.note(record, changeSignature(record), null);
    const ref = providerOf(record.provider).events?.ref?.(record) ?? null;
    if (ref === null) return;
    // The join (ref → job) is the ledger's, bounded in count and bytes like it.
    this.ledger.refs.note(ref, record.id);
  }

  /**
   * Apply one decoded event. `keep` (Unfinished): applied here, not yet told to the replicas that
   * may watch the job; the message must stay in the queue.
   */
  async apply(event: JobEvent): Promise<EventOutcome | Unfinished> {
    const { meaning } = event;
    switch (meaning.kind) {
      case 'record':
        return this.#record(meaning.record, event.time);
      case 'hint':
        return this.#hint(formatGlobalId(meaning.key));
      case 'ref': {
        const id = this.ledger.refs.get(meaning.ref);
        // Joined only within the event's own account and region.
        if (id !== undefined && this.#at(id, event)) return this.#hint(id);
        return 'hint';
      }
    }
  }

  async #record(record: JobRecord, time: number): Promise<EventOutcome | Unfinished> {
    // Its secrets are scrubbed from every log line from now on, as a describe answer's are.
    secretValues.learnRecord(record);
    const signature = changeSignature(record);
    const judged = this.ledger.judge(record, signature, time);
    if (judged !== 'applied') {
      // Known here, but perhaps not to the replica that watches it: announced again if it is owed.
      const owed = this.#owed.get(record.id);
      if (!owed) return judged;
      return (await this.#announce(owed.record, owed.time)) ? judged : unfinished(judged);
    }
    this.ledger.note(record, signature, time);
    this.#fromEvents.add(record);
    if (record.terminal && this.ledger.confirmed(record)) this.onTerminal?.(record);
    this.registry.get(record.id)?.event(record, false);
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
    this.#owed.delete(record.id);
    this.#owed.set(record.id, { record, time });
    if (this.#owed.size > MAX_OWED) this.#owed.delete(this.#owed.keys().next().value!);
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
    const alias = providerOf(key.provider).setup.accountAlias(this.config, key as never);
    return alias === event.place.account && 'region' in key && key.region === event.place.region;
  }

  /** Another replica's applied event, judged here too (this process may know a newer state). */
  #judgeShared(record: JobRecord, time: number): 'applied' | 'duplicate' | 'stale' {
    const signature = changeSignature(record);
    const judged = this.ledger.judge(record, signature, time);
    if (judged === 'applied') this.ledger.note(record, signature, time);
    this.#fromEvents.add(record);
    return judged;
  }
}

/** `outcome`, with its message left in the queue. */
function unfinished(outcome: EventOutcome): Unfinished {
  return { outcome, keep: true };
}
