import { Sha256 } from '@aws-crypto/sha256-js';
import { GetReferenceImportJobCommand, OmicsClient } from '@aws-sdk/client-omics';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { UpstreamError } from '../../../src/errors.ts';
import { upstreamFailure } from '../../support/fixtures.ts';
import { parseGlobalId, type OmicsKey } from '../../../src/model/globalId.ts';
import { omics } from '../../../src/datasources/omics/index.ts';
import type { OmicsReferenceImportJobRecord } from '../../../src/datasources/omics/record.ts';
import type { AwsSourceOptions } from '../../../src/datasources/shared/options.ts';
import type { JobSource } from '../../../src/datasources/shared/types.ts';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { createOmicsEmulator } from '@jobgraph/emulators/omics/emulator';
import {
  DEMO_GLOBAL_IDS,
  ERROR_CASE_GLOBAL_IDS,
  EXAMPLE_GLOBAL_ID,
  OMICS_DEMO_JOBS,
  OMICS_DEMO_JOBS_REFERENCE_MS,
  omicsDemoJobsAt,
} from '@jobgraph/emulators/omics/data';
import { createSource } from '../../../src/datasources/shared/source.ts';
import { OMICS_STATES } from '../../support/providerStatuses.ts';
import { EXAMPLE_JOB, omicsJobFields, omicsRecord, omicsSource } from './expected.ts';
import { oneAttempt } from '../../support/oneAttempt.ts';
import { useEmulator } from '../../support/useEmulator.ts';
import { demoIsoMover } from '@jobgraph/emulators/demoDates';

/** When the emulator starts: its demo jobs are dated before it (omicsDemoJobsAt). */
const STARTED_MS = Date.now();
const JOBS_AT_START = omicsDemoJobsAt(STARTED_MS);
/** A time of EXAMPLE_JOB (dated as the fixtures are) moved to the emulator's start. */
const moved = demoIsoMover(OMICS_DEMO_JOBS_REFERENCE_MS, STARTED_MS);
const emu = useEmulator(() => createOmicsEmulator({ startedMs: STARTED_MS }));
// An emulator whose clock runs one hour ahead of ours.
const skewedEmu = useEmulator(() => createOmicsEmulator({ now: () => Date.now() + 3_600_000 }));
const opened: { close?(): void }[] = [];
const sdkClients: OmicsClient[] = [];

afterEach(() => {
  emu.resetFaults();
});
afterAll(() => {
  for (const s of opened) s.close?.();
  for (const c of sdkClients) c.destroy();
});

function source(
  extra: Partial<AwsSourceOptions> = {},
): JobSource<'AWS_OMICS', OmicsReferenceImportJobRecord> {
  const s = createSource(omics, {
    ...oneAttempt({ maxSockets: 4 }),
    credentials: DEMO_AWS_CREDENTIALS,
    endpoint: emu.url,
    ...extra,
  });
  opened.push(s);
  return s;
}

function sdkClient(region = 'us-east-1'): OmicsClient {
  // A copy: the SDK writes a $source tag into static credentials, and the demo object is frozen.
  const c = new OmicsClient({
    region,
    endpoint: emu.url,
    disableHostPrefix: true,
    credentials: { ...DEMO_AWS_CREDENTIALS },
    maxAttempts: 1,
  });
  sdkClients.push(c);
  return c;
}

const keyOf = (globalId: string) => parseGlobalId(globalId) as OmicsKey;

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  const u = await upstreamFailure(p);
  expect(u.message).not.toMatch(/https?:\/\/|127\.0\.0\.1/);
  return u;
}

