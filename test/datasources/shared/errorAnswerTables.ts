// The golden error answers of each provider (test/fixtures/<provider>/) and what each must become,
// one table per provider, for errorAnswers.test.ts.
import { codePipeline } from '../../../src/datasources/codepipeline/index.ts';
import { cosBatch } from '../../../src/datasources/cosbatch/index.ts';
import { omics } from '../../../src/datasources/omics/index.ts';
import { panorama } from '../../../src/datasources/panorama/index.ts';
import type { AwsSourceOptions } from '../../../src/datasources/shared/options.ts';
import { createSource, type ProviderWire } from '../../../src/datasources/shared/source.ts';
import type { UpstreamError } from '../../../src/errors.ts';
import type { JobKey } from '../../../src/model/globalId.ts';
import type { JobProvider, JobRecord } from '../../../src/model/job.ts';
import {
  sdkFixtureHandler,
  type FixtureProvider,
  type WireFixture,
} from '../../support/fixtures.ts';
import { TEST_AWS_CREDENTIALS, TEST_COS_CREDENTIALS } from '../../support/credentials.ts';

/** The facts of the error an answer must become (each one asserted when given). */
type Expected = Partial<
  Pick<
    UpstreamError,
    | 'code'
    | 'upstreamCode'
    | 'upstreamRequestId'
    | 'httpStatus'
    | 'retryable'
    | 'throttling'
    | 'retryAfterSeconds'
  >
>;

interface ErrorAnswer {
  /** The fixture's name under test/fixtures/<provider>/. */
  fixture: string;
  /** What the answer is, as the test names it. */
  is: string;
  /** The native job ID asked for, when not the table's default. */
  jobId?: string;
  expected: Expected;
  /** The whole message. */
  message?: string;
  /** Words the message must hold, and words it must not. */
  says?: string[];
  omits?: string[];
}

interface ProviderAnswers {
  name: string;
  provider: JobProvider;
  dir: FixtureProvider;
  /**
   * Its source, answered `fixture`: as the AWS SDK's clients are tested, through an SDK-style
   * request handler at the provider's own endpoint (AWS); over real HTTP from the fixture server at
   * `endpoint`, which answers it (COS).
   */
  source(
    fixture: WireFixture,
    endpoint: string,
  ): { fetchJob(key: JobKey): Promise<JobRecord>; close?(): void };
  key(jobId: string): JobKey;
  /** The job asked for when a row names none. */
  jobId: string;
  /** The credential secret, which no error may show. */
  secret: string;
  answers: ErrorAnswer[];
}

const transport = { timeoutMs: 2000, maxAttempts: 1, maxSockets: 2 };

/** An AWS provider's source answered through an SDK-style request handler, as the SDK's clients are tested. */
function viaSdkHandler<K extends JobKey, R extends JobRecord>(provider: {
  name: K['provider'];
  setup: { wire(options: AwsSourceOptions): ProviderWire<K, R, unknown> };
}) {
  return (fixture: WireFixture) =>
    createSource(
      provider,
      { ...transport, credentials: TEST_AWS_CREDENTIALS },
      { requestHandler: sdkFixtureHandler(fixture) },
    );
}

