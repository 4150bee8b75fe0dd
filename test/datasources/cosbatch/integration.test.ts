import COS from 'cos-nodejs-sdk-v5';
import { readdirSync, readFileSync } from 'node:fs';
import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { UpstreamError } from '../../../src/errors.ts';
import { upstreamFailure } from '../../support/fixtures.ts';
import { parseGlobalId, type CosBatchKey } from '../../../src/model/globalId.ts';
import {
  COSBATCH_STATE_MAP,
  type CosBatchJobRecord,
} from '../../../src/datasources/cosbatch/record.ts';
import { cosBatch } from '../../../src/datasources/cosbatch/index.ts';
import type { CosSourceOptions } from '../../../src/datasources/shared/options.ts';
import type { JobSource } from '../../../src/datasources/shared/types.ts';
import { DEMO_TENCENT_CREDENTIALS } from '@jobgraph/emulators/framework';
import { createCosBatchEmulator } from '@jobgraph/emulators/cosbatch/emulator';
import {
  DEMO_GLOBAL_IDS,
  DEMO_JOB_IDS,
  COS_DEMO_JOBS_REFERENCE_MS,
  DEMO_JOBS,
  ERROR_CASE_GLOBAL_IDS,
  EXAMPLE_GLOBAL_ID,
} from '@jobgraph/emulators/cosbatch/data';
import { createSource } from '../../../src/datasources/shared/source.ts';
import { sendRaw } from '../../support/rawHttp.ts';
import { useEmulator } from '../../support/useEmulator.ts';
import { demoIsoMover } from '@jobgraph/emulators/demoDates';
import { DEMO_COS_SIGNING, oneAttempt } from '../../support/oneAttempt.ts';

const DEMO = DEMO_TENCENT_CREDENTIALS;
const CONTROL_HOST = `${DEMO.uin}.cos-control.${DEMO.region}.myqcloud.com`;
const XML_DECLARATION = "<?xml version='1.0' encoding='utf-8' ?>";

/** When the emulator starts: its demo jobs are dated before it (cosDemoJobAt). */
const STARTED_MS = Date.now();
/** A time of the demo data (dated as data.ts writes it) moved to the emulator's start. */
const moved = demoIsoMover(COS_DEMO_JOBS_REFERENCE_MS, STARTED_MS);
const emu = useEmulator(() => createCosBatchEmulator({ startedMs: STARTED_MS }));
// An emulator whose clock runs two hours ahead: every signature it sees has expired.
const lateEmu = useEmulator(() => createCosBatchEmulator({ now: () => Date.now() + 7_200_000 }));
const opened: { close?(): void }[] = [];

afterEach(() => {
  emu.resetFaults();
  for (const s of opened.splice(0)) s.close?.();
});

function source(
  extra: Partial<CosSourceOptions> = {},
): JobSource<'TENCENT_COS_BATCH', CosBatchJobRecord> {
  const s = createSource(cosBatch, {
    ...oneAttempt({ maxSockets: 4 }),
    ...DEMO_COS_SIGNING,
    endpoint: emu.url,
    ...extra,
  });
  opened.push(s);
  return s;
}

const keyOf = (globalId: string) => parseGlobalId(globalId) as CosBatchKey;

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  const u = await upstreamFailure(p);
  expect(u.message).not.toMatch(/https?:\/\/|127\.0\.0\.1|myqcloud|<|q-signature/);
  expect(JSON.stringify(u)).not.toContain(DEMO.secretKey);
  return u;
}

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request signed by the official SDK's signer (not jobgraph's), sent with exactly the given headers. */
function rawRequest(
  path: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    sign?: boolean;
    signHost?: string;
    secretKey?: string;
  } = {},
): Promise<RawAnswer> {
  const port = new URL(emu.url).port;
  const headers: Record<string, string> = {
    host: `127.0.0.1:${port}`,
    'x-cos-appid': DEMO.appId,
    ...opts.headers,
  };
  if (opts.sign !== false) {
    headers['authorization'] = COS.getAuthorization({
      SecretId: DEMO.secretId,
      SecretKey: opts.secretKey ?? DEMO.secretKey,
      Method: (opts.method ?? 'GET') as 'GET',
      Pathname: path,
      Query: opts.query ?? {},
      Headers: { ...headers, host: opts.signHost ?? headers['host'] ?? '' },
    });
  }
  const qs = opts.query ? `?${new URLSearchParams(opts.query).toString()}` : '';
  return sendRaw({
    host: '127.0.0.1',
    port,
    path: `${path}${qs}`,
    method: opts.method ?? 'GET',
    headers,
    agent: false,
  });
}

