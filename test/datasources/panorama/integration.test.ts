import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribePackageImportJobCommand,
  ListPackagesCommand,
  PanoramaClient,
  type DescribePackageImportJobCommandOutput,
} from '@aws-sdk/client-panorama';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamError } from '../../../src/errors.ts';
import { upstreamFailure } from '../../support/fixtures.ts';
import { parseGlobalId, type PanoramaKey } from '../../../src/model/globalId.ts';
import { panorama } from '../../../src/datasources/panorama/index.ts';
import type { PanoramaPackageImportJobRecord } from '../../../src/datasources/panorama/record.ts';
import type { AwsSourceOptions } from '../../../src/datasources/shared/options.ts';
import {
  DEMO_AWS_CREDENTIALS,
  startEmulator,
  type RunningEmulator,
} from '@jobgraph/emulators/framework';
import { createPanoramaEmulator } from '@jobgraph/emulators/panorama/emulator';
import {
  ACCESS_DENIED_GLOBAL_ID,
  DEMO_GLOBAL_IDS,
  ERROR_CASE_GLOBAL_IDS,
  EXAMPLE_GLOBAL_ID,
  PANORAMA_DEMO_JOBS,
  PANORAMA_DEMO_JOBS_REFERENCE_MS,
  panoramaDemoJobsAt,
} from '@jobgraph/emulators/panorama/data';
import { demoIsoMover, demoMover } from '@jobgraph/emulators/demoDates';
import { createSource } from '../../../src/datasources/shared/source.ts';
import { sendRaw } from '../../support/rawHttp.ts';
import { EXAMPLE_RECORD, FAILED_RECORD, MINIMAL_RECORD, PENDING_RECORD } from './expected.ts';

let emu: RunningEmulator;
/** When the emulator starts: its demo jobs are dated before it (panoramaDemoJobsAt). */
const STARTED_MS = Date.now();
const JOBS_AT_START = panoramaDemoJobsAt(STARTED_MS);
const movedIso = demoIsoMover(PANORAMA_DEMO_JOBS_REFERENCE_MS, STARTED_MS);
const movedMs = demoMover(PANORAMA_DEMO_JOBS_REFERENCE_MS, STARTED_MS);

/** A record of expected.ts (dated as the fixtures are) with its times moved to the emulator's start. */
function movedRecord(r: PanoramaPackageImportJobRecord): PanoramaPackageImportJobRecord {
  const times = [
    'createdAt',
    'updatedAt',
    'completedAt',
    'createdTime',
    'lastUpdatedTime',
  ] as const;
  const out: Record<string, unknown> = { ...r };
  for (const field of times) {
    const value = r[field];
    if (typeof value === 'string') out[field] = movedIso(value);
  }
  return out as unknown as PanoramaPackageImportJobRecord;
}

const closers: (() => void)[] = [];

beforeAll(async () => {
  emu = await startEmulator(createPanoramaEmulator({ startedMs: STARTED_MS }));
});
afterAll(async () => {
  for (const c of closers) c();
  await emu.close();
});
beforeEach(() => {
  emu.resetFaults();
  emu.calls.length = 0;
});

const key = (globalId: string) => parseGlobalId(globalId) as PanoramaKey;

function source(patch: Partial<AwsSourceOptions> = {}) {
  const s = createSource(panorama, {
    endpoint: emu.url,
    credentials: DEMO_AWS_CREDENTIALS,
    timeoutMs: 2000,
    maxAttempts: 1,
    maxSockets: 4,
    ...patch,
  });
  closers.push(() => s.close?.());
  return s;
}

function sdkClient(
  credentials: { accessKeyId: string; secretAccessKey: string } = { ...DEMO_AWS_CREDENTIALS },
  region = 'us-east-1',
) {
  const c = new PanoramaClient({ region, endpoint: emu.url, credentials, maxAttempts: 1 });
  closers.push(() => c.destroy());
  return c;
}

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  const u = await upstreamFailure(p);
  expect(u.message).not.toMatch(/https?:\/\/|127\.0\.0\.1/);
  return u;
}

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const EXPECTED: Record<string, PanoramaPackageImportJobRecord> = {
  'pkgimport-5f3a9c1e7b2d4086': movedRecord(EXAMPLE_RECORD),
  'pkgimport-8c2e6a0d4f1b3957': movedRecord(PENDING_RECORD),
  'pkgimport-b71d3f5a9e0c2864': movedRecord(FAILED_RECORD),
  'pkgimport-2a4c6e8f0b1d3579': movedRecord(MINIMAL_RECORD),
};

