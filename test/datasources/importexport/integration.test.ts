import './quietAwsSdkV2.ts';
import AWS from 'aws-sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createImportExportSource } from '../../../src/datasources/importexport/index.ts';
import { type ImportExportJobRecord } from '../../../src/datasources/importexport/record.ts';
import type { SourceSeams } from '../../../src/datasources/shared/seams.ts';
import { signSigV4 } from './sigv4.ts';
import { DEMO_AWS_CREDENTIALS, startEmulator, type RunningEmulator } from '../../../src/emulators/framework.ts';
import {
  DEMO_GLOBAL_IDS,
  DEMO_IMPORTEXPORT_SESSION_TOKEN,
  DEMO_JOBS,
  ERROR_CASE_GLOBAL_IDS,
  ERROR_CASE_JOB_IDS,
  EXAMPLE_GLOBAL_ID,
  GONE_CASE_GLOBAL_IDS,
  type WireGetStatusResult,
} from '../../../src/emulators/importexport/data.ts';
import { createImportExportEmulator } from '../../../src/emulators/importexport/emulator.ts';
import { parseGlobalId, type ImportExportKey } from '../../../src/globalId.ts';
import { upstreamFailure } from '../../support/fixtures.ts';
import { expectCleanMessage } from './helpers.ts';

const DEMO = { ...DEMO_AWS_CREDENTIALS };
const key = (jobId: string): ImportExportKey => ({ provider: 'AWS_IMPORT_EXPORT', jobId });
const jobIdOf = (globalId: string) => (parseGlobalId(globalId) as ImportExportKey).jobId;

/** The test's own expectation of a record, from the emulator's wire data (independent of parse.ts). */
const STATES: Record<string, ImportExportJobRecord['state']> = {
  Pending: 'QUEUED',
  InProgress: 'IN_PROGRESS',
  Complete: 'SUCCEEDED',
  SuccessWithErrors: 'SUCCEEDED_WITH_ERRORS',
  Canceled: 'CANCELLED',
  Expired: 'FAILED',
  DeviceError: 'FAILED',
  InvalidSignature: 'FAILED',
  MissingDevice: 'FAILED',
  MissingSignature: 'FAILED',
  UnsupportedDeviceType: 'FAILED',
  UnsupportedFileFormat: 'FAILED',
  UnsupportedPowerSupply: 'FAILED',
};
function expectedRecord(w: WireGetStatusResult): ImportExportJobRecord {
  const state = (w.ProgressCode && STATES[w.ProgressCode]) || 'UNKNOWN';
  const created = w.CreationDate ? new Date(w.CreationDate).toISOString() : null;
  return {
    id: `importexport:${w.JobId}`,
    provider: 'AWS_IMPORT_EXPORT',
    nativeId: w.JobId,
    region: null,
    state,
    providerStatus: w.ProgressCode ?? null,
    statusMessage: w.ProgressMessage ?? null,
    terminal: ['CANCELLED', 'SUCCEEDED', 'SUCCEEDED_WITH_ERRORS', 'FAILED'].includes(state),
    createdAt: created,
    updatedAt: null,
    completedAt: null,
    jobId: w.JobId,
    jobType: w.JobType ?? null,
    locationCode: w.LocationCode ?? null,
    locationMessage: w.LocationMessage ?? null,
    progressCode: w.ProgressCode ?? null,
    progressMessage: w.ProgressMessage ?? null,
    carrier: w.Carrier ?? null,
    trackingNumber: w.TrackingNumber ?? null,
    logBucket: w.LogBucket ?? null,
    logKey: w.LogKey ?? null,
    errorCount: w.ErrorCount ?? null,
    signature: w.Signature ?? null,
    signatureFileContents: w.SignatureFileContents ?? null,
    currentManifest: w.CurrentManifest ?? null,
    creationDate: created,
    artifactList: (w.ArtifactList ?? []).map((a) => ({ description: a.Description ?? null, url: a.URL ?? null })),
    awsShippingAddress: w.AwsShippingAddress ?? null,
    warningMessage: w.WarningMessage ?? null,
  };
}

