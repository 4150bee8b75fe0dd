import { describe, expect, it } from 'vitest';
import {
  classifyUpstreamError,
  credentialsNotFound,
  isNetworkError,
  parseRetryAfter,
  sanitizeAwsErrorCode,
  transportError,
  type UpstreamFailure,
} from '../../../src/datasources/shared/classify.ts';

const failure = (f: Partial<UpstreamFailure>): UpstreamFailure => ({
  provider: 'AWS_CODEPIPELINE',
  subject: 'CodePipeline job "j" in us-east-1',
  httpStatus: 400,
  upstreamCode: null,
  upstreamRequestId: null,
  notFoundCodes: new Set(['JobNotFoundException']),
  ...f,
});

describe('classifyUpstreamError', () => {
  it('reads the code before the status', () => {
    expect(classifyUpstreamError(failure({ upstreamCode: 'JobNotFoundException' }))).toMatchObject({
      code: 'NOT_FOUND',
      message: 'CodePipeline job "j" in us-east-1 was not found.',
    });
    expect(classifyUpstreamError(failure({ upstreamCode: 'ThrottlingException' }))).toMatchObject({
      code: 'UPSTREAM_THROTTLED',
      retryable: true,
      throttling: true,
    });
    expect(classifyUpstreamError(failure({ upstreamCode: 'AccessDeniedException' }))).toMatchObject(
      { code: 'UPSTREAM_ACCESS_DENIED', retryable: false },
    );
    expect(
      classifyUpstreamError(failure({ httpStatus: 503, upstreamCode: 'SlowDown' })),
    ).toMatchObject({ code: 'UPSTREAM_THROTTLED' });
  });

  it('falls back to the status: 429 throttled, 401/403 denied, 5xx unavailable, 404 not found, the rest a bad response', () => {
    expect(classifyUpstreamError(failure({ httpStatus: 429 })).code).toBe('UPSTREAM_THROTTLED');
    expect(classifyUpstreamError(failure({ httpStatus: 403 })).code).toBe('UPSTREAM_ACCESS_DENIED');
    expect(classifyUpstreamError(failure({ httpStatus: 502 }))).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: true,
      message: 'AWS CodePipeline is unavailable (HTTP 502).',
    });
    expect(classifyUpstreamError(failure({ httpStatus: 404 })).code).toBe('NOT_FOUND');
    expect(
      classifyUpstreamError(failure({ httpStatus: 400, upstreamCode: 'ValidationException' })),
    ).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      retryable: false,
    });
  });

  it("honours a provider's own lists: not throttling, transient", () => {
    expect(
      classifyUpstreamError(
        failure({
          upstreamCode: 'LimitExceededException',
          notThrottleCodes: new Set(['LimitExceededException']),
        }),
      ).code,
    ).toBe('UPSTREAM_BAD_RESPONSE');
    expect(
      classifyUpstreamError(
        failure({
          httpStatus: 408,
          upstreamCode: 'RequestTimeoutException',
          transientCodes: new Set(['RequestTimeoutException']),
        }),
      ),
    ).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      message: 'AWS CodePipeline is unavailable (RequestTimeoutException).',
    });
  });

  it('keeps Retry-After and the request id', () => {
    expect(
      classifyUpstreamError(
        failure({ httpStatus: 503, retryAfterSeconds: 7, upstreamRequestId: 'req-1' }),
      ),
    ).toMatchObject({
      retryAfterSeconds: 7,
      upstreamRequestId: 'req-1',
    });
  });
});

describe('classify helpers', () => {
  it('sanitises AWS error codes as smithy does', () => {
    expect(sanitizeAwsErrorCode('aws.protocoltests#JobNotFoundException:http://internal/')).toBe(
      'JobNotFoundException',
    );
    expect(sanitizeAwsErrorCode('  ')).toBeNull();
    expect(sanitizeAwsErrorCode(undefined)).toBeNull();
  });

  it('reads Retry-After in seconds only', () => {
    expect(parseRetryAfter('12')).toBe(12);
    expect(parseRetryAfter(['3', '9'])).toBe(3);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBeNull();
    expect(parseRetryAfter('-1')).toBeNull();
  });

  it('tells network failures from anything else', () => {
    expect(isNetworkError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isNetworkError(Object.assign(new Error('x'), { code: 'HPE_INVALID_CONSTANT' }))).toBe(
      true,
    );
    expect(isNetworkError(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe(true);
    expect(isNetworkError(new TypeError('bug'))).toBe(false);
    expect(isNetworkError(null)).toBe(false);
  });

  it('names a timeout and an unreachable host in transport errors', () => {
    expect(
      transportError('AWS_OMICS', Object.assign(new Error('x'), { name: 'TimeoutError' })).message,
    ).toBe('AWS HealthOmics timed out.');
    expect(
      transportError('AWS_OMICS', Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).message,
    ).toBe('AWS HealthOmics is unreachable (ECONNREFUSED).');
  });

  it('answers PROVIDER_NOT_CONFIGURED only for a credential chain that found nothing', () => {
    expect(
      credentialsNotFound(
        'AWS_IMPORT_EXPORT',
        Object.assign(new Error('x'), { name: 'CredentialsProviderError' }),
      ),
    ).toMatchObject({
      code: 'PROVIDER_NOT_CONFIGURED',
      message: 'AWS Import/Export has no credentials configured in this jobgraph.',
      retryable: false,
    });
    expect(credentialsNotFound('AWS_IMPORT_EXPORT', new Error('IMDS down'))).toBeNull();
  });
});
