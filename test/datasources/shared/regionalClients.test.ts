import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { batch } from '../../../src/datasources/batch/index.ts';
import { codePipeline } from '../../../src/datasources/codepipeline/index.ts';
import { omics } from '../../../src/datasources/omics/index.ts';
import { panorama } from '../../../src/datasources/panorama/index.ts';
import type { AwsSourceOptions } from '../../../src/datasources/shared/options.ts';
import type { SourceSeams } from '../../../src/datasources/shared/seams.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';
import type { JobKey } from '../../../src/model/globalId.ts';
import type { JobProvider, JobRecord } from '../../../src/model/job.ts';
import { loadFixture, sdkFixtureHandler, type WireFixture } from '../../support/fixtures.ts';

/**
 * How the regional AWS providers' sources address and sign a describe call (contract.test.ts has
 * what the one pipeline does with the answers): the regional host over HTTPS, one endpoint per
 * region, an endpoint override as given, missing credentials without a request.
 */

const USER_AGENT = `jobgraph/${(createRequire(import.meta.url)('../../../package.json') as { version: string }).version}`;

/** A source as the table calls it. */
interface RegionalSource {
  fetchJob(key: JobKey): Promise<JobRecord>;
  close?(): void;
}

const opened: RegionalSource[] = [];

afterEach(() => {
  for (const s of opened.splice(0)) s.close?.();
});

/** A regional AWS provider's describe call as its source addresses and signs it. */
interface RegionalClient {
  name: string;
  provider: JobProvider;
  create(
    options: AwsSourceOptions,
    seams: SourceSeams,
  ): RegionalSource & { clientCount?(): number };
  key(region: string): JobKey;
  /** The native ID of the record its success fixture answers. */
  nativeId: string;
  /** The describe request: its method, its regional host, its path. */
  method: 'GET' | 'POST';
  host(region: string): string;
  path: string;
  /** The service of its SigV4 credential scope. */
  service: string;
  success: WireFixture;
}

const REGIONAL_CLIENTS: RegionalClient[] = [
  {
    name: 'AWS Batch',
    provider: 'AWS_BATCH',
    create: (options, seams) => createSource(batch, options, seams),
    key: (region) => ({
      provider: 'AWS_BATCH',
      region,
      jobId: '13811212-a506-4866-8965-eafb175c2133',
    }),
    nativeId: '13811212-a506-4866-8965-eafb175c2133',
    method: 'POST',
    host: (region) => `batch.${region}.amazonaws.com`,
    path: '/v1/describejobs',
    service: 'batch',
    success: loadFixture('batch', 'success-full'),
  },
  {
    name: 'Panorama',
    provider: 'AWS_PANORAMA',
    create: (options, seams) => createSource(panorama, options, seams),
    key: (region) => ({ provider: 'AWS_PANORAMA', region, jobId: 'pkgimport-5f3a9c1e7b2d4086' }),
    nativeId: 'pkgimport-5f3a9c1e7b2d4086',
    method: 'GET',
    host: (region) => `panorama.${region}.amazonaws.com`,
    path: '/packages/import-jobs/pkgimport-5f3a9c1e7b2d4086',
    service: 'panorama',
    success: loadFixture('panorama', 'success-full'),
  },
  {
    name: 'HealthOmics',
    provider: 'AWS_OMICS',
    create: (options, seams) => createSource(omics, options, seams),
    key: (region) => ({
      provider: 'AWS_OMICS',
      region,
      referenceStoreId: '5038720581',
      id: '8110394857',
    }),
    nativeId: '8110394857',
    method: 'GET',
    // The operation's endpoint trait puts control-storage- in front of the regional host.
    host: (region) => `control-storage-omics.${region}.amazonaws.com`,
    path: '/referencestore/5038720581/importjob/8110394857',
    service: 'omics',
    success: loadFixture('omics', 'success-full'),
  },
  {
    name: 'CodePipeline',
    provider: 'AWS_CODEPIPELINE',
    create: (options, seams) => createSource(codePipeline, options, seams),
    key: (region) => ({ provider: 'AWS_CODEPIPELINE', region, jobId: 'f4f4ff82-2d11-EXAMPLE' }),
    nativeId: 'ef66c259-64f9-4d2a-8e3b-0c1d2e3f4a5b',
    method: 'POST',
    host: (region) => `codepipeline.${region}.amazonaws.com`,
    path: '/',
    service: 'codepipeline',
    success: loadFixture('codepipeline', 'success-full'),
  },
];

describe.each(REGIONAL_CLIENTS)('$name source addressing a region', (p) => {
  const credentials = { accessKeyId: 'JOBGRAPHDEMOACCESSKEY', secretAccessKey: 'demo' };
  /** A source whose requests go to an SDK-style handler answering the provider's full success. */
  function capture(extra: Partial<AwsSourceOptions> = {}) {
    const handler = sdkFixtureHandler(p.success);
    const source = p.create(
      { timeoutMs: 1000, maxAttempts: 1, maxSockets: 2, credentials, ...extra },
      { requestHandler: handler },
    );
    opened.push(source);
    return { source, handler };
  }
  const scopeRegion = (authorization: unknown) =>
    new RegExp(`Credential=[^/]+/\\d{8}/([^/]+)/${p.service}/`).exec(String(authorization))?.[1];

  it('sends its describe request to the regional endpoint over HTTPS, with a User-Agent it does not sign', async () => {
    const { source, handler } = capture();
    const record = await source.fetchJob(p.key('us-west-2'));
    expect([record.provider, record.nativeId]).toEqual([p.provider, p.nativeId]);
    expect(handler.requests.map((r) => [r.method, r.protocol, r.hostname, r.path])).toEqual([
      [p.method, 'https:', p.host('us-west-2'), p.path],
    ]);
    const { headers } = handler.requests[0]!;
    expect(headers.host).toBe(p.host('us-west-2'));
    // Every AWS call says who makes it; the header is not signed.
    expect(headers['user-agent']).toBe(USER_AGENT);
    expect(String(headers.authorization)).not.toMatch(/SignedHeaders=[^,]*user-agent/);
  });

  it('keeps one endpoint per region, signing with the region of the job', async () => {
    const { source, handler } = capture();
    for (const region of ['us-east-1', 'eu-west-1', 'us-east-1', 'ap-southeast-1'])
      await source.fetchJob(p.key(region));
    expect(source.clientCount?.()).toBe(3);
    expect(handler.requests.map((r) => [r.hostname, scopeRegion(r.headers.authorization)])).toEqual(
      ['us-east-1', 'eu-west-1', 'us-east-1', 'ap-southeast-1'].map((region) => [
        p.host(region),
        region,
      ]),
    );
  });

  it('uses an endpoint override as given, its host without any prefix', async () => {
    const { source, handler } = capture({ endpoint: 'http://127.0.0.1:4101' });
    await source.fetchJob(p.key('us-east-1'));
    const req = handler.requests[0]!;
    expect([req.protocol, req.hostname, req.port, req.headers.host, req.path]).toEqual([
      'http:',
      '127.0.0.1',
      4101,
      '127.0.0.1:4101',
      p.path,
    ]);
  });

  it('answers PROVIDER_NOT_CONFIGURED when the credential provider finds nothing, without a request', async () => {
    const { source, handler } = capture({
      credentials: async () => {
        throw Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        });
      },
    });
    await expect(source.fetchJob(p.key('us-east-1'))).rejects.toMatchObject({
      code: 'PROVIDER_NOT_CONFIGURED',
      provider: p.provider,
    });
    expect(handler.requests).toHaveLength(0);
  });
});
