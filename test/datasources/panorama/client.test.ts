import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import type { PanoramaKey } from '../../../src/model/globalId.ts';
import { panorama } from '../../../src/datasources/panorama/index.ts';
import type { AwsSourceOptions } from '../../../src/datasources/shared/options.ts';
import { fixtureLoader, sdkFixtureHandler } from '../../support/fixtures.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';

const loadFixture = fixtureLoader('panorama');
const credentials = { accessKeyId: 'JOBGRAPHDEMOACCESSKEY', secretAccessKey: 'demo' };
const key = (region: string): PanoramaKey => ({
  provider: 'AWS_PANORAMA',
  region,
  jobId: 'pkgimport-5f3a9c1e7b2d4086',
});

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
});

function clients(extra: Partial<AwsSourceOptions> = {}) {
  const handler = sdkFixtureHandler(loadFixture('success-full'));
  const c = createSource(
    panorama,
    { timeoutMs: 1000, maxAttempts: 1, maxSockets: 2, credentials, ...extra },
    { requestHandler: handler },
  );
  opened.push({ close: () => c.close?.() });
  return { clients: c, handler };
}

describe('Panorama client', () => {
  it('sends one DescribePackageImportJob, GET /packages/import-jobs/{JobId}, to the regional endpoint', async () => {
    const { clients: c, handler } = clients();
    const output = await c.fetchJob(key('us-west-2'));
    expect(output.nativeId).toBe('pkgimport-5f3a9c1e7b2d4086');
    expect(handler.requests.map((r) => [r.method, r.protocol, r.hostname, r.path])).toEqual([
      [
        'GET',
        'https:',
        'panorama.us-west-2.amazonaws.com',
        '/packages/import-jobs/pkgimport-5f3a9c1e7b2d4086',
      ],
    ]);
    // Every AWS call says who makes it; the header is not signed.
    const version = (createRequire(import.meta.url)('../../../package.json') as { version: string })
      .version;
    expect(handler.requests[0]?.headers['user-agent']).toBe(`jobgraph/${version}`);
    expect(String(handler.requests[0]?.headers.authorization)).not.toMatch(
      /SignedHeaders=[^,]*user-agent/,
    );
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
          /Credential=[^/]+\/\d{8}\/([^/]+)\/panorama\//.exec(String(r.headers.authorization))?.[1],
      ),
    ).toEqual(['us-east-1', 'eu-west-1', 'us-east-1']);
  });

  it('uses an endpoint override as given', async () => {
    const { clients: c, handler } = clients({ endpoint: 'http://127.0.0.1:4101' });
    await c.fetchJob(key('us-east-1'));
    const req = handler.requests[0]!;
    expect([req.protocol, req.hostname, req.port, req.headers.host]).toEqual([
      'http:',
      '127.0.0.1',
      4101,
      '127.0.0.1:4101',
    ]);
  });

  it('answers PROVIDER_NOT_CONFIGURED when the credential provider finds nothing, without a request', async () => {
    const handler = sdkFixtureHandler(loadFixture('success-full'));
    const source = createSource(
      panorama,
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
      provider: 'AWS_PANORAMA',
    });
    expect(handler.requests).toHaveLength(0);
  });
});