describe('Omics emulator with jobgraph source', () => {
  it('serves the example job with every field', async () => {
    const record = await source().fetchJob(keyOf(EXAMPLE_GLOBAL_ID));
    expect(record).toEqual(
      omicsRecord({
        ...omicsJobFields('8110394857', '5038720581'),
        state: 'SUCCEEDED',
        providerStatus: 'COMPLETED',
        statusMessage: 'The job completed successfully.',
        terminal: true,
        ...(Object.fromEntries(
          Object.entries(EXAMPLE_JOB.times).map(([field, iso]) => [field, moved(iso)]),
        ) as typeof EXAMPLE_JOB.times),
        roleArn: 'arn:aws:iam::123456789012:role/OmicsReferenceImportRole',
        status: 'COMPLETED',
        sources: [
          EXAMPLE_JOB.grch38,
          omicsSource({
            ...EXAMPLE_JOB.hs37d5,
            status: 'FINISHED',
            tags: [{ key: 'assembly', value: 'GRCh37' }],
          }),
        ],
      }),
    );
    expect(emu.calls.at(-1)).toEqual({
      method: 'GET',
      path: '/referencestore/5038720581/importjob/8110394857',
      operation: 'GetReferenceImportJob 5038720581/8110394857',
      job: 'us-east-1/5038720581/8110394857',
      status: 200,
    });
  });

  it.each(DEMO_GLOBAL_IDS)('serves demo job %s', async (globalId) => {
    const key = keyOf(globalId);
    const wire = JOBS_AT_START.find(
      (j) => j.id === key.id && j.referenceStoreId === key.referenceStoreId,
    )!;
    const r = await source().fetchJob(key);
    expect(r.id).toBe(globalId);
    expect(r.nativeId).toBe(wire.id);
    expect(r.referenceStoreId).toBe(wire.referenceStoreId);
    expect(r.roleArn).toBe(wire.roleArn);
    expect(r.providerStatus).toBe(wire.status);
    expect(r.status).toBe(wire.status);
    expect(r.state).toBe(OMICS_STATES[wire.status]);
    expect(r.statusMessage).toBe(wire.statusMessage ?? null);
    expect(r.createdAt).toBe(wire.creationTime);
    expect(r.completedAt).toBe(wire.completionTime ?? null);
    expect(r.sources).toEqual(
      wire.sources.map((s) => ({
        sourceFile: s.sourceFile ?? null,
        status: s.status,
        statusMessage: s.statusMessage ?? null,
        name: s.name ?? null,
        description: s.description ?? null,
        tags: Object.entries(s.tags ?? {}).map(([k, v]) => ({ key: k, value: v })),
        referenceId: s.referenceId ?? null,
      })),
    );
  });

  it('covers every job status and every source status', () => {
    expect(new Set(OMICS_DEMO_JOBS.map((j) => j.status))).toEqual(
      new Set(Object.keys(OMICS_STATES)),
    );
    expect(new Set(OMICS_DEMO_JOBS.flatMap((j) => j.sources.map((s) => s.status)))).toEqual(
      new Set(['NOT_STARTED', 'IN_PROGRESS', 'FINISHED', 'FAILED']),
    );
  });

  // Its error cases, fault knobs and credentials: the contract suite (shared/emulatorContract.test.ts).
  it('answers NOT_FOUND for a job in another store and a job in another region', async () => {
    const s = source();
    const otherStore = await failure(
      s.fetchJob({ ...keyOf(EXAMPLE_GLOBAL_ID), referenceStoreId: '7321480963' }),
    );
    expect(otherStore.code).toBe('NOT_FOUND');
    const otherRegion = await failure(
      s.fetchJob({ ...keyOf(EXAMPLE_GLOBAL_ID), region: 'eu-west-1' }),
    );
    expect(otherRegion.code).toBe('NOT_FOUND');
    expect(emu.calls.at(-1)?.job).toBe('eu-west-1/5038720581/8110394857');
  });

  it('answers UPSTREAM_UNAVAILABLE for a 408 RequestTimeoutException', async () => {
    const e = await failure(source().fetchJob(keyOf(ERROR_CASE_GLOBAL_IDS.requestTimeout)));
    expect(e).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstreamCode: 'RequestTimeoutException',
      httpStatus: 408,
    });
  });

  it('fails a skewed clock with one attempt and corrects it from the Date header with two', async () => {
    const e = await failure(source({ endpoint: skewedEmu.url }).fetchJob(keyOf(EXAMPLE_GLOBAL_ID)));
    expect(e).toMatchObject({
      code: 'UPSTREAM_ACCESS_DENIED',
      upstreamCode: 'InvalidSignatureException',
    });
    const r = await source({ maxAttempts: 2, endpoint: skewedEmu.url }).fetchJob(
      keyOf(EXAMPLE_GLOBAL_ID),
    );
    expect(r.state).toBe('SUCCEEDED');
    expect(skewedEmu.calls.map((c) => c.status)).toEqual([403, 403, 200]);
  });
});

