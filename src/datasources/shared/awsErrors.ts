import type { UpstreamError } from '../../errors.ts';
import type { JobProvider } from '../../model/job.ts';
import {
  classifyUpstreamError,
  parseRetryAfter,
  sanitizeAwsErrorCode,
  type UpstreamFailure,
} from './classify.ts';
import { headerValue, type HttpResult } from './http.ts';

/**
 * A non-2xx answer of an AWS JSON service (rest-json, awsJson1_1), as the wire gave it: status,
 * error code (header `x-amzn-ErrorType` first, then the body's `code` in any case, then `__type`, the AWS
 * SDK's order, sanitised), request id and Retry-After. Not an Error: an expected answer needs
 * no stack. It is the `cause` kept on the UpstreamError it maps to (non-enumerable).
 */
export class AwsErrorAnswer {
  readonly status: number;
  readonly code: string | null;
  readonly requestId: string | null;
  readonly retryAfterSeconds: number | null;
  readonly headers: HttpResult['headers'];

  constructor(res: HttpResult) {
    this.status = res.status;
    this.headers = res.headers;
    this.requestId = awsRequestId(res.headers);
    this.retryAfterSeconds = parseRetryAfter(headerValue(res.headers, 'retry-after'));
    this.code = sanitizeAwsErrorCode(
      headerValue(res.headers, 'x-amzn-errortype') ?? bodyCode(res.body),
    );
  }
}

/** `code` or `__type` of a JSON error body; null when the body is not a JSON object (an HTML page from a proxy). */
function bodyCode(body: string): string | null {
  if (body === '' || body.charCodeAt(0) !== 0x7b /* { */) return null;
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return null;
  }
  if (data === null || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  const codeKey = Object.keys(d).find((k) => k.toLowerCase() === 'code');
  const code = codeKey !== undefined && d[codeKey] !== undefined ? d[codeKey] : d.__type;
  return typeof code === 'string' ? code : null;
}

/** The request id as the AWS SDK reads it: `x-amzn-RequestId`, else `x-amzn-request-id`, else `x-amz-request-id`. */
export function awsRequestId(headers: HttpResult['headers']): string | null {
  return (
    headerValue(headers, 'x-amzn-requestid') ??
    headerValue(headers, 'x-amzn-request-id') ??
    headerValue(headers, 'x-amz-request-id')
  );
}

/** How one AWS provider reads error codes: which mean "no such job", which are not throttling, which are transient. */
export type AwsErrorRules = Pick<
  UpstreamFailure,
  'subject' | 'notFoundCodes' | 'notThrottleCodes' | 'transientCodes'
>;

/**
 * The failure an AWS error answer means, classified by its code first and its HTTP status
 * second; an answer without a readable code (a proxy's HTML 502, an empty 404) by status alone.
 */
export function readAwsError(
  provider: JobProvider,
  answer: HttpResult,
  rules: AwsErrorRules,
): UpstreamError {
  const read = new AwsErrorAnswer(answer);
  return classifyUpstreamError({
    provider,
    ...rules,
    httpStatus: read.status,
    upstreamCode: read.code,
    upstreamRequestId: read.requestId,
    retryAfterSeconds: read.retryAfterSeconds,
    cause: read,
  });
}
