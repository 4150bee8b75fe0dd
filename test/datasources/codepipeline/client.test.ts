import { afterEach, describe, expect, it } from 'vitest';
import type { CodePipelineKey } from '../../../src/model/globalId.ts';
import { codePipeline } from '../../../src/datasources/codepipeline/index.ts';
import type { AwsSourceOptions } from '../../../src/datasources/shared/options.ts';
import { fixtureLoader, sdkFixtureHandler } from '../../support/fixtures.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';

const loadFixture = fixtureLoader('codepipeline');
const credentials = { accessKeyId: 'JOBGRAPHDEMOACCESSKEY', secretAccessKey: 'demo' };
const key = (region: string): CodePipelineKey => ({
  provider: 'AWS_CODEPIPELINE',
  region,
  jobId: 'f4f4ff82-2d11-EXAMPLE',
});

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
});

function clients(extra: Partial<AwsSourceOptions> = {}) {
  const handler = sdkFixtureHandler(loadFixture('success-full'));
  const c = createSource(
    codePipeline,
    { timeoutMs: 1000, maxAttempts: 1, maxSockets: 2, credentials, ...extra },
    { requestHandler: handler },
  );
  opened.push({ close: () => c.close?.() });
  return { clients: c, handler };
}

describe('CodePipeline client', () => {
  it('sends one GetJobDetails, an AWS JSON 1.1 POST to /, to the regional endpoint', async () => {
    const { clients: c, handler } = clients();
    const output = await c.fetchJob(key('us-west-2'));
    expect(output.provider).toBe('AWS_CODEPIPELINE');
    expect(
      handler.requests.map((r) => [
        r.method,
        r.protocol,
        r.hostname,
        r.path,
        r.headers['x-amz-target'],
      ]),
    ).toEqual([
      [
        'POST',
        'https:',
        'codepipeline.us-west-2.amazonaws.com',
        '/',
        'CodePipeline_20150709.GetJobDetails',
      ],
    ]);
    expect(JSON.parse(String(handler.requests[0]!.body))).toEqual({
      jobId: 'f4f4ff82-2d11-EXAMPLE',
    });
  });

  it('keeps one endpoint per region, signing with the region of the job', async () => {
    const { clients: c, handler } = clients();
    await c.fetchJob(key('us-east-1'));
    await c.fetchJob(key('eu-west-1'));
    await c.fetchJob(key('us-east-1'));
    expect(c.clientCount?.()).toBe(2);
    expect(
      handler.requests.map(
        (r) =>
          /Credential=[^/]+\/\d{8}\/([^/]+)\/codepipeline\//.exec(
            String(r.headers.authorization),
          )?.[1],
      ),
    ).toEqual(['us-east-1', 'eu-west-1', 'us-east-1']);
  });

  it('sends to the FIPS and dual-stack endpoints of the SDK rules when asked, in every partition', async () => {
    const { clients: c, handler } = clients({
      endpointVariant: { useFips: true, useDualStack: true },
    });
    await c.fetchJob(key('us-east-1'));
    await c.fetchJob(key('cn-north-1'));
    expect(handler.requests.map((r) => r.hostname)).toEqual([
      'codepipeline-fips.us-east-1.api.aws',
      'codepipeline-fips.cn-north-1.api.amazonwebservices.com.cn',
    ]);
  });

  it('uses an endpoint override as given', async () => {
    const { clients: c, handler } = clients({ endpoint: 'http://127.0.0.1:4105' });
    await c.fetchJob(key('us-east-1'));
    const req = handler.requests[0]!;
    expect([req.protocol, req.hostname, req.port, req.headers.host]).toEqual([
      'http:',
      '127.0.0.1',
      4105,
      '127.0.0.1:4105',
    ]);
  });

  it('answers PROVIDER_NOT_CONFIGURED when the credential provider finds nothing, without a request', async () => {
    const handler = sdkFixtureHandler(loadFixture('success-full'));
    const source = createSource(
      codePipeline,
      {
        timeoutMs: 1000,
        maxAttempts: 1,
        maxSockets: 2,
        credentials: async () => {
          throw Object.assign(new Error('Could not load credentials from any providers'), {
            name: 'CredentialsProviderError',
          });
        },
      },
      { requestHandler: handler },
    );
    opened.push({ close: () => source.close?.() });
    await expect(source.fetchJob(key('us-east-1'))).rejects.toMatchObject({
      code: 'PROVIDER_NOT_CONFIGURED',
      provider: 'AWS_CODEPIPELINE',
    });
    expect(handler.requests).toHaveLength(0);
  });
});
