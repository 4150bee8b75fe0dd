/**
 * The blocked queues this process was told of (docs/queues.md, `JobQueue.blocked`): a queue-blocked
 * event (AWS Batch's `Batch Job Queue Blocked`) reaches the job-state store with its record, and
 * the store tells its subscribers a `blocked` message; this one keeps, per queue, since when (the
 * event's time), the blocking job and the reason. A block ends when a later observation of its
 * job shows it no longer waiting runnable in that queue for that reason (started, finished,
 * moved, another reason); while the queue's front shows another job at its head, it is not
 * answered (`QueueView.blocked`). Per process, bounded (MAX_BLOCKS queues, least recently told
 * first out); with the replicas' store (shared.ts, Redis), each block kept here is kept there too
 * (for BLOCK_TTL_MS, renewed by each event; dropped when its job's news ends it here), so a replica
 * that did not consume the event answers it as well (`shared`); without it, or Redis away, another
 * replica answers from the front's head.
 */
import { LRUCache } from 'lru-cache';
import type { StoreMessage } from '../datasources/state/jobStates.ts';
import { providerOf } from '../datasources/registry.ts';
import type { QueueBlock, SharedQueues } from './shared.ts';

/** Most queues whose block is kept. */
const MAX_BLOCKS = 10_000;
/** How long the replicas' store keeps a block no event renewed nor news ended: a day. */
const BLOCK_TTL_MS = 24 * 3_600_000;

export class QueueBlocks {
  constructor(private readonly store?: SharedQueues) {}

  /** By the queue's ARN. */
  readonly #blocks = new LRUCache<string, QueueBlock>({ max: MAX_BLOCKS });
  /** The queue each blocking job blocks, by the job's global ID (to end a block by its job's news). */
  readonly #byJob = new LRUCache<string, string>({ max: MAX_BLOCKS });

  /** The block of the queue of ARN `queue` an event told, if it still stands as far as this process knows. */
  of(queue: string): QueueBlock | undefined {
    return this.#blocks.get(queue);
  }

  /** The block of `queue` another replica kept in the replicas' store (believed), if any. */
  async shared(queue: string): Promise<QueueBlock | undefined> {
    return this.store?.block(queue);
  }

  /** The job-state store's subscriber: a `blocked` message keeps its block; a change of its job may end it. */
  readonly subscriber = (message: StoreMessage): void => {
    if (message.kind === 'blocked') {
      const { record, blocked, observation } = message;
      // A stale record's block is older than what the store knows of its job.
      if (blocked.reason === null || message.verdict === 'stale') return;
      const previous = this.#byJob.get(record.id);
      if (previous !== undefined && previous !== blocked.queue) this.#end(previous, record.id);
      const at = observation.time ?? observation.at ?? Date.now();
      const known = this.#blocks.get(blocked.queue);
      // Published again (the same job and reason): blocked since the earliest event's time.
      const same = known?.id === record.id && known.reason === blocked.reason;
      const since = same ? Math.min(Date.parse(known.since), at) : at;
      const block = { since: new Date(since).toISOString(), id: record.id, reason: blocked.reason };
      this.#blocks.set(blocked.queue, block);
      this.store?.keepBlock(blocked.queue, block, BLOCK_TTL_MS);
      this.#byJob.set(record.id, blocked.queue);
      return;
    }
    if (message.kind !== 'change') return;
    const queue = this.#byJob.get(message.record.id);
    if (queue === undefined) return;
    const waiting = providerOf(message.record.provider).queues?.waitingJob(message.record) ?? null;
    const block = this.#blocks.get(queue);
    const stands =
      waiting?.runnable === true &&
      waiting.queue === queue &&
      message.record.statusMessage === block?.reason;
    if (stands) return;
    this.#byJob.delete(message.record.id);
    if (block?.id === message.record.id) this.#end(queue, message.record.id);
  };

  /** The block of `queue` by job `id` ends: here, and in the replicas' store. */
  #end(queue: string, id: string): void {
    if (this.#blocks.get(queue)?.id === id) this.#blocks.delete(queue);
    this.store?.endBlock(queue, id);
  }
}
