import type { EventQueue } from '../../config/index.ts';
import type { CoverageEvidence } from '../../history/coverageEvidence.ts';
import type { JobProvider, JobRecord } from '../../model/job.ts';
import { kindOf, providerOf } from '../registry.ts';
import { subjectParts } from './envelope.ts';

/** A job's provider and kind, as a key or a record tells them. */
type KindOfJob = Parameters<typeof kindOf>[0];
import type { JobState, StoreSubscriber } from '../state/jobStates.ts';

/**
 * Why a provider's jobs of an account and region are not live by events (null: they are):
 * NO_EVENT, none of its events applied yet (or since it last stopped); QUEUE_DOWN, no queue that
 * speaks for it is readable, or the one that carried its events went down; MISSED, a read found a
 * change no event announced within the grace period; REJECTED, REJECTIONS_OFF of its events in a
 * row were rejected by the decoder; CLUSTER_DOWN, the replicas' channel (Redis) is unavailable;
 * SILENT, live by the evidence a restart kept, and no event came for longer than its usual gap.
 */
export type CoverageReason =
  'NO_EVENT' | 'QUEUE_DOWN' | 'MISSED' | 'REJECTED' | 'CLUSTER_DOWN' | 'SILENT';

const REASONS: readonly CoverageReason[] = [
  'NO_EVENT',
  'QUEUE_DOWN',
  'MISSED',
  'REJECTED',
  'CLUSTER_DOWN',
  'SILENT',
];

/** One (provider, kind, account, region)'s coverage, for /readyz and the start-up summary. */
export interface CoverageState {
  provider: JobProvider;
  /** The kind of job (`Provider.kinds`: `serviceJob`, `run`); absent for the provider's first kind. */
  kind?: string;
  /** The account's alias (`default`). */
  account: string;
  region: string;
  live: boolean;
  reason: CoverageReason | null;
}

/** Rejected events of one provider, account and region in a row (no applied one between) that turn its coverage off. */
export const REJECTIONS_OFF = 3;

/**
 * Evidence a restart kept holds while the silence since its place's last event is within this many
 * of the place's usual gaps (the longest of the last GAPS_KEPT between its applied events)…
 */
export const SILENT_GAPS = 4;
/** …and never less than this (ms): a rolling restart of a place with a fast rhythm keeps it. */
export const SILENCE_FLOOR_MS = 60_000;
/** The gaps between a place's applied events that its usual gap is learned from. */
const GAPS_KEPT = 16;
/** A usual gap longer than a day is taken as a day. */
const MAX_GAP_MS = 86_400_000;
/** How often kept evidence is held to its silence bound, ms. */
const SILENCE_CHECK_MS = 5_000;

/** How long a place may go without an event before the evidence a restart kept lapses, ms. */
const silenceBound = (usualGapMs: number) => Math.max(SILENCE_FLOOR_MS, SILENT_GAPS * usualGapMs);

interface Entry {
  /** Its subject (a kind of a provider's jobs, envelope.ts `coverageSubject`), account and region (keyOf). */
  readonly key: string;
  live: boolean;
  reason: CoverageReason;
  /** Rejections since its last applied event. */
  rejectedRun: number;
  /** Jobs whose read found a change no event announced yet: when the grace period ends, by job ID. */
  pending: Map<string, number>;
  /** When its last event was applied here or, restored, by the replica that wrote the evidence (epoch ms). */
  lastEventAt: number | null;
  /** The last GAPS_KEPT gaps between its applied events, ms (restored: the usual gap kept). */
  gaps: number[];
  /** Live by the evidence a restart kept or a peer wrote, no event of it applied here since: held to its silence bound. */
  restored: boolean;
  /** When it last went off here (epoch ms): a peer's evidence older than that does not bring it back. */
  offAt: number | null;
  /**
   * Jobs a hint announced (epoch ms), oldest first, kept a grace period at most: the read a hint
   * causes comes after it, and the change it finds is the one the hint announced.
   */
  hinted: Map<string, number>;
}

/** Jobs a place remembers a hint of at most (the oldest forgotten first). */
const MAX_HINTED = 10_000;

const usualGap = (entry: Entry) => Math.min(MAX_GAP_MS, Math.max(0, ...entry.gaps));