describe('Omics emulator with the AWS SDK client', () => {
  it.each(DEMO_GLOBAL_IDS)(
    'returns demo job %s as the service model describes it',
    async (globalId) => {
      const key = keyOf(globalId);
      const wire = JOBS_AT_START.find(
        (j) => j.id === key.id && j.referenceStoreId === key.referenceStoreId,
      )!;
      const { $metadata, ...out } = await sdkClient().send(
        new GetReferenceImportJobCommand({ referenceStoreId: key.referenceStoreId, id: key.id }),
      );
      expect($metadata.httpStatusCode).toBe(200);
      expect($metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(out).toEqual({
        ...wire,
        creationTime: new Date(wire.creationTime),
        ...(wire.completionTime ? { completionTime: new Date(wire.completionTime) } : {}),
      });
    },
  );

  it.each([
    ['ResourceNotFoundException', 404, 'not-found', ERROR_CASE_GLOBAL_IDS.notFound, 'client'],
    ['ThrottlingException', 429, 'throttled', ERROR_CASE_GLOBAL_IDS.throttled, 'client'],
    ['InternalServerException', 500, 'server-error', ERROR_CASE_GLOBAL_IDS.serverError, 'server'],
  ])('throws %s with HTTP %i for the %s case', async (name, status, _case, globalId, fault) => {
    const key = keyOf(globalId);
    await expect(
      sdkClient().send(
        new GetReferenceImportJobCommand({ referenceStoreId: key.referenceStoreId, id: key.id }),
      ),
    ).rejects.toMatchObject({ name, $fault: fault, $metadata: { httpStatusCode: status } });
  });

  it('throws ValidationException with HTTP 400 for IDs that are not 10-36 digits', async () => {
    for (const [referenceStoreId, id] of [
      ['5038720581', 'abcdefghij'],
      ['5038720581', '123'],
      ['12345', '8110394857'],
      ['5038720581', '1'.repeat(37)],
    ] as const) {
      await expect(
        sdkClient().send(new GetReferenceImportJobCommand({ referenceStoreId, id })),
      ).rejects.toMatchObject({
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  it('throws InvalidSignatureException with HTTP 403 for a wrongly signed request', async () => {
    const c = new OmicsClient({
      region: 'us-east-1',
      endpoint: emu.url,
      disableHostPrefix: true,
      credentials: {
        accessKeyId: DEMO_AWS_CREDENTIALS.accessKeyId,
        secretAccessKey: 'not-the-secret',
      },
      maxAttempts: 1,
    });
    sdkClients.push(c);
    await expect(
      c.send(
        new GetReferenceImportJobCommand({ referenceStoreId: '5038720581', id: '8110394857' }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    });
  });
});

/** A request signed independently with @smithy/signature-v4 and sent with fetch, to see the raw wire. */
async function signedFetch(
  method: string,
  path: string,
  secretAccessKey: string = DEMO_AWS_CREDENTIALS.secretAccessKey,
): Promise<Response> {
  const url = new URL(path, emu.url);
  const signer = new SignatureV4({
    service: 'omics',
    region: 'us-east-1',
    credentials: { accessKeyId: DEMO_AWS_CREDENTIALS.accessKeyId, secretAccessKey },
    sha256: Sha256,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host },
    }),
  );
  return fetch(url, { method, headers: signed.headers as Record<string, string> });
}

describe('Omics emulator wire details', () => {
  it('answers an unsigned request with 403 MissingAuthenticationTokenException in the rest-json envelope', async () => {
    const res = await fetch(`${emu.url}/referencestore/5038720581/importjob/8110394857`);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ message: 'Missing Authentication Token' });
  });

  it('sends compact JSON with ISO-8601 timestamp strings, a content type and a request id on success', async () => {
    const res = await signedFetch('GET', '/referencestore/5038720581/importjob/8110394857');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.creationTime).toBe(moved('2024-07-01T09:26:43.456Z'));
    expect(body.completionTime).toBe(moved('2024-07-01T09:41:12.003Z'));
    expect(body.id).toBe('8110394857');
  });

  it('leaves absent optional members out of the body rather than sending null', async () => {
    const res = await signedFetch('GET', '/referencestore/5038720581/importjob/8110394864');
    expect(await res.json()).toEqual({
      id: '8110394864',
      referenceStoreId: '5038720581',
      roleArn: 'arn:aws:iam::123456789012:role/OmicsReferenceImportRole',
      status: 'IN_PROGRESS',
      creationTime: moved('2024-07-06T00:00:00.000Z'),
      sources: [{ status: 'IN_PROGRESS' }],
    });
  });

  it('answers a signed request for an unknown route with 404 UnknownOperationException', async () => {
    for (const [method, path] of [
      ['POST', '/referencestore/5038720581/importjob/8110394857'],
      ['GET', '/referencestore/5038720581/importjobs'],
      ['GET', '/'],
    ] as const) {
      const res = await signedFetch(method, path);
      expect(res.status).toBe(404);
      expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    }
  });

  it('names the failed constraint in a ValidationException', async () => {
    const res = await signedFetch('GET', '/referencestore/5038720581/importjob/12ab567890');
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('ValidationException');
    expect(await res.json()).toEqual({
      message:
        "1 validation error detected: Value '12ab567890' at 'id' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+",
    });
  });

  it('answers a wrong secret with 403 InvalidSignatureException', async () => {
    const res = await signedFetch(
      'GET',
      '/referencestore/5038720581/importjob/8110394857',
      'not-the-secret',
    );
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });
});
