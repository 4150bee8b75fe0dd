import type { KeyOf } from '../../model/keys.ts';
import type { JobProvider, JobRecord } from '../../model/job.ts';
import type { JobActionName } from '../../config/types.ts';
import type { CallOptions } from './rateGate.ts';
import type { ActedAnswer } from './acting.ts';
import type { RerunSource } from './rerunning.ts';

/**
 * One provider's "describe a job" client: takes a key, returns the normalised record or
 * throws an `UpstreamError` (or an `InternalError` for its own bugs). Knows nothing of GraphQL, HTTP servers or emulators.
 */
export interface JobSource<P extends JobProvider = JobProvider, R extends JobRecord = JobRecord> {
  readonly provider: P;
  /**
   * Fetch one job. Throws an `UpstreamError` for the provider's failures (every answer, body and
   * transport failure goes through the error funnel, the operation's `readError` and `funnelError` in `createSource`), or an
   * `InternalError` for jobgraph's own (never retried, never counted against the provider).
   */
  fetchJob(key: KeyOf<P>, options?: CallOptions): Promise<R>;
  /**
   * Present for a provider whose describe answers many jobs in one call (AWS Batch's
   * DescribeJobs): keys of one `group` (a region and account), at most `max` of them, go in one
   * call, and each gets its own outcome, in the keys' order — its record, or its own Error (a job
   * the answer leaves out is NOT_FOUND). A failure of the call itself rejects.
   */
  readonly batch?: {
    readonly max: number;
    group(key: KeyOf<P>): string;
    fetchJobs(keys: readonly KeyOf<P>[], options?: CallOptions): Promise<(R | Error)[]>;
  };
  /**
   * Act on a job (docs/actions.md): the provider's operation for `action` (its wire's `actions`),
   * signed for the key's account, through the pipeline and its rate budget; absent for a provider
   * that takes no action. Resolves with the provider's request ID; rejects as fetchJob does.
   */
  act?(
    action: JobActionName,
    key: KeyOf<P>,
    reason: string,
    options?: CallOptions,
  ): Promise<ActedAnswer>;
  /** Rerun a finished job (docs/actions.md, "Rerun"); absent for a provider that has none. */
  readonly rerun?: RerunSource<KeyOf<P>>;
  /** Release sockets and timers. */
  close?(): void;
  /** Regional clients open now (bounded by DEFAULT_MAX_CLIENTS); absent for a global service. */
  clientCount?(): number;
}