export const PROVIDERS: ProviderAnswers[] = [
  {
    name: 'Panorama',
    provider: 'AWS_PANORAMA',
    dir: 'panorama',
    source: viaSdkHandler(panorama),
    key: (jobId) => ({ provider: 'AWS_PANORAMA', region: 'us-east-1', jobId }),
    jobId: 'pkgimport-5f3a9c1e7b2d4086',
    secret: TEST_AWS_CREDENTIALS.secretAccessKey,
    answers: [
      {
        fixture: 'not-found',
        is: 'ResourceNotFoundException, the URL cut from x-amzn-ErrorType',
        expected: {
          code: 'NOT_FOUND',
          upstreamCode: 'ResourceNotFoundException',
          upstreamRequestId: '4c8e1f3a-2b6d-4e9f-a1c3-5d7e9f1b3c07',
          httpStatus: 404,
          retryable: false,
        },
        message:
          'Panorama package import job "pkgimport-5f3a9c1e7b2d4086" in us-east-1 was not found.',
      },
      {
        fixture: 'throttled',
        is: 'the unmodeled 429 TooManyRequestsException',
        expected: {
          code: 'UPSTREAM_THROTTLED',
          upstreamCode: 'TooManyRequestsException',
          upstreamRequestId: '4c8e1f3a-2b6d-4e9f-a1c3-5d7e9f1b3c08',
          retryable: true,
        },
      },
      {
        fixture: 'server-error',
        is: 'InternalServerException, its Retry-After kept',
        expected: {
          code: 'UPSTREAM_UNAVAILABLE',
          upstreamCode: 'InternalServerException',
          upstreamRequestId: '4c8e1f3a-2b6d-4e9f-a1c3-5d7e9f1b3c09',
          retryAfterSeconds: 3,
          retryable: true,
        },
      },
      {
        fixture: 'malformed',
        is: 'a truncated 200 body',
        expected: {
          code: 'UPSTREAM_BAD_RESPONSE',
          upstreamRequestId: '4c8e1f3a-2b6d-4e9f-a1c3-5d7e9f1b3c10',
          retryable: false,
        },
      },
      {
        fixture: 'wrong-member-type',
        is: 'a member of the wrong type, named',
        jobId: 'pkgimport-2a4c6e8f0b1d3579',
        expected: {
          code: 'UPSTREAM_BAD_RESPONSE',
          upstreamRequestId: '4c8e1f3a-2b6d-4e9f-a1c3-5d7e9f1b3c14',
        },
        says: ['JobTags is not a list'],
      },
      {
        fixture: 'access-denied',
        is: 'AccessDeniedException',
        expected: {
          code: 'UPSTREAM_ACCESS_DENIED',
          upstreamCode: 'AccessDeniedException',
          upstreamRequestId: '4c8e1f3a-2b6d-4e9f-a1c3-5d7e9f1b3c11',
        },
        omits: ['arn:aws'],
      },
      {
        fixture: 'invalid-signature',
        is: 'InvalidSignatureException with a lower-case message member',
        expected: {
          code: 'UPSTREAM_ACCESS_DENIED',
          upstreamCode: 'InvalidSignatureException',
          upstreamRequestId: '4c8e1f3a-2b6d-4e9f-a1c3-5d7e9f1b3c12',
        },
      },
      {
        fixture: 'validation-error',
        is: 'a ValidationException, its message not echoed',
        expected: {
          code: 'UPSTREAM_BAD_RESPONSE',
          upstreamCode: 'ValidationException',
          upstreamRequestId: '4c8e1f3a-2b6d-4e9f-a1c3-5d7e9f1b3c13',
        },
        omits: ['validation error detected'],
      },
      {
        fixture: 'decommissioned-404',
        is: 'a bare 404 without an AWS error code: the endpoint decommissioned, not a missing job',
        expected: {
          code: 'UPSTREAM_UNAVAILABLE',
          upstreamCode: null,
          upstreamRequestId: null,
          httpStatus: 404,
          retryable: false,
        },
        says: ['no longer serves the Panorama API', '2026-05-31'],
      },
      {
        fixture: 'bad-gateway',
        is: 'an HTML 502, the SDK parse error not taken for an upstream code',
        expected: { code: 'UPSTREAM_UNAVAILABLE', upstreamCode: null, httpStatus: 502 },
        message: 'AWS Panorama is unavailable (HTTP 502).',
      },
    ],
  },
  {
    name: 'HealthOmics',
    provider: 'AWS_OMICS',
    dir: 'omics',
    source: viaSdkHandler(omics),
    key: (id) => ({
      provider: 'AWS_OMICS',
      region: 'us-east-1',
      referenceStoreId: '5038720581',
      id,
    }),
    jobId: '8110394857',
    secret: TEST_AWS_CREDENTIALS.secretAccessKey,
    answers: [
      {
        fixture: 'not-found',
        is: '404 ResourceNotFoundException with a trailing URL in x-amzn-ErrorType',
        expected: {
          code: 'NOT_FOUND',
          upstreamCode: 'ResourceNotFoundException',
          upstreamRequestId: 'a3c1f7e2-5b8d-4e0a-9f61-2d4c8b7e1a05',
          httpStatus: 404,
          retryable: false,
        },
        message:
          'HealthOmics reference import job "8110394857" in reference store "5038720581" (us-east-1) was not found.',
      },
      {
        fixture: 'error-code-in-body',
        is: 'an error code in the body __type, x-amzn-ErrorType absent',
        expected: {
          code: 'NOT_FOUND',
          upstreamCode: 'ResourceNotFoundException',
          upstreamRequestId: 'a3c1f7e2-5b8d-4e0a-9f61-2d4c8b7e1a0b',
        },
      },
      {
        fixture: 'throttled',
        is: '429 ThrottlingException',
        expected: {
          code: 'UPSTREAM_THROTTLED',
          upstreamCode: 'ThrottlingException',
          upstreamRequestId: 'a3c1f7e2-5b8d-4e0a-9f61-2d4c8b7e1a06',
          retryable: true,
        },
      },
      {
        fixture: 'server-error',
        is: '500 InternalServerException',
        expected: {
          code: 'UPSTREAM_UNAVAILABLE',
          upstreamCode: 'InternalServerException',
          upstreamRequestId: 'a3c1f7e2-5b8d-4e0a-9f61-2d4c8b7e1a07',
          retryable: true,
        },
      },
      {
        fixture: 'request-timeout',
        is: '408 RequestTimeoutException',
        expected: {
          code: 'UPSTREAM_UNAVAILABLE',
          upstreamCode: 'RequestTimeoutException',
          upstreamRequestId: 'a3c1f7e2-5b8d-4e0a-9f61-2d4c8b7e1a09',
          retryable: true,
        },
      },
      {
        fixture: 'access-denied',
        is: '403 UnrecognizedClientException',
        expected: {
          code: 'UPSTREAM_ACCESS_DENIED',
          upstreamCode: 'UnrecognizedClientException',
          upstreamRequestId: 'a3c1f7e2-5b8d-4e0a-9f61-2d4c8b7e1a0a',
          retryable: false,
        },
      },
      {
        fixture: 'bad-gateway-html',
        is: 'a proxy HTML 502, no upstream code invented',
        expected: {
          code: 'UPSTREAM_UNAVAILABLE',
          upstreamCode: null,
          upstreamRequestId: null,
          httpStatus: 502,
        },
        omits: ['html'],
      },
      {
        fixture: 'malformed',
        is: 'a truncated 200 body, its request ID kept',
        expected: {
          code: 'UPSTREAM_BAD_RESPONSE',
          upstreamCode: null,
          upstreamRequestId: 'a3c1f7e2-5b8d-4e0a-9f61-2d4c8b7e1a08',
          retryable: false,
        },
      },
      {
        fixture: 'wrong-type',
        is: 'an epoch-number creationTime (the model says ISO-8601)',
        jobId: '8110394864',
        expected: {
          code: 'UPSTREAM_BAD_RESPONSE',
          upstreamRequestId: 'a3c1f7e2-5b8d-4e0a-9f61-2d4c8b7e1a0c',
        },
      },
      {
        fixture: 'sources-not-a-list',
        is: 'sources that are not a list, named',
        jobId: '8110394864',
        expected: {
          code: 'UPSTREAM_BAD_RESPONSE',
          upstreamRequestId: 'a3c1f7e2-5b8d-4e0a-9f61-2d4c8b7e1a0d',
        },
        says: ['sources is not a list'],
      },
    ],
  },
  {
    name: 'CodePipeline',
    provider: 'AWS_CODEPIPELINE',
    dir: 'codepipeline',
    source: viaSdkHandler(codePipeline),
    key: (jobId) => ({ provider: 'AWS_CODEPIPELINE', region: 'us-east-1', jobId }),
    jobId: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
    secret: TEST_AWS_CREDENTIALS.secretAccessKey,
    answers: [
      {
        fixture: 'not-found',
        is: 'JobNotFoundException at HTTP 400',
        expected: {
          code: 'NOT_FOUND',
          upstreamCode: 'JobNotFoundException',
          upstreamRequestId: '620484b7-88cb-11e5-b497-75c49e0c1a05',
          httpStatus: 400,
          retryable: false,
        },
        message:
          'CodePipeline job "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0" in us-east-1 was not found.',
      },
      {
        fixture: 'not-found-namespaced',
        is: 'a namespaced error type with a trailing URL, sanitised',
        expected: {
          code: 'NOT_FOUND',
          upstreamCode: 'JobNotFoundException',
          upstreamRequestId: '620484b7-88cb-11e5-b497-75c49e0c1a06',
        },
      },
      {
        fixture: 'throttled',
        is: 'ThrottlingException',
        expected: {
          code: 'UPSTREAM_THROTTLED',
          upstreamCode: 'ThrottlingException',
          upstreamRequestId: '620484b7-88cb-11e5-b497-75c49e0c1a07',
          retryable: true,
          throttling: true,
        },
      },
      {
        fixture: 'limit-exceeded',
        is: 'LimitExceededException, which is not throttling',
        expected: {
          code: 'UPSTREAM_BAD_RESPONSE',
          upstreamCode: 'LimitExceededException',
          upstreamRequestId: '620484b7-88cb-11e5-b497-75c49e0c1a08',
          throttling: false,
          retryable: false,
        },
      },
      {
        fixture: 'server-error',
        is: 'InternalFailure at HTTP 500',
        expected: {
          code: 'UPSTREAM_UNAVAILABLE',
          upstreamCode: 'InternalFailure',
          upstreamRequestId: '620484b7-88cb-11e5-b497-75c49e0c1a09',
          retryable: true,
        },
      },
      {
        fixture: 'server-error-html',
        is: 'an HTML 502 page, with no upstream code',
        expected: {
          code: 'UPSTREAM_UNAVAILABLE',
          upstreamCode: null,
          upstreamRequestId: null,
          httpStatus: 502,
        },
        omits: ['Bad Gateway'],
      },
      {
        fixture: 'access-denied',
        is: 'InvalidSignatureException',
        expected: {
          code: 'UPSTREAM_ACCESS_DENIED',
          upstreamCode: 'InvalidSignatureException',
          upstreamRequestId: '620484b7-88cb-11e5-b497-75c49e0c1a0a',
          retryable: false,
        },
      },
      {
        fixture: 'malformed',
        is: 'a truncated body',
        jobId: 'ef66c259-64f9-4d2a-8e3b-0c1d2e3f4a5b',
        expected: {
          code: 'UPSTREAM_BAD_RESPONSE',
          upstreamCode: null,
          upstreamRequestId: '620484b7-88cb-11e5-b497-75c49e0c1a0b',
        },
        omits: ['FIXTURE'],
      },
      {
        fixture: 'success-empty',
        is: 'a success without jobDetails (not NOT_FOUND)',
        jobId: 'ef66c259-64f9-4d2a-8e3b-0c1d2e3f4a5b',
        expected: {
          code: 'UPSTREAM_BAD_RESPONSE',
          upstreamRequestId: '620484b7-88cb-11e5-b497-75c49e0c1a0c',
        },
        says: ['jobDetails is missing'],
      },
      {
        fixture: 'wrong-type',
        is: 'a member of the wrong type, named',
        jobId: '33333333-4444-4555-8666-777777777777',
        expected: {
          code: 'UPSTREAM_BAD_RESPONSE',
          upstreamRequestId: '620484b7-88cb-11e5-b497-75c49e0c1a0d',
        },
        says: ['jobDetails.accountId is not a string'],
        omits: ['111111111111'],
      },
    ],
  },
  {
    name: 'COS Batch',
    provider: 'TENCENT_COS_BATCH',
    dir: 'cosbatch',
    source: (_fixture, endpoint) =>
      createSource(cosBatch, {
        ...transport,
        credentials: TEST_COS_CREDENTIALS,
        appId: '1250000000',
        endpoint,
      }),
    key: (jobId) => ({
      provider: 'TENCENT_COS_BATCH',
      region: 'ap-guangzhou',
      uin: '100000000001',
      jobId,
    }),
    jobId: '53dc6228-c50b-46f7-8ad7-65e7159f1aae',
    secret: TEST_COS_CREDENTIALS.secretKey,
    answers: [
      {
        fixture: 'not-found',
        is: 'NoSuchJob',
        jobId: '00000000-0000-4000-8000-000000000404',
        expected: {
          code: 'NOT_FOUND',
          upstreamCode: 'NoSuchJob',
          upstreamRequestId: 'NjliNjgzMjBfNWE2YjdjOGRfOWUwZl8xYTJiM2M=',
          httpStatus: 404,
          retryable: false,
        },
        message:
          'Tencent COS Batch job "00000000-0000-4000-8000-000000000404" in ap-guangzhou (account 100000000001) was not found.',
      },
      {
        fixture: 'throttled',
        is: '503 SlowDown',
        expected: {
          code: 'UPSTREAM_THROTTLED',
          upstreamCode: 'SlowDown',
          upstreamRequestId: 'NjliNjgzMjFfNmI3YzhkOWVfMGYxYV8yYjNjNGQ=',
          retryable: true,
          throttling: true,
        },
      },
      {
        fixture: 'server-error',
        is: '500 InternalError',
        expected: {
          code: 'UPSTREAM_UNAVAILABLE',
          upstreamCode: 'InternalError',
          upstreamRequestId: 'NjliNjgzMjJfN2M4ZDllMGZfMWEyYl8zYzRkNWU=',
          retryable: true,
        },
      },
      {
        fixture: 'service-unavailable',
        is: 'ServiceUnavailable',
        expected: {
          code: 'UPSTREAM_UNAVAILABLE',
          upstreamCode: 'ServiceUnavailable',
          retryable: true,
        },
      },
      {
        fixture: 'access-denied',
        is: 'SignatureDoesNotMatch',
        expected: {
          code: 'UPSTREAM_ACCESS_DENIED',
          upstreamCode: 'SignatureDoesNotMatch',
          upstreamRequestId: 'NjliNjgzMjRfOWUwZjFhMmJfM2M0ZF81ZTZmN2E=',
          retryable: false,
        },
      },
      {
        fixture: 'missing-appid',
        is: 'a 400 InvalidArgument',
        expected: {
          code: 'UPSTREAM_BAD_RESPONSE',
          upstreamCode: 'InvalidArgument',
          retryable: false,
        },
      },
      {
        fixture: 'malformed',
        is: 'a truncated body',
        expected: {
          code: 'UPSTREAM_BAD_RESPONSE',
          upstreamCode: null,
          upstreamRequestId: 'NjliNjgzMjZfMWEyYjNjNGRfNWU2Zl83YThiOWM=',
          retryable: false,
        },
      },
      {
        fixture: 'bad-gateway-html',
        is: 'a proxy HTML 502, classified by its status',
        expected: {
          code: 'UPSTREAM_UNAVAILABLE',
          upstreamCode: null,
          upstreamRequestId: null,
          httpStatus: 502,
        },
      },
    ],
  },
];