function errorCode(body: string): string | null {
  return /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? null;
}

describe('CosBatch emulator with jobgraph’s source', () => {
  it('serves every demo job, one in each of the 13 statuses', async () => {
    const s = source();
    const statuses = new Set<string>();
    for (const globalId of DEMO_GLOBAL_IDS) {
      const key = keyOf(globalId);
      const record = await s.fetchJob(key);
      const wire = DEMO_JOBS.get(key.jobId)!;
      expect(record.id).toBe(globalId);
      expect(record.nativeId).toBe(key.jobId);
      expect(record.jobId).toBe(key.jobId);
      expect(record.providerStatus).toBe(wire['Status']);
      const failed = (wire['ProgressSummary'] as Record<string, unknown>)[
        'NumberOfTasksFailed'
      ] as number;
      expect(record.state).toBe(
        wire['Status'] === 'Complete' && failed > 0
          ? 'SUCCEEDED_WITH_ERRORS'
          : COSBATCH_STATE_MAP[wire['Status'] as string],
      );
      expect(record.terminal).toBe(
        ['Complete', 'Failed', 'Cancelled'].includes(wire['Status'] as string),
      );
      statuses.add(record.status as string);
    }
    expect([...statuses].sort()).toEqual(Object.keys(COSBATCH_STATE_MAP).sort());
    expect(emu.calls.filter((c) => c.status === 200)).toHaveLength(DEMO_GLOBAL_IDS.length);
  });

  it('serves the example job with every copy option and no padded failure', async () => {
    const record = await source().fetchJob(keyOf(EXAMPLE_GLOBAL_ID));
    expect(record).toMatchObject({
      state: 'SUCCEEDED',
      providerStatus: 'Complete',
      statusMessage: 'Job complete',
      createdAt: moved('2026-03-02T08:15:30.000Z'),
      completedAt: moved('2026-03-02T08:21:04.000Z'),
      // A finished job last changed when it ended.
      updatedAt: moved('2026-03-02T08:21:04.000Z'),
      failureReasons: [],
      clientRequestToken: 'a4f1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      manifest: {
        location: {
          eTag: '"15150651828fa9cdcb8356b6d1c7638b"',
          objectVersionId: 'MTg0NDUxNTc1NjIzMTQ1MjAwOTA',
        },
      },
      progressSummary: {
        numberOfTasksFailed: 0,
        numberOfTasksSucceeded: 1200,
        totalNumberOfTasks: 1200,
        autoManifestStatus: 'Completed',
      },
    });
    const copy = record.operation?.putObjectCopy;
    expect(record.operation?.name).toBe('COSPutObjectCopy');
    expect(copy?.accessControlGrants).toHaveLength(2);
    expect(copy?.newObjectMetadata?.userMetadata).toEqual([
      { key: 'x-cos-meta-source', value: 'uploads' },
      { key: 'x-cos-meta-batch', value: '2026-03-02' },
    ]);
    expect(copy?.newObjectTagging).toEqual([
      { key: 'team', value: 'data-platform' },
      { key: 'retention', value: '365d' },
    ]);
    expect(Object.values(copy ?? {}).every((v) => v !== null)).toBe(true);
  });

  it('serves each operation kind and one-element lists', async () => {
    const s = source();
    const at = (jobId: string) =>
      s.fetchJob({ provider: 'TENCENT_COS_BATCH', region: DEMO.region, uin: DEMO.uin, jobId });
    expect((await at(DEMO_JOB_IDS.activeRestore)).operation).toEqual({
      name: 'COSInitiateRestoreObject',
      putObjectCopy: null,
      initiateRestoreObject: { expirationInDays: 7, jobTier: 'Standard' },
      putObjectTagging: null,
    });
    expect((await at(DEMO_JOB_IDS.completingTagging)).operation?.putObjectTagging).toEqual({
      tags: [
        { key: 'quarter', value: '2026Q1' },
        { key: 'classification', value: 'internal' },
      ],
    });
    const one = await at(DEMO_JOB_IDS.failingOneElement);
    expect(one.manifest?.spec?.fields).toEqual(['Key']);
    expect(one.failureReasons).toHaveLength(1);
    expect(one.operation?.putObjectCopy?.accessControlGrants).toHaveLength(1);
    expect(one.operation?.putObjectCopy?.newObjectMetadata?.userMetadata).toHaveLength(1);
    expect(one.operation?.putObjectCopy?.newObjectTagging).toHaveLength(1);
    const withErrors = await at(DEMO_JOB_IDS.completeWithFailedTasks);
    expect(withErrors.state).toBe('SUCCEEDED_WITH_ERRORS');
    const suspended = await at(DEMO_JOB_IDS.suspended);
    expect(suspended).toMatchObject({
      state: 'PAUSED',
      suspendedCause: 'AwaitingConfirmation',
      suspendedDate: moved('2026-03-10T10:00:04.000Z'),
    });
  });

  // Its error cases, fault knobs and credentials: the contract suite (shared/emulatorContract.test.ts).
  it('answers NOT_FOUND for a job it does not hold', async () => {
    const unknown = await failure(
      source().fetchJob({
        provider: 'TENCENT_COS_BATCH',
        region: DEMO.region,
        uin: DEMO.uin,
        jobId: 'abcdef12-0000-4000-8000-000000000001',
      }),
    );
    expect(unknown.code).toBe('NOT_FOUND');
  });

  it('answers UPSTREAM_ACCESS_DENIED for an expired signature', async () => {
    const err = await failure(source({ endpoint: lateEmu.url }).fetchJob(keyOf(EXAMPLE_GLOBAL_ID)));
    expect(err).toMatchObject({ code: 'UPSTREAM_ACCESS_DENIED', upstreamCode: 'AccessDenied' });
  });

  it('answers UPSTREAM_ACCESS_DENIED for another APPID', async () => {
    expect(
      await failure(source({ appId: '1250000099' }).fetchJob(keyOf(EXAMPLE_GLOBAL_ID))),
    ).toMatchObject({
      code: 'UPSTREAM_ACCESS_DENIED',
      upstreamCode: 'AccessDenied',
    });
  });
});

