import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.ts';
import { transportError } from '../../src/datasources/shared/classify.ts';
import { countsAgainstProvider } from '../../src/datasources/guard/breakers.ts';
import { fetchJobShared, guardSource } from '../../src/datasources/guard/loader.ts';
import type { JobSource } from '../../src/datasources/shared/types.ts';
import { exampleGlobalIds } from '@jobgraph/emulators';
import type { PanoramaKey } from '../../src/model/globalId.ts';
import { clearCalls, gql, upstreamCallCount } from '../support/gateway.ts';
import { useBreakerGateway } from '../support/useTestGateway.ts';

const ex = exampleGlobalIds();
const JOB = `query($id: ID!) { job(id: $id) { id state } }`;

describe('Circuit breakers per provider and region', () => {
  const gw = useBreakerGateway(2, 600_000);

  it('opens only the failing region: the same provider keeps answering in another region', async () => {
    // Panorama fails (HTTP 500) for every job signed for eu-west-1, and only those.
    gw.emulators.panorama.setFaults({ errorRate: 1, jobPrefix: 'eu-west-1/' });
    const failing = (i: number) => `panorama:eu-west-1:pkgimport-burst${i}`;
    const burst = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        gql(gw, JOB, { variables: { id: failing(i) }, token: gw.tokens.read }),
      ),
    );
    for (const res of burst)
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');

    clearCalls(gw);
    const open = await gql(gw, JOB, { variables: { id: failing(9) }, token: gw.tokens.read });
    expect(open.body.errors?.[0]).toMatchObject({
      extensions: { code: 'UPSTREAM_UNAVAILABLE', provider: 'AWS_PANORAMA' },
    });
    expect(open.body.errors?.[0]?.message).toMatch(
      /in eu-west-1; jobgraph stopped calling it there/,
    );
    expect(gw.emulators.panorama.calls).toEqual([]);

    // The same provider, another region: still called, still answering.
    const healthy = await gql(gw, JOB, { variables: { id: ex.panorama }, token: gw.tokens.read });
    expect(healthy.body.errors).toBeUndefined();
    expect(healthy.body.data?.job).toMatchObject({ id: ex.panorama });
    expect(gw.emulators.panorama.received).toEqual([`us-east-1/${ex.panorama.split(':')[2]}`]);
  });

  it('answers unknown and overlong regions BAD_USER_INPUT on every surface, with no upstream call, and never opens a breaker', async () => {
    const overlong = `aa-${'a'.repeat(62)}-1`; // 67 characters, the form of a region
    expect(overlong).toHaveLength(67);
    const unknown = ['zz-fake-1', 'us-east-99', overlong];
    const providers = [
      'AWS_PANORAMA',
      'AWS_OMICS',
      'AWS_CODEPIPELINE',
      'TENCENT_COS_BATCH',
    ] as const;
    const openBefore = providers.map((name) => gw.sources[name].breakers.openRegions());
    for (let round = 0; round < 3; round++) {
      for (const region of unknown) {
        const viaId = await gql(gw, JOB, {
          variables: { id: `panorama:${region}:pkgimport-x` },
          token: gw.tokens.read,
        });
        expect(viaId.body.errors?.[0]?.extensions).toEqual({
          code: 'BAD_USER_INPUT',
          argument: 'id (region)',
        });
        expect(viaId.body.errors?.[0]?.message).toMatch(
          /^Argument "id \(region\)" is not a region AWS serves/,
        );

        const viaArg = await gql(
          gw,
          `query($r: String) { codePipelineJob(jobId: "11111111-2222-4333-8444-555555555555", region: $r) { id } }`,
          {
            variables: { r: region },
            token: gw.tokens.read,
          },
        );
        expect(viaArg.body.errors?.[0]?.extensions).toEqual({
          code: 'BAD_USER_INPUT',
          argument: 'region',
        });
        expect(viaArg.body.errors?.[0]?.message).toMatch(/is not a region AWS serves/);

        const viaEntities = await gql(
          gw,
          `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Job { id } } }`,
          {
            variables: {
              reps: [
                {
                  __typename: 'OmicsReferenceImportJob',
                  region,
                  referenceStoreId: '5038720581',
                  nativeId: '8110394857',
                },
              ],
            },
            token: gw.tokens.read,
          },
        );
        expect(viaEntities.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(viaEntities.body.errors?.[0]?.message).toMatch(/is not a region AWS serves/);
      }
      const cos = await gql(
        gw,
        `query($r: String) { cosBatchJob(jobId: "abcdef12-0000-4000-8000-000000000001", region: $r) { id } }`,
        {
          variables: { r: 'ap-atlantis' },
          token: gw.tokens.read,
        },
      );
      expect(cos.body.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        argument: 'region',
      });
      expect(cos.body.errors?.[0]?.message).toMatch(/is not a region Tencent COS serves/);
    }
    expect(upstreamCallCount(gw)).toBe(0);
    // No breaker opened (the one test above may have left eu-west-1's open).
    expect(providers.map((name) => gw.sources[name].breakers.openRegions())).toEqual(openBefore);
    const after = await gql(gw, `query($ids: [ID!]!) { jobs(ids: $ids) { id } }`, {
      variables: { ids: [ex.panorama, ex.omics, ex.codepipeline, ex.cosbatch] },
      token: gw.tokens.read,
    });
    expect(after.body.errors).toBeUndefined();
  });
});

