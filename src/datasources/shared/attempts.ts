import { UpstreamError } from '../../errors.ts';
import type { JobProvider } from '../../model/job.ts';

/** One upstream attempt as it starts: which provider, region and operation, and which attempt of the job (1 = first). */
export interface UpstreamAttemptInfo {
  provider: JobProvider;
  /** The region the call is signed for and sent to (Import/Export, a global service: us-east-1). */
  region: string;
  /** The provider operation, e.g. `GetJobDetails`, `DescribeJob`. */
  operation: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
}

/** How one attempt ended. */
export interface UpstreamAttemptResult {
  /** `ok`, or the public error code the attempt's failure maps to (`UPSTREAM_THROTTLED`, `NOT_FOUND`, …; `INTERNAL_SERVER_ERROR` for jobgraph's own). */
  outcome: string;
  /** The provider's own error code (`ThrottlingException`), when it sent one. */
  upstreamCode: string | null;
  /** The provider's request ID, when the answer carried one. */
  requestId: string | null;
  httpStatus: number | null;
}

/**
 * Told of every upstream attempt, retries included (src/observability implements it: metrics
 * and trace spans). `start` is called as the attempt begins, the function it returns once as it
 * ends. Datasources know only this interface, nothing of Prometheus or OpenTelemetry.
 */
export interface AttemptObserver {
  start(info: UpstreamAttemptInfo): (result: UpstreamAttemptResult) => void;
  /**
   * False when nothing the observer feeds keeps a success's request ID (metrics alone count
   * outcomes): the pipeline then does not look for it — a header scan per answer, and for
   * Import/Export without the header its body read — and tells `requestId: null`. Absent: read.
   */
  readonly readsRequestIds?: boolean;
}

/** The result of an attempt that failed with `err` (an UpstreamError or InternalError, as every failure leaving a client is). */
export function failedAttempt(err: unknown): UpstreamAttemptResult {
  if (err instanceof UpstreamError) {
    return {
      outcome: err.code,
      upstreamCode: err.upstreamCode,
      requestId: err.upstreamRequestId,
      httpStatus: err.httpStatus,
    };
  }
  return {
    outcome: 'INTERNAL_SERVER_ERROR',
    upstreamCode: null,
    requestId: null,
    httpStatus: null,
  };
}

/** The result of an attempt that succeeded. */
export function okAttempt(
  requestId: string | null | undefined,
  httpStatus: number | null | undefined,
): UpstreamAttemptResult {
  return {
    outcome: 'ok',
    upstreamCode: null,
    requestId: requestId ?? null,
    httpStatus: httpStatus ?? null,
  };
}
