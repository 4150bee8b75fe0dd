import { BrokenCircuitError } from 'cockatiel';
import { UpstreamError } from '../errors.ts';
import { formatGlobalId, type JobKey } from '../model/globalId.ts';
import type { JobProvider, JobRecord } from '../model/job.ts';
import { ListWatchGroup, type GroupMember } from './listWatchGroup.ts';
import type { WatchLister } from './watchLister.ts';
import type { Scheduler } from './scheduler.ts';

/** What a poller tells its subscribers: the job (first, then each change), or its one failure. */
export type WatchEvent = { kind: 'record'; record: JobRecord } | { kind: 'error'; error: Error };
export type WatchListener = (event: WatchEvent) => void;

/**
 * The fields beyond state, providerStatus and statusMessage whose change is a change of the
 * job's progress, per provider (see each provider's SDL): COS Batch's task counts, HealthOmics'
 * per-source statuses, Import/Export's device location and error count. Panorama reports no
 * progress beyond its status, CodePipeline no status at all.
 */
export const PROGRESS_FIELDS: Readonly<Record<JobProvider, readonly string[]>> = {
  AWS_PANORAMA: [],
  AWS_OMICS: ['sources'],
  TENCENT_COS_BATCH: ['progressSummary'],
  AWS_IMPORT_EXPORT: ['locationCode', 'locationMessage', 'errorCount'],
  AWS_CODEPIPELINE: [],
};

/** Providers whose describe call reports no status at all (see {@link watchSettled}). */
const NO_STATUS: ReadonlySet<JobProvider> = new Set(['AWS_CODEPIPELINE']);

/**
 * Whether a watcher has had all it will get of a job: a terminal job cannot change, and a job
 * whose provider reports no status (CodePipeline's GetJobDetails: no state at all, `UNKNOWN`)
 * shows no change to watch — its details come once, and the job counts as settled.
 */
export function watchSettled(record: JobRecord): boolean {
  return record.terminal || NO_STATUS.has(record.provider);
}

/** What two records of one job are compared by: a change here is an event. */
export function changeSignature(record: JobRecord): string {
  const r = record as unknown as Record<string, unknown>;
  return JSON.stringify([
    record.state,
    record.providerStatus,
    record.statusMessage,
    ...PROGRESS_FIELDS[record.provider].map((f) => r[f] ?? null),
  ]);
}

export interface PollerOptions {
  /** Load one job (below the per-request loader: cache, in-flight coalescing, guarded fetch). */
  fetch(key: JobKey): Promise<JobRecord>;
  /** First wait between polls, and the wait after a change (JOBGRAPH_WATCH_POLL_MS). */
  pollMs: number;
  /** Longest wait while nothing changes (JOBGRAPH_WATCH_MAX_POLL_MS). */
  maxPollMs: number;
  /** How long to wait while the provider's circuit is open (the breaker's half-open delay). */
  breakerPauseMs: number;
  scheduler: Scheduler;
  /** Jitter source, default Math.random. */
  random?: () => number;
  /** Told of every record fetched (the secret-value registry learns it there). */
  onRecord?(record: JobRecord): void;
  /** Watch many jobs of one source through its list call (watchLister.ts); absent: each job by its describe alone. */
  lister?: WatchLister;
}

/** Growth of the wait while nothing changes. */
export const BACKOFF_FACTOR = 1.5;
/** ± this fraction of each wait, so pollers started together drift apart. */
export const JITTER = 0.1;

/**
 * One poller per job per process, shared by every subscriber of that job and refcounted by
 * them: the first subscriber starts it (first poll at once), the last one leaving stops it, and
 * it stops by itself once the job is terminal or fails. Between polls it waits `pollMs`,
 * growing ×1.5 while nothing changes up to `maxPollMs` and back to `pollMs` on a change, each
 * wait ±10 % jitter. Throttling (UPSTREAM_THROTTLED) doubles the wait, at least the provider's
 * Retry-After; an open circuit pauses it for the breaker's half-open delay; other transient
 * failures (UPSTREAM_UNAVAILABLE) back off as "no change". Any other failure (NOT_FOUND,
 * UPSTREAM_ACCESS_DENIED, a bad answer, an internal error) is told to the subscribers once and
 * ends the poller. Records are shared between subscribers and never changed.
 *
 * With a `lister`, the pollers of the jobs of one source whose list can tell a change (COS Batch, Panorama)
 * join that source's group after their first record: a poll may then be one list pass shared
 * with the source's other due jobs instead of a describe (listWatchGroup.ts).
 */
export class PollerRegistry {
  private readonly pollers = new Map<string, Poller>();
  private readonly groups = new Map<string, ListWatchGroup>();
  constructor(readonly options: PollerOptions) {}

  /** Subscribe to one job: its last known record at once if there is one, then each change. Returns the unsubscribe function. */
  watch(key: JobKey, listener: WatchListener): () => void {
    const id = formatGlobalId(key);
    let poller = this.pollers.get(id);
    if (!poller) {
      poller = new Poller(key, id, this.options, {
        onStop: () => this.pollers.delete(id),
        group: () => this.groupOf(key),
      });
      this.pollers.set(id, poller);
      poller.add(listener);
      poller.start();
    } else {
      poller.add(listener);
    }
    const p = poller;
    return () => p.remove(listener);
  }