/**
 * A stored row's reason (null: live) when it is what this process would have written; undefined
 * when not (an unknown reason, a time to come, a negative gap): such a row is skipped.
 */
function judged(e: CoverageEvidence, now: number): CoverageReason | null | undefined {
  const reason = e.reason === null ? null : REASONS.find((r) => r === e.reason);
  if (reason === undefined || !Number.isFinite(e.usualGapMs) || e.usualGapMs < 0) return undefined;
  if (e.lastEventAt !== null && !(Number.isFinite(e.lastEventAt) && e.lastEventAt <= now))
    return undefined;
  return reason;
}

/** The gaps a row's usual gap stands for (none when not learned). */
const gapsOf = (e: CoverageEvidence) =>
  e.usualGapMs > 0 ? [Math.min(MAX_GAP_MS, e.usualGapMs)] : [];

const keyOf = (subject: string, account: string, region: string) =>
  `${subject}\n${account}\n${region}`;

/**
 * Coverage measured, per subject (one kind of a provider's jobs: envelope.ts `coverageSubject`),
 * account and region: live by events once an event of it was
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
  /** Places whose evidence changed since `evidence` last gave it. */
  readonly #dirty = new Set<string>();
  #silence: NodeJS.Timeout | undefined;

  constructor(
    private readonly graceMs: number,
    /** Told when an answer of `live` may have changed. */
    private readonly changed: () => void,
    private readonly now: () => number = Date.now,
    /**
     * Whether the queues receive nothing now (the history writer over its bound, eventQueues.ts):
     * an event may be waiting in SQS, so no grace period ends and no silence counts meanwhile.
     */
    private readonly held: () => boolean = () => false,
  ) {}

  /** Whether events cover the jobs of `subject` in `account` and `region` now (the queues' health aside). */
  live(subject: string, account: string, region: string): boolean {
    return this.#entries.get(keyOf(subject, account, region))?.live === true;
  }

  /** Why not live (null: live); NO_EVENT for one never seen. */
  reason(subject: string, account: string, region: string): CoverageReason | null {
    const entry = this.#entries.get(keyOf(subject, account, region));
    return entry?.live ? null : (entry?.reason ?? 'NO_EVENT');
  }

  /** An event of it was applied (or, a hint, acted on) from `queue`, which just answered. */
  applied(subject: string, account: string, region: string, queue: string): void {
    const entry = this.#entry(subject, account, region);
    entry.rejectedRun = 0;
    const now = this.now();
    const { provider } = subjectParts(subject);
    this.#lastApplied.set(`${queue}\n${provider}`, { queue, provider, at: now });
    if (entry.lastEventAt !== null && !entry.restored) {
      entry.gaps.push(Math.max(0, now - entry.lastEventAt));
      if (entry.gaps.length > GAPS_KEPT) entry.gaps.shift();
    }
    entry.lastEventAt = now;
    entry.restored = false;
    this.#dirty.add(entry.key);
    if (entry.live) return;
    entry.live = true;
    this.changed();
  }

  /** An event of the job `id` arrived, whatever its verdict: a change a read found first was announced. */
  announced(subject: string, account: string, region: string, id: string): void {
    this.#entries.get(keyOf(subject, account, region))?.pending.delete(id);
  }

  /**
   * A hint (an event that says the job `id` changed without its record) arrived: the read it
   * causes, or any read within the grace period after it, finds a change this event announced.
   */
  hinted(subject: string, account: string, region: string, id: string): void {
    const entry = this.#entry(subject, account, region);
    entry.pending.delete(id);
    const now = this.now();
    entry.hinted.delete(id);
    entry.hinted.set(id, now);
    for (const [job, at] of entry.hinted) {
      if (now - at <= this.graceMs && entry.hinted.size <= MAX_HINTED) break;
      entry.hinted.delete(job);
    }
  }

  /** The decoder rejected an event of it (a detail it could not read: an AWS field change, say). */
  rejected(subject: string, account: string, region: string): void {
    const entry = this.#entry(subject, account, region);
    entry.rejectedRun += 1;
    if (entry.rejectedRun >= REJECTIONS_OFF) this.#off(entry, 'REJECTED');
  }

  /**
   * A provider read of the job `id` found a change no event had shown: unless an event of the job
   * arrives within the grace period (it was late, not missed), coverage goes off then.
   */
  unannounced(subject: string, account: string, region: string, id: string): void {
    const entry = this.#entries.get(keyOf(subject, account, region));
    if (!entry?.live || entry.pending.has(id)) return;
    const hintedAt = entry.hinted.get(id);
    if (hintedAt !== undefined && this.now() - hintedAt <= this.graceMs) return;
    entry.pending.set(id, this.now() + this.graceMs);
    const grace = () => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        // Held: its event may be waiting in the queue; another grace period from now.
        if (entry.pending.has(id) && this.held()) return grace();
        if (entry.pending.delete(id)) this.#off(entry, 'MISSED');
      }, this.graceMs).unref();
      this.#timers.add(timer);
    };
    grace();
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

  /**
   * The evidence a restart kept (history/coverageEvidence.ts), before any event is applied: a place
   * that was live whose last event is within its silence bound (`silenceBound`) is live again, held
   * to that bound until an event of it is applied here; any other keeps only its usual gap. A row
   * that is not what this process would have written (an unknown reason, a time to come, a
   * negative gap) is skipped.
   */
  restore(evidence: readonly CoverageEvidence[]): void {
    const now = this.now();
    for (const e of evidence) {
      const reason = judged(e, now);
      if (reason === undefined) continue;
      const entry = this.#entry(e.provider, e.account, e.region);
      if (entry.lastEventAt !== null) continue;
      entry.gaps = gapsOf(e);
      entry.lastEventAt = e.lastEventAt;
      const fresh = e.lastEventAt !== null && now - e.lastEventAt <= silenceBound(usualGap(entry));
      if (e.live && reason === null && fresh) {
        entry.live = true;
        entry.restored = true;
      }
    }
    this.#holdToSilence();
    this.changed();
  }

  /**
   * The evidence the replicas sharing the store wrote, read again while they run (their events
   * reach this replica's watches through their channel): a place live by an event a peer applied
   * after all this replica knows of it (its own last event, its going off) is live here too, held
   * to its silence bound as kept evidence is, until an event of it is applied here; a place held
   * so goes off with a peer's reason once a peer says it went off since that event. A place live
   * by this replica's own events is measured by them alone.
   */
  shared(evidence: readonly CoverageEvidence[]): void {
    const now = this.now();
    for (const e of evidence) {
      const reason = judged(e, now);
      if (reason === undefined || e.lastEventAt === null) continue;
      const entry = this.#entry(e.provider, e.account, e.region);
      if (entry.live && !entry.restored) continue;
      const known = Math.max(entry.lastEventAt ?? -Infinity, entry.offAt ?? -Infinity);
      if (e.live && reason === null && e.lastEventAt > known) {
        const gaps = gapsOf(e);
        if (now - e.lastEventAt > silenceBound(Math.max(0, ...gaps))) continue;
        entry.gaps = gaps;
        entry.lastEventAt = e.lastEventAt;
        entry.restored = true;
        if (entry.live) continue;
        entry.live = true;
        this.changed();
      } else if (!e.live && entry.restored && e.lastEventAt >= (entry.lastEventAt ?? 0))
        this.#off(entry, reason ?? 'NO_EVENT');
    }
    this.#holdToSilence();
  }

  /**
   * Each place live by kept evidence whose silence has outlasted its bound goes back to polling
   * (SILENT), not while the queues are held. Run every SILENCE_CHECK_MS while there is one.
   */
  silenced(): void {
    if (this.held()) return;
    const now = this.now();
    for (const entry of this.#entries.values())
      if (entry.restored && now - (entry.lastEventAt ?? 0) > silenceBound(usualGap(entry)))
        this.#off(entry, 'SILENT');
    if (![...this.#entries.values()].some((e) => e.restored)) {
      clearInterval(this.#silence);
      this.#silence = undefined;
    }
  }

  /** The evidence of every place that changed since the last call (coverageEvidence.ts writes it). */
  evidence(): CoverageEvidence[] {
    const out: CoverageEvidence[] = [];
    for (const key of this.#dirty) {
      const entry = this.#entries.get(key);
      // The subject is stored in `provider`: `AWS_BATCH`, or `AWS_BATCH/serviceJob` for a further kind.
      const [provider, account, region] = key.split('\n') as [string, string, string];
      if (entry)
        out.push({
          provider,
          account,
          region,
          live: entry.live,
          reason: entry.live ? null : entry.reason,
          lastEventAt: entry.lastEventAt,
          usualGapMs: usualGap(entry),
        });
    }
    this.#dirty.clear();
    return out;
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    clearInterval(this.#silence);
    this.#silence = undefined;
  }

  #entry(subject: string, account: string, region: string): Entry {
    const key = keyOf(subject, account, region);
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = {
        key,
        live: false,
        reason: 'NO_EVENT',
        rejectedRun: 0,
        pending: new Map(),
        lastEventAt: null,
        gaps: [],
        restored: false,
        offAt: null,
        hinted: new Map(),
      };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  /** Start the silence check while a place is live by evidence alone. */
  #holdToSilence(): void {
    if ([...this.#entries.values()].some((e) => e.restored) && this.#silence === undefined) {
      this.#silence = setInterval(() => this.silenced(), SILENCE_CHECK_MS);
      this.#silence.unref();
    }
  }

  #off(entry: Entry, reason: CoverageReason): void {
    entry.pending.clear();
    entry.restored = false;
    if (!entry.live) return;
    entry.live = false;
    entry.offAt = this.now();
    entry.reason = reason;
    this.#dirty.add(entry.key);
    this.changed();
  }
}

/**
 * What a job's events would announce of its state `entry` (its status and the progress fields its
 * provider's events carry, `ProviderEvents.carries`): a read that changes this found a change no
 * event announced; one that changes only what events do not carry did not.
 */
function announcedOf(job: KindOfJob, entry: JobState): string {
  const carried = providerOf(job.provider).events?.carries ?? [];
  if (carried.length === 0)
    return JSON.stringify([entry.header.state, entry.header.providerStatus]);
  // The signature is [state, providerStatus, statusMessage, ...progress fields] (changeSignature).
  const fields = kindOf(job).progress.fields;
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
export function needsPolling(job: KindOfJob, fields: ReadonlySet<string>): boolean {
  const carried = providerOf(job.provider).events?.carries ?? [];
  return kindOf(job).progress.fields.some((f) => fields.has(f) && !carried.includes(f));
}

/**
 * A best-effort kind's reconciliation is this share of the configured one
 * (JOBGRAPH_EVENT_RECONCILE_SECONDS; 300 s by default, so 60 s): its provider may lose an event
 * and never send it again (`ProviderEvents.delivery`), and a watcher whose event was lost is stale
 * until the reconciliation reads the job. A share, not a constant or a variable of its own: an
 * operator who lengthens the reconciliation to spend fewer calls lengthens both (issue 105).
 */
const BEST_EFFORT_SHARE = 5;

/**
 * How often a watched job live by events is read anyway (ms), by its kind's event delivery: the
 * configured `reconcileMs` for a durable kind (AWS Batch's), a BEST_EFFORT_SHARE of it for a
 * best-effort kind's (HealthOmics', CodePipeline's), never less than a second.
 */
export function reconcileMsOf(job: KindOfJob, reconcileMs: number): number {
  if (providerOf(job.provider).events?.delivery !== 'best-effort') return reconcileMs;
  return Math.min(reconcileMs, Math.max(1000, Math.round(reconcileMs / BEST_EFFORT_SHARE)));
}

/**
 * The job-state store's subscriber that measures coverage by reads (app.ts subscribes it): each
 * provider read applied (a watch's poll or reconciliation, a describe, a listed row) of a job
 * already known in that run, with what its events would have announced before and after.
 */
export function readsMeasured(
  seen: (read: { record: JobRecord; before: string; after: string }) => void,
): StoreSubscriber {
  return (message) => {
    if (message.kind !== 'change') return;
    const { record, entry, previous, observation } = message;
    if (observation.origin !== 'read' && observation.origin !== 'list') return;
    if (!previous || (previous.run !== null && entry.run !== null && previous.run !== entry.run))
      return;
    seen({
      record,
      before: announcedOf(record, previous),
      after: announcedOf(record, entry),
    });
  };
}