describe('Panorama demo data', () => {
  it('has a demo job in every status and of every job type', () => {
    const jobs = Object.values(PANORAMA_DEMO_JOBS).map((j) => j.wire);
    expect(new Set(jobs.map((j) => j.Status))).toEqual(new Set(['PENDING', 'SUCCEEDED', 'FAILED']));
    expect(new Set(jobs.map((j) => j.JobType))).toEqual(
      new Set(['NODE_PACKAGE_VERSION', 'MARKETPLACE_NODE_PACKAGE_VERSION']),
    );
  });

  it('lists every demo job as a valid global ID, the example among them', () => {
    expect(DEMO_GLOBAL_IDS).toHaveLength(Object.keys(PANORAMA_DEMO_JOBS).length);
    for (const id of [
      ...DEMO_GLOBAL_IDS,
      ...Object.values(ERROR_CASE_GLOBAL_IDS),
      ACCESS_DENIED_GLOBAL_ID,
    ]) {
      expect(parseGlobalId(id).provider).toBe('AWS_PANORAMA');
    }
    expect(DEMO_GLOBAL_IDS).toContain(EXAMPLE_GLOBAL_ID);
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(PANORAMA_DEMO_JOBS).sort());
  });

  it('holds nothing that looks like a real AWS access key', () => {
    expect(JSON.stringify(PANORAMA_DEMO_JOBS)).not.toMatch(/AKIA[0-9A-Z]{16}/);
  });
});

describe('Panorama source over HTTP', () => {
  it.each(DEMO_GLOBAL_IDS)('reads demo job %s completely', async (globalId) => {
    const k = key(globalId);
    expect(await source().fetchJob(k)).toEqual(EXPECTED[k.jobId]);
  });

  it('answers NOT_FOUND for a demo job asked for in another region', async () => {
    const err = await failure(
      source().fetchJob({
        provider: 'AWS_PANORAMA',
        region: 'us-west-2',
        jobId: 'pkgimport-5f3a9c1e7b2d4086',
      }),
    );
    expect(err.code).toBe('NOT_FOUND');
    expect(emu.calls[0]?.job).toBe('us-west-2/pkgimport-5f3a9c1e7b2d4086');
  });

  // Its error cases, fault knobs and credentials: the contract suite (shared/emulatorContract.test.ts).
  it('gives the server-error job its Retry-After', async () => {
    const err = await failure(source().fetchJob(key(ERROR_CASE_GLOBAL_IDS.serverError)));
    expect([err.code, err.retryAfterSeconds]).toEqual(['UPSTREAM_UNAVAILABLE', 1]);
  });

  it('answers UPSTREAM_ACCESS_DENIED when the clocks disagree by more than 15 minutes', async () => {
    const skewed = await startEmulator(
      createPanoramaEmulator({ now: () => Date.now() + 60 * 60 * 1000 }),
    );
    const s = createSource(panorama, {
      endpoint: skewed.url,
      credentials: DEMO_AWS_CREDENTIALS,
      timeoutMs: 2000,
      maxAttempts: 1,
      maxSockets: 1,
    });
    try {
      const err = await failure(s.fetchJob(key(EXAMPLE_GLOBAL_ID)));
      expect(err.code).toBe('UPSTREAM_ACCESS_DENIED');
      expect(err.upstreamCode).toBe('InvalidSignatureException');
    } finally {
      s.close?.();
      await skewed.close();
    }
  });

  it('degrades to UPSTREAM_UNAVAILABLE, naming the end of support, when the endpoint does not answer', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await failure(
      source({ endpoint: `http://127.0.0.1:${port}` }).fetchJob(key(EXAMPLE_GLOBAL_ID)),
    );
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.message).toBe(
      'AWS Panorama is unreachable (ECONNREFUSED). AWS ended support for Panorama on 2026-05-31, so its endpoint may no longer answer.',
    );
    expect(err.retryable).toBe(true);
  });
});

