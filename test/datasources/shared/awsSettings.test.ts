import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/index.ts';
import { closeSources, createSources, type Sources } from '../../../src/datasources/index.ts';
import { useFixtureServer } from '../../support/useFixtureServer.ts';
import { liveConfig } from '../../support/liveConfig.ts';

/**
 * The AWS SDK's own settings, as jobgraph honours them end to end: the config read from the
 * environment, the sources built from it, and the requests that reach a loopback upstream.
 */

const CREDENTIALS = { accessKeyId: 'AKIDAWSSETTINGS', secretAccessKey: 'aws-settings-test-secret' };
const UNAVAILABLE = {
  status: 500,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalServerException' },
  body: '{}',
};

const server = useFixtureServer();
let sources: Sources | undefined;

afterEach(() => {
  if (sources) closeSources(sources);
  sources = undefined;
});

function sourcesFor(env: Record<string, string>): Sources {
  const config: Config = { ...liveConfig(env), awsCredentials: CREDENTIALS };
  sources = createSources(config);
  return sources;
}

const PANORAMA = {
  provider: 'AWS_PANORAMA',
  region: 'us-east-1',
  jobId: 'pkgimport-awssettings',
} as const;
const IMPORTEXPORT = { provider: 'AWS_IMPORT_EXPORT', jobId: 'AWSST' } as const;

describe('AWS SDK settings', () => {
  it('sends every AWS service to AWS_ENDPOINT_URL, a service variable winning over it, and COS Batch to neither', () => {
    const c = liveConfig({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4999',
      AWS_ENDPOINT_URL_OMICS: 'http://127.0.0.1:4102',
    });
    expect(c.endpoints).toEqual({
      panorama: 'http://127.0.0.1:4999',
      omics: 'http://127.0.0.1:4102',
      codepipeline: 'http://127.0.0.1:4999',
      importexport: 'http://127.0.0.1:4999',
      batch: 'http://127.0.0.1:4999',
      sts: 'http://127.0.0.1:4999',
      sqs: 'http://127.0.0.1:4999',
      // CloudWatch Logs (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS; job logs, docs/logs.md).
      logs: 'http://127.0.0.1:4999',
    });
    const ignored = liveConfig({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4999',
      AWS_ENDPOINT_URL_OMICS: 'http://127.0.0.1:4102',
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
    });
    expect(ignored.endpoints).toEqual({});
    expect(() => liveConfig({ AWS_ENDPOINT_URL: 'nope' })).toThrow(
      'AWS_ENDPOINT_URL: is not a URL',
    );
  });

  it('reads AWS_MAX_ATTEMPTS for the AWS providers only when JOBGRAPH_UPSTREAM_MAX_ATTEMPTS is unset, using at most 3', () => {
    expect(liveConfig({}).awsMaxAttempts).toBeNull();
    expect(liveConfig({ AWS_MAX_ATTEMPTS: '2' }).awsMaxAttempts).toBe(2);
    expect(liveConfig({ AWS_MAX_ATTEMPTS: '10' }).awsMaxAttempts).toBe(3);
    expect(
      liveConfig({ AWS_MAX_ATTEMPTS: '2', JOBGRAPH_UPSTREAM_MAX_ATTEMPTS: '3' }).awsMaxAttempts,
    ).toBeNull();
    expect(() => liveConfig({ AWS_MAX_ATTEMPTS: '0' })).toThrow('AWS_MAX_ATTEMPTS');
    expect(() => liveConfig({ AWS_MAX_ATTEMPTS: 'many' })).toThrow('AWS_MAX_ATTEMPTS');
  });

  it('calls Panorama and Import/Export at AWS_ENDPOINT_URL', async () => {
    server.respond(UNAVAILABLE);
    const s = sourcesFor({
      AWS_ENDPOINT_URL: `${server.url}/aws/`,
      JOBGRAPH_UPSTREAM_MAX_ATTEMPTS: '1',
    });
    await expect(s.AWS_PANORAMA.source.fetchJob(PANORAMA)).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    await expect(s.AWS_IMPORT_EXPORT.source.fetchJob(IMPORTEXPORT)).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(server.requests.map((r) => r.url)).toEqual([
      '/aws/packages/import-jobs/pkgimport-awssettings',
      '/aws/',
    ]);
  });

  it('makes AWS_MAX_ATTEMPTS attempts of an AWS call', async () => {
    server.respond(UNAVAILABLE);
    const s = sourcesFor({ AWS_ENDPOINT_URL: server.url, AWS_MAX_ATTEMPTS: '2' });
    await expect(s.AWS_PANORAMA.source.fetchJob(PANORAMA)).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(server.requests).toHaveLength(2);
  });
});
