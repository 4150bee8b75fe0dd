import { afterAll, describe, expect, it } from 'vitest';
import type { PanoramaKey } from '../../../src/model/globalId.ts';
import { panorama } from '../../../src/datasources/panorama/index.ts';
import { parse } from '../../../src/datasources/panorama/parse.ts';
import {
  PANORAMA_STATE_MAP,
  type PanoramaPackageImportJobRecord,
} from '../../../src/datasources/panorama/record.ts';
import type { HttpRequest } from '@smithy/protocol-http';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { fixtureLoader, sdkFixtureHandler } from '../../support/fixtures.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';
import {
  EXAMPLE_RECORD,
  FAILED_RECORD,
  MINIMAL_RECORD,
  PENDING_RECORD,
  panoramaRecord,
} from './expected.ts';
import { PANORAMA_STATES } from '../../support/providerStatuses.ts';

const fixture = fixtureLoader('panorama');

const sources: { close?(): void }[] = [];
afterAll(() => {
  for (const s of sources) s.close?.();
});

const KEY = (jobId: string, region = 'us-east-1'): PanoramaKey => ({
  provider: 'AWS_PANORAMA',
  region,
  jobId,
});

async function fetchFixture(name: string, key: PanoramaKey = KEY('pkgimport-5f3a9c1e7b2d4086')) {
  const handler = sdkFixtureHandler(fixture(name));
  const requests = handler.requests;
  const source = createSource(
    panorama,
    { timeoutMs: 1000, maxAttempts: 1, maxSockets: 4, credentials: DEMO_AWS_CREDENTIALS },
    { requestHandler: handler },
  );
  sources.push(source);
  return { result: source.fetchJob(key), requests };
}

/** The golden full response: the example job with one more tag set. */
const FULL: PanoramaPackageImportJobRecord = {
  ...EXAMPLE_RECORD,
  jobTags: [
    ...EXAMPLE_RECORD.jobTags,
    { resourceType: 'PACKAGE', tags: [{ key: 'owner', value: 'store-ops' }] },
  ],
};

