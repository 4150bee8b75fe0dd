/**
 * What a job's read schedule (jobReadSchedule.ts) is given by the registry that holds it
 * (watchRegistry.ts), and how a poll was made: apart, so neither file imports the other's class.
 */
import type { SharedPoll } from '../cache/pollLeases.ts';
import type { JobKey } from '../model/globalId.ts';
import type { ListWatchGroup } from './listWatchGroup.ts';
import type { PollTimers } from './pollSlots.ts';

/**
 * How a poll was made, for `jobgraph_watch_polls_total{role}`: `holder`, this replica's upstream
 * call holding the job's lease; `alone`, its call without the lease (no Redis, Redis down, or a
 * follower's own call: its first record, its secret-reading subscribers, the holder's failure);
 * `follower`, another replica's poll received instead of a call.
 */
export type PollRole = 'holder' | 'follower' | 'alone';

/** What the registry gives a job's read schedule: its own methods, shared by every schedule (no closures a job). */
export interface ScheduleHost<S> {
  /** `schedule` stopped: its job is watched here no more. */
  stopped(schedule: S): void;
  /** The list-watch group of `key`'s source (made on first use), or null. */
  group(key: JobKey): ListWatchGroup | null;
  polled(role: PollRole): void;
  /** Where its waits go (the registry's slots). */
  timers: PollTimers;
  /**
   * The wait from `now` to the reconciliation read due at `at`, of a job reconciled every
   * `reconcileMs` (reconcileGrid.ts).
   */
  reconcileAt(now: number, at: number, reconcileMs: number): number;
  /**
   * Hear what the job's holder shares (the poll leases' channel of `id`) until the returned
   * function is called; another replica's events are offered to the store by the channel itself
   * (peerChannel.ts), not passed here.
   */
  follow(id: string, listener: (poll: SharedPoll) => void): () => void;
}
