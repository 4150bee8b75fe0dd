import type { EventQueue } from '../../config/index.ts';
import type { JobProvider, JobRecord } from '../../model/job.ts';
import { providerOf } from '../registry.ts';
import type { JobState, StoreListener } from '../state/jobStates.ts';

/**
 * Why a provider's jobs of an account and region are not live by events (null: they are):
 * NO_EVENT, none of its events applied yet (or since it last stopped); QUEUE_DOWN, no queue that
 * speaks for it is readable, or the one that carried its events went down; MISSED, a read found a
 * change no event announced within the grace period; REJECTED, REJECTIONS_OFF of its events in a
 * row were rejected by the decoder; CLUSTER_DOWN, the replicas' channel (Redis) is unavailable.
 */
export type CoverageReason = 'NO_EVENT' | 'QUEUE_DOWN' | 'MISSED' | 'REJECTED' | 'CLUSTER_DOWN';

/** One (provider, account, region)'s coverage, for /readyz and the start-up summary. */
export interface CoverageState {
  provider: JobProvider;
  /** The account's alias (`default`). */
  account: string;
  region: string;
  live: boolean;
  reason: CoverageReason | null;
}

/** Rejected events of one provider, account and region in a row (no applied one between) that turn its coverage off. */
export const REJECTIONS_OFF = 3;

interface Entry {
  live: boolean;
  reason: CoverageReason;
  /** Rejections since its last applied event. */
  rejectedRun: number;
  /** Jobs whose read found a change no event announced yet: when the grace period ends, by job ID. */
  pending: Map<string, number>;
}

const keyOf = (provider: JobProvider, account: string, region: string) =>
  `${provider}\n${account}\n${region}`;

/**
 * Coverage measured, per (provider, account, region): live by events once an event of it was
 * applied from a queue that answered, off again when a read finds a change no event of the job
 * announced within `graceMs`, when the queue that speaks for it goes down, or when its events are
 * rejected REJECTIONS_OFF times in a row; live again at its next applied event (docs/events.md,
 * "Coverage"). Holds job IDs for a grace period at most, never a record.
 */
export class EventCoverage {
  readonly #entries = new Map<string, Entry>();
  /** When an event was last applied, by queue label and provider (epoch ms). */
  readonly #lastApplied = new Map<string, { queue: string; provider: JobProvider; at: number }>();
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly graceMs: number,
    /** Told when an answer of `live` may have changed. */
    private readonly changed: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether events cover the jobs of `provider` in `account` and `region` now (the queues' health aside). */
  live(provider: JobProvider, account: string, region: string): boolean {
    return this.#entries.get(keyOf(provider, account, region))?.live === true;
  }

  /** Why not live (null: live); NO_EVENT for one never seen. */
  reason(provider: JobProvider, account: string, region: string): CoverageReason | null {
    const entry = this.#entries.get(keyOf(provider, account, region));
    return entry?.live ? null : (entry?.reason ?? 'NO_EVENT');
  }

  /** An event of it was applied (or, a hint, acted on) from `queue`, which just answered. */
  applied(provider: JobProvider, account: string, region: string, queue: string): void {
    const entry = this.#entry(provider, account, region);
    entry.rejectedRun = 0;
    this.#lastApplied.set(`${queue}\n${provider}`, { queue, provider, at: this.now() });
    if (entry.live) return;
    entry.live = true;
    this.changed();
  }

  /** An event of the job `id` arrived, whatever its verdict: a change a read found first was announced. */
  announced(provider: JobProvider, account: string, region: string, id: string): void {
    this.#entries.get(keyOf(provider, account, region))?.pending.delete(id);
  }

  /** The decoder rejected an event of it (a detail it could not read: an AWS field change, say). */
  rejected(provider: JobProvider, account: string, region: string): void {
    const entry = this.#entry(provider, account, region);
    entry.rejectedRun += 1;
    if (entry.rejectedRun >= REJECTIONS_OFF) this.#off(entry, 'REJECTED');
  }

  /**
   * A provider read of the job `id` found a change no event had shown: unless an event of the job
   * arrives within the grace period (it was late, not missed), coverage goes off then.
   */
  unannounced(provider: JobProvider, account: string, region: string, id: string): void {
    const entry = this.#entries.get(keyOf(provider, account, region));
    if (!entry?.live || entry.pending.has(id)) return;
    entry.pending.set(id, this.now() + this.graceMs);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (entry.pending.delete(id)) this.#off(entry, 'MISSED');
    }, this.graceMs).unref();
    this.#timers.add(timer);
  }

  /** `queue` cannot be read: what it spoke for stops being live until an event is applied again. */
  queueDown(queue: Pick<EventQueue, 'region' | 'speaksFor'>): void {
    for (const [key, entry] of this.#entries) {
      const [, account, region] = key.split('\n');
      if (region === queue.region && queue.speaksFor.includes(account as string))
        this.#off(entry, 'QUEUE_DOWN');
    }
  }

  /** The last applied event's time by queue and provider (`jobgraph_events_last_applied_age_seconds`). */
  lastApplied(): { queue: string; provider: JobProvider; at: number }[] {
    return [...this.#lastApplied.values()];
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #entry(provider: JobProvider, account: string, region: string): Entry {
    const key = keyOf(provider, account, region);
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { live: false, reason: 'NO_EVENT', rejectedRun: 0, pending: new Map() };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  #off(entry: Entry, reason: CoverageReason): void {
    entry.pending.clear();
    if (!entry.live) return;
    entry.live = false;
    entry.reason = reason;
    this.changed();
  }
}

/**
 * What a job's events would announce of its state `entry` (its status and the progress fields its
 * provider's events carry, `ProviderEvents.carries`): a read that changes this found a change no
 * event announced; one that changes only what events do not carry did not.
 */
export function announcedOf(provider: JobProvider, entry: JobState): string {
  const carried = providerOf(provider).events?.carries ?? [];
  if (carried.length === 0)
    return JSON.stringify([entry.header.state, entry.header.providerStatus]);
  // The signature is [state, providerStatus, statusMessage, ...progress fields] (changeSignature).
  const fields = providerOf(provider).progress.fields;
  const signature = JSON.parse(entry.signature) as unknown[];
  return JSON.stringify([
    entry.header.state,
    entry.header.providerStatus,
    ...carried.map((f) => signature[3 + fields.indexOf(f)] ?? null),
  ]);
}

/**
 * The progress fields of `provider` that a watch selecting `fields` needs and its events do not
 * carry: while there is one, the job is polled at the poll interval even when live by events.
 */
export function needsPolling(provider: JobProvider, fields: ReadonlySet<string>): boolean {
  const p = providerOf(provider);
  const carried = p.events?.carries ?? [];
  return p.progress.fields.some((f) => fields.has(f) && !carried.includes(f));
}

/**
 * The job-state store's subscriber that measures coverage by reads (app.ts subscribes it): each
 * provider read applied (a watch's poll or reconciliation, a describe, a listed row) of a job
 * already known in that run, with what its events would have announced before and after.
 */
export function readsMeasured(
  seen: (read: { record: JobRecord; before: string; after: string }) => void,
): StoreListener {
  return (message) => {
    if (message.kind !== 'change') return;
    const { record, entry, previous, observation } = message;
    if (observation.origin !== 'read' && observation.origin !== 'list') return;
    if (!previous || (previous.run !== null && entry.run !== null && previous.run !== entry.run))
      return;
    seen({
      record,
      before: announcedOf(record.provider, previous),
      after: announcedOf(record.provider, entry),
    });
  };
}
