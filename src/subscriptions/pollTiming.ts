// The waits of a job's read schedule (jobReadSchedule.ts): how they grow, spread, fall on shared
// instants, and how long a lease and a holder's silence last, in the holder's waits.

/** The next multiple of `grid` at or after `at`, as a wait from `now`. */
export const onGrid = (now: number, at: number, grid: number) => Math.ceil(at / grid) * grid - now;

/** Growth of the wait while nothing changes. */
export const BACKOFF_FACTOR = 1.5;
/** ± this fraction of each wait, so read schedules started together drift apart. */
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