describe('What counts against a provider', () => {
  const dnsFailure = (code: string) =>
    transportError(
      'AWS_PANORAMA',
      Object.assign(new Error(`getaddrinfo ${code} panorama.xx.amazonaws.com`), {
        code,
        syscall: 'getaddrinfo',
      }),
    );

  it('counts the provider being down, not a region that does not resolve, an invalid host or a bug of ours', () => {
    expect(
      countsAgainstProvider(
        new UpstreamError({
          provider: 'AWS_PANORAMA',
          code: 'UPSTREAM_UNAVAILABLE',
          message: 'HTTP 503',
          httpStatus: 503,
        }),
      ),
    ).toBe(true);
    expect(
      countsAgainstProvider(
        transportError('AWS_PANORAMA', Object.assign(new Error('reset'), { code: 'ECONNRESET' })),
      ),
    ).toBe(true);
    expect(countsAgainstProvider(dnsFailure('ENOTFOUND'))).toBe(false);
    expect(countsAgainstProvider(dnsFailure('EAI_AGAIN'))).toBe(false);
    // The SDK keeps the transport error as a cause further down; an aggregate of attempts too.
    expect(
      countsAgainstProvider(
        transportError(
          'AWS_PANORAMA',
          new Error('wrapped', { cause: dnsFailure('ENOTFOUND').cause }),
        ),
      ),
    ).toBe(false);
    expect(
      countsAgainstProvider(
        transportError(
          'AWS_PANORAMA',
          new AggregateError([Object.assign(new Error('x'), { code: 'EAI_AGAIN' })]),
        ),
      ),
    ).toBe(false);
    expect(
      countsAgainstProvider(
        transportError(
          'AWS_PANORAMA',
          Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL' }),
        ),
      ),
    ).toBe(false);
    expect(
      countsAgainstProvider(
        transportError(
          'AWS_PANORAMA',
          new TypeError("Cannot read properties of undefined (reading 'Status')"),
        ),
      ),
    ).toBe(false);
    expect(
      countsAgainstProvider(
        new UpstreamError({ provider: 'AWS_PANORAMA', code: 'NOT_FOUND', message: 'x' }),
      ),
    ).toBe(false);
    expect(
      countsAgainstProvider(
        new UpstreamError({ provider: 'AWS_PANORAMA', code: 'UPSTREAM_THROTTLED', message: 'x' }),
      ),
    ).toBe(false);
    expect(countsAgainstProvider(new TypeError('bug'))).toBe(false);
  });

  it('keeps the circuit closed through a run of DNS failures, and opens it for a run of 5xx of distinct jobs', async () => {
    let fail: () => UpstreamError = () => dnsFailure('ENOTFOUND');
    let calls = 0;
    const source: JobSource<'AWS_PANORAMA'> = {
      provider: 'AWS_PANORAMA',
      async fetchJob() {
        calls += 1;
        throw fail();
      },
    };
    const guarded = guardSource(source, {
      concurrency: 4,
      callerConcurrency: 4,
      budgetMs: 10_000,
      breakerFailures: 2,
      breakerHalfOpenMs: 600_000,
    });
    const key: PanoramaKey = {
      provider: 'AWS_PANORAMA',
      region: 'ap-southeast-7',
      jobId: 'pkgimport-x',
    };
    for (let i = 0; i < 6; i++)
      await expect(fetchJobShared(guarded, key)).rejects.toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
      });
    expect(calls).toBe(6);
    expect(guarded.breakers.openRegions()).toEqual([]);

    fail = () =>
      new UpstreamError({
        provider: 'AWS_PANORAMA',
        code: 'UPSTREAM_UNAVAILABLE',
        message: 'HTTP 500',
        httpStatus: 500,
      });
    for (let i = 0; i < 2; i++)
      await expect(
        fetchJobShared(guarded, { ...key, jobId: `pkgimport-${i}` }),
      ).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(guarded.breakers.openRegions()).toEqual(['ap-southeast-7']);
    await expect(fetchJobShared(guarded, key)).rejects.toThrow(/stopped calling it there/);
    expect(calls).toBe(8);
    // Another region of the same provider is still called.
    await expect(fetchJobShared(guarded, { ...key, region: 'us-west-2' })).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(calls).toBe(9);
  });
});
