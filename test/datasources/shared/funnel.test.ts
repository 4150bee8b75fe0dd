import { describe, expect, it } from 'vitest';
import { classifyUpstreamError, funnelError } from '../../../src/datasources/shared/classify.ts';
import { fetchJobShared, guardSource } from '../../../src/datasources/guard/loader.ts';
import type { HttpHandler } from '@smithy/protocol-http';
import { codePipeline } from '../../../src/datasources/codepipeline/index.ts';
import { AwsErrorAnswer, readAwsError } from '../../../src/datasources/shared/awsErrors.ts';
import type { JobSource } from '../../../src/datasources/shared/types.ts';
import {
  BodyTooLargeError,
  InternalError,
  MalformedBodyError,
  UpstreamError,
} from '../../../src/errors.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';
import { CODEPIPELINE_TEST_KEY as KEY } from '../../support/keys.ts';

const RULES = { subject: 'the job', notFoundCodes: new Set(['JobNotFoundException']) };

describe('The error funnel', () => {
  it('keeps what is already mapped and maps each failure kind once', () => {
    const upstream = new UpstreamError({ provider: 'AWS_OMICS', code: 'NOT_FOUND', message: 'x' });
    expect(funnelError('AWS_OMICS', upstream)).toBe(upstream);
    const internal = new InternalError('AWS_OMICS', new TypeError('bug'));
    expect(funnelError('AWS_OMICS', internal)).toBe(internal);
    expect(funnelError('AWS_OMICS', new BodyTooLargeError(2048))).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      retryable: false,
      message: expect.stringContaining('larger than 2048 bytes'),
    });
    expect(funnelError('AWS_OMICS', new MalformedBodyError('id is not a string'))).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      retryable: false,
    });
    for (const err of [
      Object.assign(new Error('connect ECONNREFUSED'), {
        code: 'ECONNREFUSED',
        syscall: 'connect',
      }),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      Object.assign(new Error('getaddrinfo EAI_FAIL'), {
        code: 'EAI_FAIL',
        syscall: 'getaddrinfo',
      }),
      Object.assign(new Error('slow'), { name: 'TimeoutError' }),
      Object.assign(new Error('aborted'), { name: 'AbortError' }),
    ]) {
      expect(funnelError('AWS_OMICS', err), err.message).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        retryable: true,
      });
    }
  });

  it("makes anything else jobgraph's own InternalError, which is not a JobgraphError and carries no upstream text", () => {
    for (const err of [
      new TypeError("Cannot read properties of undefined (reading 'x')"),
      new RangeError('Invalid time value'),
      'a string',
      null,
    ]) {
      const mapped = funnelError('TENCENT_COS_BATCH', err);
      expect(mapped).toBeInstanceOf(InternalError);
      expect(mapped).not.toBeInstanceOf(UpstreamError);
      expect(mapped.message).toBe(
        "jobgraph's own code failed while fetching a job from TENCENT_COS_BATCH",
      );
      expect(mapped.cause).toBe(err);
    }
  });

  it('maps an AWS call that got no answer and is not a transport failure to InternalError, not UPSTREAM_UNAVAILABLE', async () => {
    const through = async (fail: () => never, credentials?: () => never) => {
      const source = createSource(
        codePipeline,
        {
          timeoutMs: 1000,
          maxAttempts: 1,
          maxSockets: 1,
          credentials: credentials ?? {
            accessKeyId: 'AKIDFUNNEL',
            secretAccessKey: 'funnel-secret',
          },
        },
        { requestHandler: { handle: async () => fail() } as unknown as HttpHandler },
      );
      try {
        return await source.fetchJob(KEY).catch((e: unknown) => e);
      } finally {
        source.close?.();
      }
    };
    expect(
      await through(() => {
        throw new TypeError('signer bug');
      }),
    ).toBeInstanceOf(InternalError);
    expect(
      await through(() => {
        throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      }),
    ).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(
      await through(() => {
        throw new BodyTooLargeError(1024);
      }),
    ).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    const noCredentials = () => {
      throw Object.assign(new Error('Could not load credentials'), {
        name: 'CredentialsProviderError',
      });
    };
    expect(
      await through(() => {
        throw new Error('not sent');
      }, noCredentials),
    ).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED' });
    const imdsDown = () => {
      throw Object.assign(new Error('connect ETIMEDOUT 169.254.169.254:80'), { code: 'ETIMEDOUT' });
    };
    expect(
      await through(() => {
        throw new Error('not sent');
      }, imdsDown),
    ).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: false });
  });

  it('reads an error answer without a protocol body by status, with x-amzn-ErrorType as the code when present', () => {
    const answer = (
      status: number,
      headers: Record<string, string>,
      body = '<html>502 Bad Gateway</html>',
    ) => ({ status, headers, body });
    expect(readAwsError('AWS_OMICS', answer(502, {}), RULES)).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstreamCode: null,
      httpStatus: 502,
    });
    expect(
      readAwsError(
        'AWS_OMICS',
        answer(400, { 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/' }),
        RULES,
      ),
    ).toMatchObject({
      code: 'UPSTREAM_THROTTLED',
      upstreamCode: 'ThrottlingException',
    });
    expect(readAwsError('AWS_OMICS', answer(404, {}, '{}'), RULES)).toMatchObject({
      code: 'NOT_FOUND',
      upstreamCode: null,
    });
    // The header wins over the body; the body's `code` (any case) over its `__type`.
    expect(
      new AwsErrorAnswer({
        status: 400,
        headers: { 'x-amzn-errortype': 'A' },
        body: '{"__type":"B"}',
      }).code,
    ).toBe('A');
    expect(
      new AwsErrorAnswer({ status: 400, headers: {}, body: '{"__type":"ns#B","Code":"C"}' }).code,
    ).toBe('C');
    expect(
      new AwsErrorAnswer({
        status: 400,
        headers: {},
        body: '{"__type":"com.amazon#JobNotFoundException:http://x"}',
      }).code,
    ).toBe('JobNotFoundException');
  });

  it('classifies by, names and keeps only a code that matches the pattern', () => {
    const base = {
      provider: 'AWS_IMPORT_EXPORT' as const,
      subject: 'the job',
      httpStatus: 400,
      upstreamRequestId: 'r'.repeat(129),
      notFoundCodes: new Set<string>(),
    };
    const hostile = classifyUpstreamError({ ...base, upstreamCode: '<b>Throttling</b>' });
    expect(hostile).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      upstreamCode: null,
      upstreamRequestId: null,
    });
    expect(hostile.message).toBe('AWS Import/Export answered an unexpected error.');
    expect(hostile.extensions).toMatchObject({ upstreamCode: null, upstreamRequestId: null });
    const fine = classifyUpstreamError({
      ...base,
      upstreamCode: 'Throttling',
      upstreamRequestId: 'a1b2-c3',
    });
    expect(fine).toMatchObject({
      code: 'UPSTREAM_THROTTLED',
      upstreamCode: 'Throttling',
      upstreamRequestId: 'a1b2-c3',
    });
  });
});

describe('fetchJobShared without a cache', () => {
  const key = KEY;
  const guard = (fetchJob: () => Promise<never>) => {
    const source: JobSource<'AWS_CODEPIPELINE'> = { provider: 'AWS_CODEPIPELINE', fetchJob };
    return guardSource(source, {
      concurrency: 4,
      callerConcurrency: 4,
      budgetMs: 5000,
      breakerFailures: 1,
      breakerHalfOpenMs: 60_000,
    });
  };

  it("answers a source's unexpected exception as InternalError and does not count it against the provider", async () => {
    let calls = 0;
    const guarded = guard(async () => {
      calls += 1;
      throw new TypeError('bug in a source');
    });
    for (let i = 0; i < 3; i++) {
      const err = await fetchJobShared(guarded, key).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InternalError);
      expect((err as InternalError).cause).toBeInstanceOf(TypeError);
    }
    // A breaker that opens on one counted failure never opened: every call reached the source.
    expect(calls).toBe(3);
  });
});