describe('ImportExport demo data', () => {
  it('has a job for every documented ProgressCode, both job types, and a minimal job', () => {
    const codes = new Set(DEMO_JOBS.map((j) => j.ProgressCode));
    for (const code of Object.keys(STATES)) expect(codes).toContain(code);
    expect(new Set(DEMO_JOBS.map((j) => j.JobType))).toEqual(new Set(['Import', 'Export', undefined]));
    expect(DEMO_JOBS.find((j) => j.JobId === 'MINI1')).toEqual({ JobId: 'MINI1', ProgressCode: 'Pending' });
  });

  it('has every optional element on at least one job', () => {
    const seen = new Set(DEMO_JOBS.flatMap((j) => Object.keys(j)));
    for (const name of [
      'JobType', 'LocationCode', 'LocationMessage', 'ProgressCode', 'ProgressMessage', 'Carrier', 'TrackingNumber', 'LogBucket',
      'LogKey', 'ErrorCount', 'Signature', 'SignatureFileContents', 'CurrentManifest', 'CreationDate', 'ArtifactList',
      'AwsShippingAddress', 'WarningMessage',
    ]) {
      expect(seen).toContain(name);
    }
    expect(DEMO_JOBS.some((j) => j.ArtifactList?.length === 0)).toBe(true);
    expect(DEMO_JOBS.some((j) => j.ArtifactList?.length === 1)).toBe(true);
    expect(DEMO_JOBS.some((j) => (j.ArtifactList?.length ?? 0) > 1)).toBe(true);
    expect(DEMO_JOBS.some((j) => j.ProgressCode === 'Complete' && j.ErrorCount === 0)).toBe(true);
    expect(DEMO_JOBS.some((j) => j.ProgressCode === 'SuccessWithErrors' && (j.ErrorCount ?? 0) > 0)).toBe(true);
  });

  it('uses only obviously fake secrets', () => {
    const text = JSON.stringify(DEMO_JOBS);
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}/);
    for (const j of DEMO_JOBS.filter((x) => x.Signature)) expect(j.Signature).toMatch(/^DEMO-SIGNATURE-/);
    for (const a of DEMO_JOBS.flatMap((x) => x.ArtifactList ?? [])) expect(a.URL).toMatch(/X-Amz-Signature=DEMOSIG/);
  });

  it('lists global IDs that parse and name demo jobs', () => {
    expect(DEMO_GLOBAL_IDS).toHaveLength(DEMO_JOBS.length);
    expect(DEMO_GLOBAL_IDS).toContain(EXAMPLE_GLOBAL_ID);
    for (const id of [...DEMO_GLOBAL_IDS, ...Object.values(ERROR_CASE_GLOBAL_IDS), ...Object.values(GONE_CASE_GLOBAL_IDS)]) {
      expect(parseGlobalId(id).provider).toBe('AWS_IMPORT_EXPORT');
    }
  });
});

