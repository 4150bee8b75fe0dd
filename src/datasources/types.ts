import type { JobKey, KeyOf } from '../globalId.ts';
import type { JobProvider, JobRecord } from '../model.ts';

/**
 * One provider's "describe a job" client: takes a key, returns the normalised record or
 * throws an `UpstreamError`. Knows nothing of GraphQL, HTTP servers or emulators.
 */
export interface JobSource<P extends JobProvider = JobProvider, R extends JobRecord = JobRecord> {
  readonly provider: P;
  /** Fetch one job. Must throw `UpstreamError` (or `MalformedBodyError`-derived UpstreamError) on failure. */
  fetchJob(key: KeyOf<P>, options?: { signal?: AbortSignal }): Promise<R>;
  /** Release sockets and timers. */
  close?(): void;
  /** Regional clients open now (bounded by JOBGRAPH_MAX_CLIENTS_PER_PROVIDER); absent for a global service. */
  clientCount?(): number;
}

export type AnyJobSource = JobSource<JobProvider, JobRecord>;
export type { JobKey };