  /** Pollers running now (one per watched job). */
  size(): number {
    return this.pollers.size;
  }

  /** Stop every poller (shutdown). */
  close(): void {
    for (const poller of [...this.pollers.values()]) poller.stop();
  }

  /** The group of `key`'s source, made on first use and dropped when its last member leaves; null without one. */
  private groupOf(key: JobKey): ListWatchGroup | null {
    const lister = this.options.lister;
    const source = lister?.sourceOf(key) ?? null;
    if (!lister || source === null) return null;
    let group = this.groups.get(source);
    if (!group) {
      const random = this.options.random ?? Math.random;
      const made = new ListWatchGroup(lister, this.options.scheduler, random, () => {
        if (this.groups.get(source) === made) this.groups.delete(source);
      });
      this.groups.set(source, made);
      group = made;
    }
    return group;
  }
}

class Poller implements GroupMember {
  private readonly listeners = new Set<WatchListener>();
  last: JobRecord | null = null;
  private lastSignature: string | null = null;
  interval: number;
  quiet = 1;
  dueAt: number | null = null;
  private timer: unknown = undefined;
  private stopped = false;
  private group: ListWatchGroup | null = null;

  constructor(
    readonly key: JobKey,
    readonly id: string,
    private readonly options: PollerOptions,
    private readonly registry: { onStop(): void; group(): ListWatchGroup | null },
  ) {
    this.interval = options.pollMs;
  }

  start(): void {
    this.describe();
  }

  add(listener: WatchListener): void {
    this.listeners.add(listener);
    if (this.last) listener({ kind: 'record', record: this.last });
  }

  remove(listener: WatchListener): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0) this.stop();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.hold();
    this.group?.remove(this);
    this.group = null;
    this.registry.onStop();
  }

  hold(): void {
    if (this.timer !== undefined) this.options.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = null;
  }

  describe(): void {
    this.hold();
    void this.fetch();
  }

  unchanged(jitter: number): void {
    this.hold();
    if (this.stopped) return;
    this.quiet = (this.quiet + 1) / 2;
    this.interval = Math.min(this.interval * BACKOFF_FACTOR, this.options.maxPollMs);
    this.schedule(this.interval, jitter);
  }

  private emit(event: WatchEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  /** The timer fired: the group decides how to poll, else the describe call. */
  private poll(): void {
    this.timer = undefined;
    this.dueAt = null;
    if (this.stopped) return;
    if (this.group) this.group.due(this);
    else void this.fetch();
  }

  private async fetch(): Promise<void> {
    if (this.stopped) return;
    let record: JobRecord;
    try {
      record = await this.options.fetch(this.key);
    } catch (err) {
      if (!this.stopped) this.failed(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (this.stopped) return;
    this.options.onRecord?.(record);
    const first = this.last === null;
    const signature = changeSignature(record);
    if (signature !== this.lastSignature) {
      this.last = record;
      this.lastSignature = signature;
      this.interval = this.options.pollMs;
      this.quiet = first ? 1 : this.quiet / 2;
      this.emit({ kind: 'record', record });
    } else {
      this.quiet = (this.quiet + 1) / 2;
      this.interval = Math.min(this.interval * BACKOFF_FACTOR, this.options.maxPollMs);
    }
    if (watchSettled(record)) return this.stop();
    if (first && !this.stopped) {
      this.group = this.registry.group();
      this.group?.add(this);
    }
    this.schedule(this.interval);
  }

  private failed(err: Error): void {
    const { maxPollMs, breakerPauseMs } = this.options;
    if (err instanceof UpstreamError && err.code === 'UPSTREAM_THROTTLED') {
      this.interval = Math.min(this.interval * 2, maxPollMs);
      return this.schedule(Math.max(this.interval, (err.retryAfterSeconds ?? 0) * 1000), null);
    }
    if (err instanceof UpstreamError && err.code === 'UPSTREAM_UNAVAILABLE') {
      const circuitOpen = err.cause instanceof BrokenCircuitError;
      this.interval = Math.min(this.interval * BACKOFF_FACTOR, maxPollMs);
      return this.schedule(circuitOpen ? Math.max(breakerPauseMs, this.interval) : this.interval);
    }
    this.emit({ kind: 'error', error: err });
    this.stop();
  }

  /** Poll again in `ms`, ±JITTER by `jitter` (a sample in 0..1; null: exactly `ms`). */
  private schedule(
    ms: number,
    jitter: number | null = (this.options.random ?? Math.random)(),
  ): void {
    if (this.stopped) return;
    const wait = jitter === null ? ms : ms * (1 + (jitter * 2 - 1) * JITTER);
    this.dueAt = this.options.scheduler.now() + wait;
    this.timer = this.options.scheduler.setTimeout(() => this.poll(), wait);
  }
}
