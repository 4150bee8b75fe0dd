// The waits of a job's poller (jobReadSchedule.ts): how they grow, spread, fall on shared instants, and
// how long a lease and a holder's silence last, in the holder's waits.

/**
 * Reconciliation reads of jobs live by events fall on multiples of this (ms), so that the reads
 * due within it share a provider's batch describe (AWS Batch: 100 jobs a DescribeJobs call): at
 * the reconcile interval's ±10 % jitter, 10,000 jobs watched together are re-read in about 100
 * calls (bench/EVENTS.md), where whole seconds made it one call per second and account.
 */
export const RECONCILE_SLOT_MS = 10_000;

/** A reconciliation interval is cut into at most this many slots (`reconcileSlotMs`). */
export const RECONCILE_SLOTS = 5;

/**
 * The grid reconciliation reads fall on for a reconciliation interval of `reconcileMs`: a fifth of
 * it, at least RECONCILE_SLOT_MS. A place whose few watched jobs were watched at different moments
 * then has its reads of an interval in at most RECONCILE_SLOTS instants, each one DescribeJobs for
 * all of them (14 jobs at 300 s: 2.3 calls a minute on whole 10 s, at most 1 on whole minutes:
 * test/subscriptions/reconcileReads.test.ts); each read is at most a fifth of the interval later.
 */
export const reconcileSlotMs = (reconcileMs: number) =>
  Math.max(RECONCILE_SLOT_MS, Math.floor(reconcileMs / RECONCILE_SLOTS));

/** The next multiple of `grid` at or after `at`, as a wait from `now`. */
export const onGrid = (now: number, at: number, grid: number) => Math.ceil(at / grid) * grid - now;

/** Growth of the wait while nothing changes. */
export const BACKOFF_FACTOR = 1.5;
/** ± this fraction of each wait, so pollers started together drift apart. */
export const JITTER = 0.1;
/**
 * A job's lease lasts this many of its holder's waits, renewed at each poll (when it starts, for
 * the poll's call; when it ends, for the wait to the next one): the holder keeps it while it polls,
 * and a dead holder's lease lapses within 1.5 waits of its last renewal.
 */
export const LEASE_TTL_FACTOR = 1.5;
/**
 * A follower that has heard nothing for this many of the holder's announced waits asks for the
 * lease: a live holder has renewed it (the follower asks again when it would lapse, unless the
 * holder's word comes first); a dead one's lapses 1.5 waits after its last poll, and the follower
 * takes it then. So a dead replica's jobs are polled again about 1.5 waits after its last poll.
 */
export const TAKEOVER_FACTOR = 1.25;
/**
 * A follower that has heard nothing from a holder that keeps its lease for this many waits listens
 * again (a new subscription) and polls once itself, and so on while the silence lasts: pub/sub
 * delivers at most once, and a subscription lost without a sign must not leave subscribers without
 * news of a job that a live replica polls.
 */
export const SILENCE_FACTOR = 4;
