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

/**
 * Run one attempt of a hand-made client under `observer` (when there is one): `run` gets a
 * function to report the request ID of a successful answer; a failure is reported from what it throws.
 */
export async function observeAttempt<T>(
  observer: AttemptObserver | undefined,
  info: UpstreamAttemptInfo,
  run: (noteSuccess: (requestId: string | null, httpStatus: number | null) => void) => Promise<T>,
): Promise<T> {
  if (!observer) return run(() => {});
  const end = observer.start(info);
  // Made once, as the answer is read (a result without its request ID only when nobody noted one).
  let success: UpstreamAttemptResult | undefined;
  try {
    const value = await run((requestId, httpStatus) => {
      success = okAttempt(requestId, httpStatus);
    });
    end(success ?? okAttempt(null, null));
    return value;
  } catch (err) {
    end(failedAttempt(err));
    throw err;
  }
}
