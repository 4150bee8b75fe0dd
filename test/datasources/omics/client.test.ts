import { afterEach, describe, expect, it } from 'vitest';
import type { OmicsKey } from '../../../src/model/globalId.ts';
import { omics } from '../../../src/datasources/omics/index.ts';
import type { OmicsReferenceImportJobRecord } from '../../../src/datasources/omics/record.ts';
import type { AwsSourceOptions } from '../../../src/datasources/shared/options.ts';
import type { JobSource } from '../../../src/datasources/shared/types.ts';
import { fixtureLoader, sdkFixtureHandler as fixtureHandler } from '../../support/fixtures.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';

const loadFixture = fixtureLoader('omics');

const creds = { accessKeyId: 'ASIAJOBGRAPHDEMO0001', secretAccessKey: 'demo' };
const key = (region: string): OmicsKey => ({
  provider: 'AWS_OMICS',
  region,
  referenceStoreId: '5038720581',
  id: '8110394857',
});

let sources: JobSource<'AWS_OMICS', OmicsReferenceImportJobRecord>[] = [];
afterEach(() => {
  for (const s of sources) s.close?.();
  sources = [];
});

function capture(extra: Partial<AwsSourceOptions> = {}) {
  const handler = fixtureHandler(loadFixture('success-full'));
  const source = createSource(
    omics,
    { timeoutMs: 1000, maxAttempts: 1, maxSockets: 2, credentials: creds, ...extra },
    { requestHandler: handler },
  );
  sources.push(source);
  return { source, handler };
}

describe('Omics client', () => {
  it('sends to control-storage-omics.{region}.amazonaws.com over HTTPS without an endpoint override', async () => {
    const { source, handler } = capture();
    await source.fetchJob(key('us-east-1'));
    await source.fetchJob(key('eu-west-2'));
    const [east, west] = handler.requests;
    expect(east?.protocol).toBe('https:');
    expect(east?.hostname).toBe('control-storage-omics.us-east-1.amazonaws.com');
    expect(east?.headers.host).toBe('control-storage-omics.us-east-1.amazonaws.com');
    expect(west?.hostname).toBe('control-storage-omics.eu-west-2.amazonaws.com');
  });

  it('signs with the region of the job, one client per region', async () => {
    const { source, handler } = capture();
    await source.fetchJob(key('us-west-2'));
    await source.fetchJob(key('ap-southeast-1'));
    expect(
      handler.requests.map(
        (r) =>
          /Credential=[^/]+\/\d{8}\/([^/]+)\/omics\//.exec(String(r.headers.authorization))?.[1],
      ),
    ).toEqual(['us-west-2', 'ap-southeast-1']);
  });

  it('uses an endpoint override as given, without the control-storage- host prefix', async () => {
    const { source, handler } = capture({ endpoint: 'http://127.0.0.1:4102' });
    await source.fetchJob(key('us-east-1'));
    const req = handler.requests[0]!;
    expect(req.protocol).toBe('http:');
    expect(req.hostname).toBe('127.0.0.1');
    expect(req.port).toBe(4102);
    expect(req.headers.host).toBe('127.0.0.1:4102');
    expect(req.path).toBe('/referencestore/5038720581/importjob/8110394857');
  });

  it('keeps a path prefix of an endpoint override', async () => {
    const { source, handler } = capture({ endpoint: 'https://omics-proxy.example.test/aws' });
    await source.fetchJob(key('us-east-1'));
    const req = handler.requests[0]!;
    expect(req.hostname).toBe('omics-proxy.example.test');
    expect(req.path).toBe('/aws/referencestore/5038720581/importjob/8110394857');
  });

  it('answers PROVIDER_NOT_CONFIGURED when the credential provider finds nothing', async () => {
    const { source, handler } = capture({
      credentials: async () => {
        throw Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        });
      },
    });
    await expect(source.fetchJob(key('us-east-1'))).rejects.toMatchObject({
      code: 'PROVIDER_NOT_CONFIGURED',
      provider: 'AWS_OMICS',
    });
    expect(handler.requests).toHaveLength(0);
  });
});