describe('ImportExport emulator', () => {
  let emu: RunningEmulator;
  let source: ReturnType<typeof createImportExportSource>;
  let v2: AWS.ImportExport;

  const sourceWith = (over: Partial<Parameters<typeof createImportExportSource>[0]> = {}, seams: SourceSeams = {}) =>
    createImportExportSource(
      {
        endpoint: emu.url,
        credentials: DEMO,
        timeoutMs: 2000,
        maxAttempts: 1,
        maxSockets: 4,
        ...over,
      },
      { sleep: async () => {}, ...seams },
    );
  const v2With = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = DEMO) =>
    new AWS.ImportExport({ endpoint: emu.url, region: 'us-east-1', credentials, maxRetries: 0, httpOptions: { timeout: 2000 } });

  beforeAll(async () => {
    emu = await startEmulator(createImportExportEmulator());
    source = sourceWith();
    v2 = v2With();
  });
  afterAll(async () => {
    source.close?.();
    await emu.close();
  });
  beforeEach(() => {
    emu.resetFaults();
    emu.calls.length = 0;
  });

  describe('with jobgraph\'s own source (SigV4 IngestionService)', () => {
    it.each(DEMO_JOBS.map((j) => [j.JobId, j] as const))('reads demo job %s field for field', async (jobId, wire) => {
      expect(await source.fetchJob(key(jobId))).toEqual(expectedRecord(wire));
      expect(emu.calls).toEqual([{ method: 'POST', path: '/', operation: `GetStatus ${jobId}`, job: jobId, status: 200 }]);
    });

    it('reads the example job as a returned, complete import', async () => {
      const r = await source.fetchJob(parseGlobalId(EXAMPLE_GLOBAL_ID) as ImportExportKey);
      expect([r.state, r.terminal, r.carrier, r.errorCount, r.artifactList.length]).toEqual(['SUCCEEDED', true, 'UPS', 0, 3]);
    });

    it('keeps multi-line secrets exactly through the wire', async () => {
      const r = await source.fetchJob(key('PNDG1'));
      expect(r.currentManifest).toContain('company:Example Data & Archive <Demo>\n');
      expect(r.signatureFileContents).toBe(
        'version:2.0\nsigningMethod:HmacSHA1\njobId:PNDG1\nsignature:DEMO-SIGNATURE-PNDG1-bm90LWEtcmVhbC1zaWduYXR1cmU=\n',
      );
      expect(r.artifactList[0]!.url).toContain('&X-Amz-Signature=DEMOSIGPNDG101');
    });

    it('answers NOT_FOUND for the not-found case and any unknown job', async () => {
      for (const id of [jobIdOf(ERROR_CASE_GLOBAL_IDS.notFound), 'ZZZZZ']) {
        const err = await upstreamFailure(source.fetchJob(key(id)));
        expect([err.code, err.upstreamCode, err.httpStatus]).toEqual(['NOT_FOUND', 'InvalidJobIdException', 400]);
        expect(err.upstreamRequestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expectCleanMessage(err);
      }
    });

    it('answers NOT_FOUND with distinct messages for expired and cancelled job IDs', async () => {
      const expired = await upstreamFailure(source.fetchJob(key(jobIdOf(GONE_CASE_GLOBAL_IDS.expired))));
      expect([expired.code, expired.upstreamCode]).toEqual(['NOT_FOUND', 'ExpiredJobIdException']);
      expect(expired.message).toContain('has expired');
      const canceled = await upstreamFailure(source.fetchJob(key(jobIdOf(GONE_CASE_GLOBAL_IDS.canceled))));
      expect([canceled.code, canceled.upstreamCode]).toEqual(['NOT_FOUND', 'CanceledJobIdException']);
      expect(canceled.message).toContain('was cancelled');
    });

    it('answers UPSTREAM_THROTTLED for the throttled case', async () => {
      const err = await upstreamFailure(source.fetchJob(key(jobIdOf(ERROR_CASE_GLOBAL_IDS.throttled))));
      expect([err.code, err.upstreamCode, err.httpStatus, err.retryable]).toEqual(['UPSTREAM_THROTTLED', 'Throttling', 400, true]);
      expect(err.upstreamRequestId).not.toBeNull();
    });

    it('answers UPSTREAM_UNAVAILABLE for the 5xx case', async () => {
      const err = await upstreamFailure(source.fetchJob(key(jobIdOf(ERROR_CASE_GLOBAL_IDS.serverError))));
      expect([err.code, err.upstreamCode, err.httpStatus]).toEqual(['UPSTREAM_UNAVAILABLE', 'ServiceUnavailable', 503]);
    });

    it('retries the 5xx case up to maxAttempts', async () => {
      const retrying = sourceWith({ maxAttempts: 3 });
      const err = await upstreamFailure(retrying.fetchJob(key(ERROR_CASE_JOB_IDS.serverError)));
      retrying.close?.();
      expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(emu.calls.map((c) => c.status)).toEqual([503, 503, 503]);
    });

    it('answers UPSTREAM_ACCESS_DENIED for a wrong secret key (SignatureDoesNotMatch)', async () => {
      const wrong = sourceWith({ credentials: { accessKeyId: DEMO.accessKeyId, secretAccessKey: 'not-the-demo-secret' } });
      const err = await upstreamFailure(wrong.fetchJob(key('CMPL1')));
      wrong.close?.();
      expect([err.code, err.upstreamCode, err.httpStatus, err.retryable]).toEqual(['UPSTREAM_ACCESS_DENIED', 'SignatureDoesNotMatch', 403, false]);
      expectCleanMessage(err);
      expect(emu.calls).toEqual([{ method: 'POST', path: '/', operation: 'GetStatus CMPL1', job: 'CMPL1', status: 403 }]);
    });

    it('answers UPSTREAM_ACCESS_DENIED for an unknown access key (InvalidClientTokenIdException)', async () => {
      const wrong = sourceWith({ credentials: async () => ({ accessKeyId: 'ASIAJOBGRAPHDEMO9999', secretAccessKey: 'x' }) });
      const err = await upstreamFailure(wrong.fetchJob(key('CMPL1')));
      wrong.close?.();
      expect([err.code, err.upstreamCode, err.httpStatus]).toEqual(['UPSTREAM_ACCESS_DENIED', 'InvalidClientTokenIdException', 403]);
    });

    it('accepts the demo session token and refuses any other', async () => {
      const withToken = sourceWith({ credentials: { ...DEMO, sessionToken: DEMO_IMPORTEXPORT_SESSION_TOKEN } });
      expect((await withToken.fetchJob(key('CMPL1'))).state).toBe('SUCCEEDED');
      withToken.close?.();
      const badToken = sourceWith({ credentials: { ...DEMO, sessionToken: 'DEMO-SESSION-TOKEN-unknown' } });
      const err = await upstreamFailure(badToken.fetchJob(key('CMPL1')));
      badToken.close?.();
      expect([err.code, err.upstreamCode]).toEqual(['UPSTREAM_ACCESS_DENIED', 'InvalidClientTokenIdException']);
    });

    it('answers UPSTREAM_ACCESS_DENIED when the clock is skewed past 15 minutes', async () => {
      const skewed = sourceWith({}, { now: () => Date.now() - 20 * 60 * 1000 });
      const err = await upstreamFailure(skewed.fetchJob(key('CMPL1')));
      skewed.close?.();
      expect([err.code, err.upstreamCode]).toEqual(['UPSTREAM_ACCESS_DENIED', 'SignatureDoesNotMatch']);
    });

    it('answers PROVIDER_NOT_CONFIGURED when the credential chain finds nothing, without calling upstream', async () => {
      const none = sourceWith({
        credentials: async () => {
          throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
        },
      });
      const err = await upstreamFailure(none.fetchJob(key('CMPL1')));
      none.close?.();
      expect([err.code, err.upstreamCode, err.retryable]).toEqual(['PROVIDER_NOT_CONFIGURED', null, false]);
      expect(err.message).toBe('AWS Import/Export has no credentials configured in this jobgraph.');
      expect(emu.calls).toEqual([]);
    });

    it('reuses one keep-alive connection for sequential calls', async () => {
      const fresh = sourceWith();
      const before = emu.connections();
      for (const id of ['CMPL1', 'PNDG1', 'SWER1', 'NOJOB']) await fresh.fetchJob(key(id)).catch(() => undefined);
      expect(emu.connections() - before).toBe(1);
      fresh.close?.();
    });
  });

  describe('fault knobs', () => {
    it('turns a scripted 5xx into UPSTREAM_UNAVAILABLE with one attempt', async () => {
      emu.setFaults({ script: ['5xx'] });
      const err = await upstreamFailure(source.fetchJob(key('CMPL1')));
      expect([err.code, err.upstreamCode]).toEqual(['UPSTREAM_UNAVAILABLE', 'ServiceUnavailable']);
    });

    it('retries a scripted 5xx and then succeeds', async () => {
      const retrying = sourceWith({ maxAttempts: 3 });
      emu.setFaults({ script: ['5xx'] });
      expect((await retrying.fetchJob(key('CMPL1'))).state).toBe('SUCCEEDED');
      retrying.close?.();
      expect(emu.calls.map((c) => [c.operation, c.status])).toEqual([
        ['GetStatus CMPL1', 503],
        ['GetStatus CMPL1', 200],
      ]);
    });

    it('turns throttling into UPSTREAM_THROTTLED', async () => {
      emu.setFaults({ throttleRate: 1 });
      const err = await upstreamFailure(source.fetchJob(key('CMPL1')));
      expect([err.code, err.upstreamCode]).toEqual(['UPSTREAM_THROTTLED', 'Throttling']);
    });

    it('turns a truncated body into UPSTREAM_BAD_RESPONSE', async () => {
      emu.setFaults({ malformed: true });
      const err = await upstreamFailure(source.fetchJob(key('CMPL1')));
      expect([err.code, err.retryable]).toEqual(['UPSTREAM_BAD_RESPONSE', false]);
      expectCleanMessage(err);
    });

    it('turns a reset connection into UPSTREAM_UNAVAILABLE', async () => {
      emu.setFaults({ reset: true });
      const err = await upstreamFailure(source.fetchJob(key('CMPL1')));
      expect([err.code, err.retryable]).toEqual(['UPSTREAM_UNAVAILABLE', true]);
    });

    it('times out a hanging answer as UPSTREAM_UNAVAILABLE', async () => {
      emu.setFaults({ hang: true });
      const quick = sourceWith({ timeoutMs: 150 });
      const err = await upstreamFailure(quick.fetchJob(key('CMPL1')));
      quick.close?.();
      expect([err.code, err.message]).toEqual(['UPSTREAM_UNAVAILABLE', 'AWS Import/Export timed out.']);
    });
  });

  describe('with the aws-sdk v2 AWS.ImportExport client (SigV2)', () => {
    it.each(DEMO_JOBS.map((j) => [j.JobId, j] as const))('reads demo job %s', async (jobId, wire) => {
      const out = await v2.getStatus({ JobId: jobId }).promise();
      const { AwsShippingAddress: _a, WarningMessage: _w, CreationDate, ...modelled } = wire;
      expect(out).toEqual({
        ...modelled,
        // v2 reads an absent list as [].
        ArtifactList: modelled.ArtifactList ?? [],
        ...(CreationDate ? { CreationDate: new Date(CreationDate) } : {}),
        ResponseMetadata: { RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      });
      expect(emu.calls).toEqual([{ method: 'POST', path: '/', operation: `GetStatus ${jobId}`, job: jobId, status: 200 }]);
    });

    it('gets InvalidJobIdException for an unknown job', async () => {
      await expect(v2.getStatus({ JobId: ERROR_CASE_JOB_IDS.notFound }).promise()).rejects.toMatchObject({
        code: 'InvalidJobIdException',
        statusCode: 400,
      });
    });

    it('gets the expired, cancelled, throttled and 5xx cases as the service sends them', async () => {
      for (const [id, code, statusCode] of [
        [ERROR_CASE_JOB_IDS.expired, 'ExpiredJobIdException', 400],
        [ERROR_CASE_JOB_IDS.canceled, 'CanceledJobIdException', 400],
        [ERROR_CASE_JOB_IDS.throttled, 'Throttling', 400],
        [ERROR_CASE_JOB_IDS.serverError, 'ServiceUnavailable', 503],
      ] as const) {
        await expect(v2.getStatus({ JobId: id }).promise()).rejects.toMatchObject({ code, statusCode });
      }
    });

    it('gets SignatureDoesNotMatch for a wrong secret key', async () => {
      const wrong = v2With({ accessKeyId: DEMO.accessKeyId, secretAccessKey: 'not-the-demo-secret' });
      await expect(wrong.getStatus({ JobId: 'CMPL1' }).promise()).rejects.toMatchObject({ code: 'SignatureDoesNotMatch', statusCode: 403 });
    });

    it('gets InvalidClientTokenIdException for an unknown access key', async () => {
      const wrong = v2With({ accessKeyId: 'ASIAJOBGRAPHDEMO9999', secretAccessKey: DEMO.secretAccessKey });
      await expect(wrong.getStatus({ JobId: 'CMPL1' }).promise()).rejects.toMatchObject({ code: 'InvalidClientTokenIdException', statusCode: 403 });
    });

    it('sends the demo session token as SecurityToken and is accepted', async () => {
      const withToken = v2With({ ...DEMO, sessionToken: DEMO_IMPORTEXPORT_SESSION_TOKEN });
      const out = await withToken.getStatus({ JobId: 'CMPL1' }).promise();
      expect(out.ProgressCode).toBe('Complete');
    });

    it('pages through ListJobs newest first', async () => {
      const first = await v2.listJobs({ MaxJobs: 2 }).promise();
      expect(first.Jobs?.map((j) => j.JobId)).toEqual(['PNDG1', 'STRT1']);
      expect(first.IsTruncated).toBe(true);
      expect(first.Jobs?.[0]).toEqual({ JobId: 'PNDG1', CreationDate: new Date('2016-04-17T00:09:02Z'), IsCanceled: false, JobType: 'Import' });
      const all = await v2.listJobs({}).promise();
      expect(all.Jobs).toHaveLength(DEMO_JOBS.length);
      expect(all.IsTruncated).toBe(false);
      expect(all.Jobs?.find((j) => j.JobId === 'CNCL1')?.IsCanceled).toBe(true);
      const next = await v2.listJobs({ MaxJobs: 2, Marker: 'STRT1' }).promise();
      expect(next.Jobs?.map((j) => j.JobId)).toEqual([all.Jobs?.[2]?.JobId, all.Jobs?.[3]?.JobId]);
    });
  });

  describe('on the wire', () => {
    async function post(body: string, headers: Record<string, string> = {}, path = '/', method = 'POST') {
      const res = await fetch(`${emu.url}${path}`, { method, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers }, ...(method === 'GET' ? {} : { body }) });
      return { status: res.status, contentType: res.headers.get('content-type'), requestId: res.headers.get('x-amzn-requestid'), body: await res.text() };
    }
    function signed(body: string) {
      const url = new URL(emu.url);
      const { headers } = signSigV4(
        { method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body },
        { service: 'IngestionService', region: 'us-east-1', credentials: DEMO, date: new Date() },
      );
      delete headers.host;
      return headers;
    }

    it('answers text/xml in the model namespace with the request id in header and body', async () => {
      const body = 'Action=GetStatus&Version=2010-06-01&JobId=MINI1';
      const res = await post(body, signed(body));
      expect(res.status).toBe(200);
      expect(res.contentType).toBe('text/xml');
      expect(res.body).toBe(
        '<GetStatusResponse xmlns="http://importexport.amazonaws.com/doc/2010-06-01/">\n' +
          '  <GetStatusResult>\n    <JobId>MINI1</JobId>\n    <ProgressCode>Pending</ProgressCode>\n  </GetStatusResult>\n' +
          `  <ResponseMetadata>\n    <RequestId>${res.requestId}</RequestId>\n  </ResponseMetadata>\n` +
          '</GetStatusResponse>\n',
      );
    });

    it('answers the query error envelope with RequestId beside Error', async () => {
      const body = 'Action=GetStatus&Version=2010-06-01&JobId=NOJOB';
      const res = await post(body, signed(body));
      expect(res.status).toBe(400);
      expect(res.body).toBe(
        '<ErrorResponse xmlns="http://importexport.amazonaws.com/doc/2010-06-01/">\n  <Error>\n    <Type>Sender</Type>\n' +
          '    <Code>InvalidJobIdException</Code>\n    <Message>The JOBID was missing, not found, or not associated with the AWS account.</Message>\n' +
          `  </Error>\n  <RequestId>${res.requestId}</RequestId>\n</ErrorResponse>\n`,
      );
    });

    it('refuses an unsigned request with MissingAuthenticationToken', async () => {
      const res = await post('Action=GetStatus&Version=2010-06-01&JobId=CMPL1');
      expect(res.status).toBe(403);
      expect(res.body).toContain('<Code>MissingAuthenticationToken</Code>');
    });

    it('refuses a SigV4 request scoped to another service', async () => {
      const body = 'Action=GetStatus&Version=2010-06-01&JobId=CMPL1';
      const url = new URL(emu.url);
      const { headers } = signSigV4(
        { method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body },
        { service: 'importexport', region: 'us-east-1', credentials: DEMO, date: new Date() },
      );
      delete headers.host;
      const res = await post(body, headers);
      expect(res.status).toBe(403);
      expect(res.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    });

    it('refuses a body changed after signing', async () => {
      const res = await post('Action=GetStatus&Version=2010-06-01&JobId=PNDG1', signed('Action=GetStatus&Version=2010-06-01&JobId=CMPL1'));
      expect(res.status).toBe(403);
      expect(res.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    });

    it('answers InvalidAction for an unknown action and MissingAction without one', async () => {
      const unknown = 'Action=DescribeJob&Version=2010-06-01&JobId=CMPL1';
      const a = await post(unknown, signed(unknown));
      expect([a.status, /<Code>(\w+)<\/Code>/.exec(a.body)?.[1]]).toEqual([400, 'InvalidAction']);
      const none = 'Version=2010-06-01&JobId=CMPL1';
      const b = await post(none, signed(none));
      expect([b.status, /<Code>(\w+)<\/Code>/.exec(b.body)?.[1]]).toEqual([400, 'MissingAction']);
    });

    it('answers 404 UnknownOperationException for other paths and methods', async () => {
      expect(await post('', {}, '/jobs/CMPL1', 'GET')).toMatchObject({ status: 404, body: '<UnknownOperationException/>' });
      expect(await post('Action=GetStatus', {}, '/other')).toMatchObject({ status: 404, body: '<UnknownOperationException/>' });
    });
  });
});
