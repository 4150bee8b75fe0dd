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
  // Its regional endpoint, signing region, override and missing credentials: the contract suite
  // (test/datasources/shared/regionalClients.test.ts, "source addressing a region").
  it('sends GetJobDetails as AWS JSON 1.1: its target header and the job ID in the body', async () => {
    const { clients: c, handler } = clients();
    await c.fetchJob(key('us-west-2'));
    expect(handler.requests.map((r) => r.headers['x-amz-target'])).toEqual([
      'CodePipeline_20150709.GetJobDetails',
    ]);
    expect(JSON.parse(String(handler.requests[0]!.body))).toEqual({
      jobId: 'f4f4ff82-2d11-EXAMPLE',
    });
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
});
