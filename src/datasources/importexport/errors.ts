import { UpstreamError } from '../../errors.ts';
import type { ImportExportKey } from '../../model/keys.ts';
import {
  classifyUpstreamError,
  parseRetryAfter,
  sanitizeAwsErrorCode,
} from '../shared/classify.ts';
import { headerValue, type HttpResult } from '../shared/http.ts';
import { parseErrorResponse } from './parse.ts';

const PROVIDER = 'AWS_IMPORT_EXPORT' as const;

/** "The JOBID was missing, not found, or not associated with the AWS account." (HTTP 400) */
const IMPORTEXPORT_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['InvalidJobIdException']);

/**
 * Codes that name a job which did exist but that GetStatus no longer describes. They are
 * NOT_FOUND too, with their own message: the caller asked for a job and the provider has no
 * job data to give, no retry or other credentials will change that, and it is neither an
 * access problem nor a bad response. Inventing a record (state CANCELLED or FAILED) would
 * show fields the service never sent. `upstreamCode` keeps the two apart for a client that cares.
 */
const IMPORTEXPORT_GONE_CODES: Readonly<Record<string, string>> = Object.freeze({
  ExpiredJobIdException: 'has expired and is no longer available',
  CanceledJobIdException: 'was cancelled and is no longer available',
});

/** Query-protocol server faults that are worth another attempt whatever the HTTP status says. */
const IMPORTEXPORT_TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
]);

/** How a job is named in generated messages. */
function jobSubject(key: ImportExportKey): string {
  return `AWS Import/Export job ${JSON.stringify(key.jobId)}`;
}

/** The request id from the headers (`x-amzn-RequestId`, or `x-amz-request-id`). */
export function headerRequestId(res: HttpResult): string | null {
  return (
    headerValue(res.headers, 'x-amzn-requestid') ?? headerValue(res.headers, 'x-amz-request-id')
  );
}

/**
 * Map a non-2xx GetStatus answer to an UpstreamError, by the envelope's `Error/Code` first
 * and the HTTP status second. The message is generated here; the upstream's Message, the URL
 * and the body never reach it.
 */
export function toUpstreamError(key: ImportExportKey, res: HttpResult): UpstreamError {
  const wire = readEnvelope(res);
  const { upstreamCode } = wire;
  const gone =
    upstreamCode !== null &&
    Object.prototype.hasOwnProperty.call(IMPORTEXPORT_GONE_CODES, upstreamCode)
      ? IMPORTEXPORT_GONE_CODES[upstreamCode]
      : undefined;
  if (gone !== undefined) {
    return new UpstreamError({
      provider: PROVIDER,
      code: 'NOT_FOUND',
      message: `${jobSubject(key)} ${gone}.`,
      upstreamCode,
      upstreamRequestId: wire.upstreamRequestId,
      httpStatus: res.status,
      retryable: false,
      cause: res,
    });
  }
  return classify(jobSubject(key), res, wire);
}

/** Map a non-2xx ListJobs answer to an UpstreamError, as GetStatus answers are (no job is named). */
export function listUpstreamError(res: HttpResult): UpstreamError {
  return classify('the AWS Import/Export job list', res, readEnvelope(res));
}

/** The code and request id of an error answer: the envelope's, the request id else from the headers. */
function readEnvelope(res: HttpResult): {
  upstreamCode: string | null;
  upstreamRequestId: string | null;
} {
  const wire = parseErrorResponse(res.body);
  return {
    upstreamCode: sanitizeAwsErrorCode(wire?.code),
    upstreamRequestId: wire?.requestId?.trim() || headerRequestId(res),
  };
}

function classify(
  subject: string,
  res: HttpResult,
  wire: { upstreamCode: string | null; upstreamRequestId: string | null },
): UpstreamError {
  return classifyUpstreamError({
    provider: PROVIDER,
    subject,
    httpStatus: res.status,
    upstreamCode: wire.upstreamCode,
    upstreamRequestId: wire.upstreamRequestId,
    retryAfterSeconds: parseRetryAfter(res.headers['retry-after']),
    notFoundCodes: IMPORTEXPORT_NOT_FOUND_CODES,
    transientCodes: IMPORTEXPORT_TRANSIENT_CODES,
    cause: res,
  });
}
