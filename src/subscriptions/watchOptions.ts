import type { PollLeases } from '../cache/pollLeases.ts';
import type { AnswerMemo } from '../datasources/shared/answerMemo.ts';
import type { JobStates } from '../datasources/state/jobStates.ts';
import type { BackgroundReads } from '../history/writerBound.ts';
import type { JobKey } from '../model/globalId.ts';
import type { JobRecord } from '../model/job.ts';
import type { Scheduler } from './scheduler.ts';
import type { WatchLister } from './watchLister.ts';

/**
 * What a watch tells its subscribers: the job (first, then each change), or its one
 * failure. A settled record from an event (`unconfirmed`) is not the end yet: a provider read
 * confirms it (`confirmed`, nothing more comes) or corrects it (the read's record follows).
 */
export type WatchEvent =
  | { kind: 'record'; record: JobRecord; unconfirmed?: true }
  | { kind: 'confirmed' }
  | { kind: 'error'; error: Error };
export type WatchListener = (event: WatchEvent) => void;

/**
 * Why a watched job is read (`jobgraph_watch_reads_total{reason}`): `first`, its watch's first
 * record; `confirm`, an event told it finished and a read confirms it; `reconcile`, live by events,
 * the rare read in case one was lost; `poll`, not live by events (or a subscriber selects what
 * they do not carry), its poll.
 */
export type ReadReason = 'first' | 'confirm' | 'reconcile' | 'poll';
export const READ_REASONS: readonly ReadReason[] = ['first', 'confirm', 'reconcile', 'poll'];

export interface WatchOptions {
  /**
   * Load one job (below the per-request loader: cache, in-flight coalescing, guarded fetch).
   * `answer`: the read schedule's memo of the job's last upstream answer: an unchanged answer is
   * the last record again, the very object, unparsed (shared/answerMemo.ts). `reason`: why it is
   * read.
   */
  fetch(key: JobKey, answer: AnswerMemo, reason: ReadReason): Promise<JobRecord>;
  /** First wait between polls, and the wait after a change (JOBGRAPH_WATCH_POLL_MS). */
  pollMs: number;
  /** Longest wait while nothing changes (JOBGRAPH_WATCH_MAX_POLL_MS). */
  maxPollMs: number;
  /** How long to wait while the provider's circuit is open (the breaker's half-open delay). */
  breakerPauseMs: number;
  scheduler: Scheduler;
  /** Jitter source, default Math.random. */
  random?: () => number;
  /**
   * Polls share wake-ups (pollSlots.ts): each wait, after its jitter, ends on the next multiple of
   * `ms` after `phase` (scheduler ms), one timer a slot; absent: each read schedule its own exact
   * timer.
   */
  slots?: { ms: number; phase: number };
  /** Watch many jobs of one source through its list call (watchLister.ts); absent: each job by its describe alone. */
  lister?: WatchLister;
  /**
   * Share the polls with the other replicas (JOBGRAPH_CACHE_URL): one lease per job, each poll's
   * result published to the others; absent: every read schedule polls for this process alone.
   */
  leases?: PollLeases;
  /**
   * Job events (docs/events.md): a job whose provider, account and region have a healthy event
   * source (`covered`) is polled at most every `reconcileMs` after its first poll (a fifth of it
   * for a kind of best-effort events, coverage.ts `reconcileMsOf`), those reads at most
   * `slotReads` an instant (default RECONCILE_SLOT_READS, reconcileGrid.ts).
   */
  events?: {
    covered(key: JobKey): boolean;
    reconcileMs: number;
    slotReads?: number;
    /** Told of each event another replica applied to a job watched here (coverage: it announces the change). */
    heard?: (record: JobRecord) => void;
  };
  /**
   * The process's job-state store: each read, the holder's shared reads and (through the leases'
   * channel, peerChannel.ts) the other replicas' events are offered to it; a watched job is pinned
   * in it, and what its watchers are told is what it tells of the job (its `change` and
   * `unchanged` messages), nothing else. It learns each record's secret values on the way in.
   */
  states: Pick<JobStates, 'offer' | 'now' | 'pin' | 'unpin' | 'subscribe'>;
  /**
   * Whether a poll that comes due waits a poll interval (the history writer is over its bound,
   * history/writerBound.ts); absent: none waits. A caller's own reads never ask.
   */
  background?: BackgroundReads;
}