describe('Panorama emulator with the AWS SDK client', () => {
  it.each(Object.keys(PANORAMA_DEMO_JOBS))(
    'serves demo job %s to DescribePackageImportJobCommand',
    async (jobId) => {
      const out: DescribePackageImportJobCommandOutput = await sdkClient().send(
        new DescribePackageImportJobCommand({ JobId: jobId }),
      );
      const wire = (JOBS_AT_START[jobId] as { wire: Record<string, unknown> }).wire;
      expect(out.$metadata.httpStatusCode).toBe(200);
      expect(out.$metadata.requestId).toMatch(REQUEST_ID);
      expect(out.JobId).toBe(jobId);
      expect(out.Status).toBe(wire.Status);
      expect(out.JobType).toBe(wire.JobType);
      expect(out.StatusMessage).toBe(wire.StatusMessage);
      expect(out.CreatedTime).toEqual(new Date(Math.round((wire.CreatedTime as number) * 1000)));
      expect(out.LastUpdatedTime).toEqual(
        new Date(Math.round((wire.LastUpdatedTime as number) * 1000)),
      );
      expect(out.InputConfig).toEqual(wire.InputConfig);
      expect(out.OutputConfig).toEqual(wire.OutputConfig);
      expect(out.Output).toEqual(wire.Output);
      expect(out.JobTags).toEqual(wire.JobTags);
      expect(out.ClientToken).toBe(wire.ClientToken);
    },
  );

  it('writes the FAILED job timestamps in scientific notation', async () => {
    const raw = await signedGet('/packages/import-jobs/pkgimport-b71d3f5a9e0c2864');
    expect(raw.status).toBe(200);
    expect(raw.body).toMatch(/"CreatedTime":\d\.\d+E9,/);
    expect(raw.body).toMatch(/"LastUpdatedTime":\d\.\d+E9[,}]/);
    const body = JSON.parse(raw.body) as { CreatedTime: number; LastUpdatedTime: number };
    expect(body.CreatedTime * 1000).toBeCloseTo(movedMs(1_719_912_345_678), 0);
    expect(body.LastUpdatedTime * 1000).toBeCloseTo(movedMs(1_719_912_401_000), 0);
    expect(raw.headers['content-type']).toBe('application/json');
  });

  it('answers ResourceNotFoundException 404 with a capitalised Message', async () => {
    const err = await sdkError(
      sdkClient().send(new DescribePackageImportJobCommand({ JobId: 'pkgimport-unknown' })),
    );
    expect(err).toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
      ResourceId: 'pkgimport-unknown',
    });
    expect(err.message).toBe('Package import job pkgimport-unknown was not found.');
  });

  it('answers ValidationException 400 with Reason FIELD_VALIDATION_FAILED for a bad JobId', async () => {
    const err = await sdkError(
      sdkClient().send(new DescribePackageImportJobCommand({ JobId: 'not a valid id' })),
    );
    expect(err).toMatchObject({
      name: 'ValidationException',
      Reason: 'FIELD_VALIDATION_FAILED',
      $metadata: { httpStatusCode: 400 },
    });
    expect(err.Fields).toEqual([
      { Name: 'JobId', Message: expect.stringContaining('regular expression') },
    ]);
  });

  it('answers InternalServerException 500 with Retry-After bound to RetryAfterSeconds', async () => {
    const err = await sdkError(
      sdkClient().send(new DescribePackageImportJobCommand({ JobId: 'pkgimport-server-error' })),
    );
    expect(err).toMatchObject({
      name: 'InternalServerException',
      RetryAfterSeconds: 1,
      $fault: 'server',
    });
  });

  it('answers InvalidSignatureException 403 for a wrong signature', async () => {
    const client = sdkClient({
      accessKeyId: DEMO_AWS_CREDENTIALS.accessKeyId,
      secretAccessKey: 'wrong',
    });
    const err = await sdkError(
      client.send(new DescribePackageImportJobCommand({ JobId: 'pkgimport-5f3a9c1e7b2d4086' })),
    );
    expect(err).toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('answers MissingAuthenticationTokenException 403 to an unsigned request', async () => {
    const raw = await rawGet('/packages/import-jobs/pkgimport-5f3a9c1e7b2d4086', {});
    expect(raw.status).toBe(403);
    expect(raw.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    expect(JSON.parse(raw.body)).toEqual({ message: 'Missing Authentication Token' });
    expect(raw.headers['x-amzn-requestid']).toMatch(REQUEST_ID);
  });

  it('answers UnknownOperationException 404 for an operation it does not serve', async () => {
    const err = await sdkError(sdkClient().send(new ListPackagesCommand({})));
    expect(err).toMatchObject({
      name: 'UnknownOperationException',
      $metadata: { httpStatusCode: 404 },
    });
  });
});

/** The error an SDK call rejects with (fails the test if it resolves). */
async function sdkError(
  p: Promise<unknown>,
): Promise<Record<string, unknown> & { message: string }> {
  const err = await p.then(
    () => {
      throw new Error('expected the SDK call to fail');
    },
    (e: unknown) => e,
  );
  return err as Record<string, unknown> & { message: string };
}

/** A GET signed with @smithy/signature-v4, read as raw bytes (to see the body exactly as the emulator wrote it). */
async function signedGet(path: string) {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { Sha256 } = await import('@aws-crypto/sha256-js');
  const url = new URL(emu.url);
  const signer = new SignatureV4({
    service: 'panorama',
    region: 'us-east-1',
    credentials: { ...DEMO_AWS_CREDENTIALS },
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'GET',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    headers: { host: url.host },
    query: {},
  });
  return rawGet(path, signed.headers);
}

function rawGet(path: string, headers: Record<string, string>) {
  const url = new URL(path, emu.url);
  return sendRaw({
    host: url.hostname,
    port: url.port,
    path: `${url.pathname}${url.search}`,
    method: 'GET',
    headers,
    agent: false,
  });
}