describe('Panorama parse', () => {
  it('maps PENDING to QUEUED and keeps SUCCEEDED and FAILED', () => {
    expect(PANORAMA_STATE_MAP).toEqual(PANORAMA_STATES);
  });

  it('sends GET /packages/import-jobs/{JobId} signed with SigV4 for panorama in the key region', async () => {
    const { result, requests } = await fetchFixture(
      'success-full.json',
      KEY('pkgimport-5f3a9c1e7b2d4086', 'eu-west-1'),
    );
    await result;
    expect(requests).toHaveLength(1);
    const req = requests[0] as HttpRequest;
    expect(req.method).toBe('GET');
    expect(req.hostname).toBe('panorama.eu-west-1.amazonaws.com');
    expect(req.path).toBe('/packages/import-jobs/pkgimport-5f3a9c1e7b2d4086');
    expect(req.body ?? '').toBe('');
    expect(String(req.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=JOBGRAPHDEMOACCESSKEY\/\d{8}\/eu-west-1\/panorama\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
    );
  });

  it('reads every field of a full response', async () => {
    const { result } = await fetchFixture('success-full.json');
    expect(await result).toEqual(FULL);
  });

  it('keeps MarkLatest false', async () => {
    const { result } = await fetchFixture('success-full.json');
    const job = await result;
    expect(job.outputConfig?.packageVersionOutputConfig?.markLatest).toBe(false);
  });

  it('reads a minimal response with only required members, keeping the empty status message', async () => {
    const { result } = await fetchFixture(
      'success-minimal.json',
      KEY('pkgimport-2a4c6e8f0b1d3579'),
    );
    expect(await result).toEqual(MINIMAL_RECORD);
  });

  it('keeps a one-element tag list a list and leaves completedAt null while PENDING', async () => {
    const { result } = await fetchFixture(
      'one-element-lists.json',
      KEY('pkgimport-8c2e6a0d4f1b3957'),
    );
    expect(await result).toEqual({
      ...PENDING_RECORD,
      jobTags: [{ resourceType: 'PACKAGE', tags: [{ key: 'team', value: 'retail-vision' }] }],
    } satisfies PanoramaPackageImportJobRecord);
  });

  it('ignores members it does not know', async () => {
    const { result } = await fetchFixture('unknown-fields.json', KEY('pkgimport-b71d3f5a9e0c2864'));
    expect(await result).toEqual(
      panoramaRecord('pkgimport-b71d3f5a9e0c2864', {
        state: 'SUCCEEDED',
        providerStatus: 'SUCCEEDED',
        statusMessage: 'Imported.',
        terminal: true,
        createdAt: '2024-07-02T09:25:45.678Z',
        updatedAt: '2024-07-02T09:26:41.000Z',
        completedAt: '2024-07-02T09:26:41.000Z',
        clientToken: 'qa-import-01',
        jobType: 'NODE_PACKAGE_VERSION',
        status: 'SUCCEEDED',
        // The object_detector 1.1 descriptor, as the failed job's.
        inputConfig: FAILED_RECORD.inputConfig,
        outputConfig: {
          packageVersionOutputConfig: {
            markLatest: false,
            packageName: 'object_detector',
            packageVersion: '1.1',
          },
        },
        output: {
          outputS3Location: {
            bucketName: 'panorama-packages-us-east-1-123456789012',
            objectKey: '123456789012/nodePackage/object_detector/1.1/descriptor.json',
          },
          packageId: 'package-7h2k9d4m1x6c3v8b5n0z2q4w7e',
          packageVersion: '1.1',
          patchVersion: '0',
        },
        jobTags: [{ resourceType: 'PACKAGE', tags: [] }],
      }),
    );
  });

  it('turns unknown enum values into null and an unknown status into UNKNOWN, keeping the raw status', async () => {
    const { result } = await fetchFixture(
      'unknown-enum-values.json',
      KEY('pkgimport-b71d3f5a9e0c2864'),
    );
    expect(await result).toEqual(
      panoramaRecord('pkgimport-b71d3f5a9e0c2864', {
        state: 'UNKNOWN',
        providerStatus: 'CANCELLED',
        statusMessage: 'Cancelled by the service.',
        terminal: false,
        createdAt: '2024-07-02T09:25:45.000Z',
        updatedAt: '2024-07-02T09:26:40.000Z',
        completedAt: null,
        clientToken: null,
        jobType: null,
        status: null,
        inputConfig: { packageVersionInputConfig: null },
        outputConfig: { packageVersionOutputConfig: null },
        output: null,
        jobTags: [{ resourceType: null, tags: [{ key: 'team', value: 'retail-vision' }] }],
      }),
    );
  });

  it('reads epoch seconds in scientific notation (1.719826003456E9)', async () => {
    const { result } = await fetchFixture(
      'scientific-notation.json',
      KEY('pkgimport-b71d3f5a9e0c2864'),
    );
    // The failed demo job, its times in the notation the service writes some of them in.
    expect(await result).toEqual(
      panoramaRecord(FAILED_RECORD.jobId, {
        ...FAILED_RECORD,
        createdAt: '2024-07-01T09:26:43.456Z',
        updatedAt: '2024-07-01T09:29:47.000Z',
        completedAt: '2024-07-01T09:29:47.000Z',
      }),
    );
  });

  it('parses the raw JSON body the same way as the SDK output', async () => {
    const { result } = await fetchFixture('success-full.json');
    const viaSdk = await result;
    const raw = JSON.parse(fixture('success-full.json').body) as unknown;
    expect(parse(KEY('pkgimport-5f3a9c1e7b2d4086'), raw)).toEqual(viaSdk);
  });

  // Its error answers: the contract table (test/datasources/shared/errorAnswers.test.ts).
});
