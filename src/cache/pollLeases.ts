import type { JobRecord } from '../model/job.ts';

/**
 * What the replica that polls a watched job tells the others after each poll (through Redis
 * pub/sub), and what a new watcher reads of the last one:
 * - `record`: the poll's record, secret-free — `stripped` says its sensitive fields were taken
 *   out (a replica whose subscribers may read secrets then fetches the job itself);
 * - `wait`: the poll failed for a while (throttled, unavailable): nothing new, the holder polls
 *   again after `wait`;
 * - `fetch`: poll it yourself, once (the holder's poll failed for good, so each replica gets the
 *   error with its own call; or its record could not be shared);
 * - `released`: the holder stopped watching the job and gave its lease back: take it now.
 *
 * `interval` is the holder's wait between polls now (its backoff, without jitter), `wait` the
 * jittered wait until its next poll, both in ms; `from` the holder's replica ID.
 */
export type SharedPoll =
  | {
      kind: 'record';
      from: string;
      record: JobRecord;
      stripped: boolean;
      interval: number;
      wait: number;
    }
  | { kind: 'wait'; from: string; interval: number; wait: number }
  | { kind: 'fetch'; from: string }
  | { kind: 'released'; from: string }
  /** A job event another replica consumed and applied: its record (secret-free, `stripped`), and the event's time. */
  | { kind: 'event'; from: string; record: JobRecord; stripped: boolean; time: number }
  /** A job event that says the job changed without its record: the replica that polls it reads it now. */
  | { kind: 'hint'; from: string };

/** What the holder hands to {@link PollLeases.share}: its full record (the store takes the secrets out), or news without one. */
export type PollResult =
  | { kind: 'record'; record: JobRecord; interval: number; wait: number }
  | { kind: 'wait'; interval: number; wait: number }
  | { kind: 'fetch' };

/** The answer of {@link PollLeases.claim}. */
export type LeaseClaim =
  /** This replica holds the job's lease (taken, or renewed): it polls. */
  | { kind: 'held' }
  /** Another replica holds it for `retryInMs` more; `last` is what it shared last, when asked for and kept. */
  | { kind: 'other'; retryInMs: number; last?: SharedPoll }
  /** The store did not answer (down, slow): poll alone. */
  | { kind: 'unavailable' };

/**
 * One read schedule per watched job across replicas (src/cache/redisPollLeases.ts): a lease per job
 * taken by the replica that polls it, renewed at each of its polls, and each poll's result
 * published to the replicas that watch the job too. Every method is bounded by the cache op
 * timeout and never rejects: a store that fails answers `unavailable` (and `available()` turns
 * false until it answers again), and each replica then polls its jobs itself.
 */
export interface PollLeases {
  /** This process's ID, the value of the leases it holds. */
  readonly replicaId: string;
  /** Whether the store answers now (false: every read schedule polls alone, no call is tried). */
  available(): boolean;
  /**
   * Take the job's lease for `ttlMs` (SET NX PX), or renew it if it is already ours. With `last`,
   * another holder's answer carries its last shared poll (a new watcher's first event).
   */
  claim(globalId: string, ttlMs: number, last?: boolean): Promise<LeaseClaim>;
  /**
   * The holder's poll: renew the lease for `ttlMs` if it is still ours (or free), keep `result` as
   * the job's last poll for as long, and publish it. `lost`: another replica holds the lease now.
   */
  share(
    globalId: string,
    ttlMs: number,
    result: PollResult,
  ): Promise<'held' | 'lost' | 'unavailable'>;
  /**
   * Whether this replica holds the job's lease as far as it knows (its last claim or share took
   * or renewed it): its poll needs no other cross-process coordination (the job cache's fetch lease).
   */
  holds(globalId: string): boolean;
  /** Give the lease back if it is still ours, and tell the followers to take it (fire and forget). */
  release(globalId: string): void;
  /**
   * A job event this replica consumed, to every replica watching the job (whoever holds its
   * lease): the record without its secrets (a `hint` when it cannot be shared), or a hint. Resolves
   * once published (or the store failed: `false`).
   */
  announce?(globalId: string, news: { record: JobRecord; time: number } | 'hint'): Promise<boolean>;
  /** Receive what the job's holder shares until the returned function is called. */
  follow(globalId: string, listener: (poll: SharedPoll) => void): () => void;
  /** Told when the store stops answering (false) and answers again (true). */
  onAvailability(listener: (available: boolean) => void): () => void;
  /** Wait for the releases sent (bounded by the op timeout), then close the connections. */
  close(): Promise<void>;
}
