import type { JobProvider } from '../../model/job.ts';
import type { AnswerMemo } from './answerMemo.ts';

/**
 * The rate budget as the pipeline sees it (JOBGRAPH_UPSTREAM_RATE_LIMITS; `RateBudget` in
 * guard/rateBudget.ts implements it): every attempt of every upstream call asks it first.
 */
export interface RateGate {
  /**
   * One call to `provider` in `region` (`global` for a global service) for `caller`: null when the
   * provider has no budget (go at once), else a promise that resolves when the call may go, or
   * rejects with UPSTREAM_THROTTLED (retry hint in `retryAfterMs`) when it cannot within
   * `maxWaitMs`, or with the signal's reason when `signal` aborts first.
   */
  acquire(
    provider: JobProvider,
    region: string,
    caller: string,
    maxWaitMs: number,
    signal?: AbortSignal,
  ): Promise<void> | null;
}

/** What a guarded call tells the pipeline besides its abort signal. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Who the call is for (the token's subject), for its fair share of the rate budget; default ''. */
  caller?: string;
  /**
   * Whose credentials the call goes with (`ProviderWire.credentials`): an AWS alias, a COS UIN;
   * undefined: the default account's.
   */
  account?: string | undefined;
  /**
   * What is left of the job's time budget as the call starts, in ms (queueing in the guard
   * already spent): a wait for the rate budget ends in time for the call itself. Default: the
   * whole budget.
   */
  timeLeftMs?: number;
  /**
   * The call's last answer, for a call made again and again (a watched job's poll): an answer
   * the same as that one is its value again, without a parse (answerMemo.ts).
   */
  answer?: AnswerMemo;
  /**
   * A call for many jobs (a batch describe): each job's last answer, in the order of the call's
   * input (undefined for a job no watch polls); a job whose part of the answer is the same as
   * last time is its last value again (Operation.parseWith).
   */
  answers?: readonly (AnswerMemo | undefined)[];
}

/**
 * Longest wait for the rate budget when `timeLeftMs` is left of a job's budget: what is left but a
 * reserve for the call itself — a quarter of it, or one attempt's timeout when that is shorter —
 * so a call that gets its turn still has time to be made. Never below 0.
 */
export function rateWaitLimitMs(timeLeftMs: number, attemptTimeoutMs: number): number {
  return Math.max(0, timeLeftMs - Math.min(attemptTimeoutMs, timeLeftMs / 4));
}