describe('CosBatch emulator on the wire', () => {
  it('answers DescribeJob as COS does', async () => {
    const jobId = keyOf(EXAMPLE_GLOBAL_ID).jobId;
    const res = await rawRequest(`/jobs/${jobId}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/xml');
    expect(res.headers['server']).toBe('tencent-cos');
    expect(res.headers['x-cos-request-id']).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(res.headers['x-cos-trace-id']).toBeUndefined();
    expect(res.body.startsWith(`${XML_DECLARATION}\n<DescribeJobResult>\n    <Job>\n`)).toBe(true);
    expect(res.body).toContain('<ETag>&quot;15150651828fa9cdcb8356b6d1c7638b&quot;</ETag>');
    expect(res.body).toContain(
      '            <JobFailure>\n                <FailureCode/>\n                <FailureReason/>\n            </JobFailure>',
    );
  });

  it('answers errors with the <Error> envelope and x-cos-trace-id', async () => {
    const res = await rawRequest(`/jobs/${keyOf(ERROR_CASE_GLOBAL_IDS.notFound).jobId}`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/xml');
    expect(res.headers['server']).toBe('tencent-cos');
    expect(res.headers['x-cos-trace-id']).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(res.body).toMatch(
      /^<\?xml version='1\.0' encoding='utf-8' \?>\n<Error>\n {4}<Code>NoSuchJob<\/Code>\n {4}<Message>[^<]+<\/Message>\n {4}<Resource>[^<]+<\/Resource>\n {4}<RequestId>[^<]+<\/RequestId>\n {4}<TraceId>[^<]+<\/TraceId>\n<\/Error>$/,
    );
    expect(res.body).toContain(
      `<RequestId>${res.headers['x-cos-request-id'] as string}</RequestId>`,
    );
  });

  it('answers 400 InvalidArgument without x-cos-appid', async () => {
    const res = await rawRequest(`/jobs/${keyOf(EXAMPLE_GLOBAL_ID).jobId}`, {
      headers: { 'x-cos-appid': '' },
    });
    expect(res.status).toBe(400);
    expect(errorCode(res.body)).toBe('InvalidArgument');
    expect(res.body).toContain('<Message>x-cos-appid cannot be empty</Message>');
  });

  it('answers 403 AccessDenied without a signature', async () => {
    const res = await rawRequest(`/jobs/${keyOf(EXAMPLE_GLOBAL_ID).jobId}`, { sign: false });
    expect(res.status).toBe(403);
    expect(errorCode(res.body)).toBe('AccessDenied');
  });

  it('answers 403 SignatureDoesNotMatch when the signed Host is not the Host sent', async () => {
    const res = await rawRequest(`/jobs/${keyOf(EXAMPLE_GLOBAL_ID).jobId}`, {
      signHost: CONTROL_HOST,
    });
    expect(res.status).toBe(403);
    expect(errorCode(res.body)).toBe('SignatureDoesNotMatch');
  });

  it('accepts the cos-control host of the demo account', async () => {
    const res = await rawRequest(`/jobs/${keyOf(EXAMPLE_GLOBAL_ID).jobId}`, {
      headers: { host: CONTROL_HOST },
    });
    expect(res.status).toBe(200);
  });

  it('refuses another account in the Host labels and finds no job in another region', async () => {
    const otherUin = await rawRequest(`/jobs/${keyOf(EXAMPLE_GLOBAL_ID).jobId}`, {
      headers: { host: `100000000099.cos-control.${DEMO.region}.myqcloud.com` },
    });
    expect(otherUin.status).toBe(403);
    expect(errorCode(otherUin.body)).toBe('AccessDenied');
    const otherRegion = await rawRequest(`/jobs/${keyOf(EXAMPLE_GLOBAL_ID).jobId}`, {
      headers: { host: `${DEMO.uin}.cos-control.ap-chengdu.myqcloud.com` },
    });
    expect(otherRegion.status).toBe(404);
    expect(errorCode(otherRegion.body)).toBe('NoSuchJob');
  });

  it('answers 405 for other methods and 400 for other paths', async () => {
    const del = await rawRequest(`/jobs/${keyOf(EXAMPLE_GLOBAL_ID).jobId}`, { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(errorCode(del.body)).toBe('MethodNotAllowed');
    const other = await rawRequest('/buckets');
    expect(other.status).toBe(400);
    expect(errorCode(other.body)).toBe('InvalidRequest');
    const empty = await rawRequest('/jobs/');
    expect(empty.status).toBe(400);
    expect(errorCode(empty.body)).toBe('InvalidRequest');
  });

  it('imports nothing from src/datasources', () => {
    const dir = new URL('../../../packages/emulators/src/cosbatch/', import.meta.url);
    for (const file of readdirSync(dir)) {
      expect(readFileSync(new URL(file, dir), 'utf8')).not.toMatch(/from '[^']*datasources/);
    }
  });
});
