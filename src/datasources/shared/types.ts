import type { AnyKeyOf } from '../../model/keys.ts';
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
  fetchJob(key: AnyKeyOf<P>, options?: CallOptions): Promise<R>;
  /**
   * Present for a provider whose describe answers many jobs in one call (AWS Batch's
   * DescribeJobs): keys of one `group` (a region and account), at most `max` of them, go in one
   * call, and each gets its own outcome, in the keys' order — its record, or its own Error (a job
   * the answer leaves out is NOT_FOUND). A failure of the call itself rejects.
   */
  readonly batch?: {
    readonly max: number;
    /** Whether `key`'s job is described in the batch (a further kind's is not: `fetchJob`). */
    takes(key: AnyKeyOf<P>): boolean;
    group(key: AnyKeyOf<P>): string;
    fetchJobs(keys: readonly AnyKeyOf<P>[], options?: CallOptions): Promise<(R | Error)[]>;
  };
  /**
   * Act on a job (docs/actions.md): the provider's operation for `action` (its wire's `actions`),
   * signed for the key's account, through the pipeline and its rate budget; absent for a provider
   * that takes no action. Resolves with the provider's request ID; rejects as fetchJob does.
   */
  act?(
    action: JobActionName,
    key: AnyKeyOf<P>,
    reason: string,
    options?: CallOptions,
  ): Promise<ActedAnswer>;
  /**
   * The rerun of a finished job of `key`'s kind (docs/actions.md, "Rerun"); undefined for a kind
   * that has none.
   */
  rerunOf?(of: { kind?: string | undefined }): RerunSource<AnyKeyOf<P>> | undefined;
  /** Release sockets and timers. */
  close?(): void;
  /** Regional clients open now (bounded by DEFAULT_MAX_CLIENTS); absent for a global service. */
  clientCount?(): number;
}
