import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImportExportKey } from '../../../src/model/globalId.ts';
import { FORM_CONTENT_TYPE } from '../../../src/datasources/importexport/client.ts';
import { importExport } from '../../../src/datasources/importexport/index.ts';
import type { ImportExportJobRecord } from '../../../src/datasources/importexport/record.ts';
import { fixtureLoader, startFixtureServer, upstreamFailure } from '../../support/fixtures.ts';
import { expectCleanMessage } from './helpers.ts';
import { createSource, type ProviderSource } from '../../../src/datasources/shared/source.ts';
import { UNKNOWN_STATE_FIELDS } from '../../support/records.ts';

const loadFixture = fixtureLoader('importexport');

const CREDS = {
  accessKeyId: 'JOBGRAPHDEMOACCESSKEY',
  secretAccessKey: 'jobgraph-demo-secret-access-key',
};
const key = (jobId: string): ImportExportKey => ({ provider: 'AWS_IMPORT_EXPORT', jobId });

/** Every field null/empty: the record of a job the wire said nothing about. */
function emptyRecord(jobId: string): ImportExportJobRecord {
  return {
    id: `importexport:${jobId}`,
    provider: 'AWS_IMPORT_EXPORT',
    nativeId: jobId,
    name: null,
    region: null,
    ...UNKNOWN_STATE_FIELDS,
    jobId: null,
    jobType: null,
    locationCode: null,
    locationMessage: null,
    progressCode: null,
    progressMessage: null,
    carrier: null,
    trackingNumber: null,
    logBucket: null,
    logKey: null,
    errorCount: null,
    signature: null,
    signatureFileContents: null,
    currentManifest: null,
    creationDate: null,
    artifactList: [],
    awsShippingAddress: null,
    warningMessage: null,
  };
}

const presigned = (job: string, object: string, n: string) =>
  `https://jobgraph-demo-artifacts.s3.amazonaws.com/${job}/${object}?X-Amz-Algorithm=AWS4-HMAC-SHA256` +
  `&X-Amz-Credential=ASIAJOBGRAPHDEMO0001%2F20160401%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20160401T120000Z` +
  `&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=${`DEMOSIG${job}${n}`.padEnd(64, '0')}`;

describe('ImportExport protocol', () => {
  let server: Awaited<ReturnType<typeof startFixtureServer>>;
  let source: ProviderSource<'AWS_IMPORT_EXPORT', ImportExportJobRecord>;
  const sleeps: number[] = [];

  beforeAll(async () => {
    server = await startFixtureServer();
    source = createSource(
      importExport,
      {
        endpoint: server.url,
        credentials: CREDS,
        timeoutMs: 2000,
        maxAttempts: 3,
        maxSockets: 4,
      },
      { random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) },
    );
  });
  afterAll(async () => {
    source.close?.();
    await server.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
    sleeps.length = 0;
  });

  it('posts a signed GetStatus form to /', async () => {
    server.respond(loadFixture('success-minimal'));
    await source.fetchJob(key('MINI1'));
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/');
    expect(req.body).toBe('Action=GetStatus&Version=2010-06-01&JobId=MINI1');
    expect(req.headers['content-type']).toBe(FORM_CONTENT_TYPE);
    expect(req.headers['content-length']).toBe(String(req.body.length));
    expect(req.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=JOBGRAPHDEMOACCESSKEY\/\d{8}\/us-east-1\/IngestionService\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(req.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(req.headers['x-amz-security-token']).toBeUndefined();
    expect(req.headers.connection).toBe('keep-alive');
  });

  it('reads every field of a full answer', async () => {
    server.respond(loadFixture('success-full'));
    const record = await source.fetchJob(key('FIXT1'));
    expect(record).toEqual({
      ...emptyRecord('FIXT1'),
      state: 'SUCCEEDED',
      providerStatus: 'Complete',
      statusMessage: 'The job has completed.',
      terminal: true,
      createdAt: '2016-03-28T20:27:35.000Z',
      jobId: 'FIXT1',
      jobType: 'Import',
      locationCode: 'Returned',
      locationMessage: 'Your device has been returned.',
      progressCode: 'Complete',
      progressMessage: 'The job has completed.',
      carrier: 'UPS',
      trackingNumber: '1Z9999W99999999999',
      logBucket: 'jobgraph-demo-importexport-logs',
      logKey: 'importexport-logs/FIXT1/import-log-FIXT1.txt',
      errorCount: 0,
      signature: 'DEMO-SIGNATURE-FIXT1-bm90LWEtcmVhbC1zaWduYXR1cmU=',
      signatureFileContents:
        'version:2.0\nsigningMethod:HmacSHA1\njobId:FIXT1\nsignature:DEMO-SIGNATURE-FIXT1-bm90LWEtcmVhbC1zaWduYXR1cmU=\n',
      currentManifest: [
        'manifestVersion:2.0',
        'generator:AWS Import/Export Command Line Tool',
        'bucket:jobgraph-demo-import',
        'deviceId:DEMO-DEVICE-FIXT1',
        'eraseDevice:yes',
        'returnAddress:',
        '    name:Demo Storage Team',
        '    company:Example Data & Archive <Demo>',
        '    street1:123 Example Street',
        '    city:Seattle',
        '    stateOrProvince:WA',
        '    postalCode:98101',
        '    country:USA',
      ].join('\n'),
      creationDate: '2016-03-28T20:27:35.000Z',
      artifactList: [
        {
          description: 'SIGNATURE file to copy to the root directory of your device',
          url: presigned('FIXT1', 'SIGNATURE', '01'),
        },
        {
          description: 'Prepaid UPS shipping label (PDF)',
          url: presigned('FIXT1', 'shipping-label.pdf', '02'),
        },
      ],
      awsShippingAddress:
        'AWS Import/Export\nJOBID FIXT1\n1111 Example Ave South\nSeattle, WA 98108',
      warningMessage:
        'The bucket name jobgraph.Demo.Import does not follow DNS naming conventions.',
    });
  });

  it('keeps ErrorCount 0 as 0, not null', async () => {
    server.respond(loadFixture('success-full'));
    expect((await source.fetchJob(key('FIXT1'))).errorCount).toBe(0);
  });

  it('reads a minimal answer with everything else null and an empty artifact list', async () => {
    server.respond(loadFixture('success-minimal'));
    expect(await source.fetchJob(key('MINI1'))).toEqual({
      ...emptyRecord('MINI1'),
      state: 'QUEUED',
      providerStatus: 'Pending',
      jobId: 'MINI1',
      progressCode: 'Pending',
    });
  });

  it('keeps a one-member ArtifactList a list', async () => {
    server.respond(loadFixture('one-element-lists'));
    expect(await source.fetchJob(key('SWER1'))).toEqual({
      ...emptyRecord('SWER1'),
      state: 'SUCCEEDED_WITH_ERRORS',
      providerStatus: 'SuccessWithErrors',
      statusMessage: 'The job completed with errors; see the log.',
      terminal: true,
      createdAt: '2016-03-14T08:05:51.000Z',
      jobId: 'SWER1',
      jobType: 'Export',
      locationCode: 'Returned',
      locationMessage: 'Your device has been returned.',
      progressCode: 'SuccessWithErrors',
      progressMessage: 'The job completed with errors; see the log.',
      carrier: 'FedEx',
      trackingNumber: '999999999999',
      logBucket: 'jobgraph-demo-importexport-logs',
      logKey: 'importexport-logs/SWER1/export-log-SWER1.txt',
      errorCount: 3,
      creationDate: '2016-03-14T08:05:51.000Z',
      artifactList: [
        {
          description: 'Job log',
          url: 'https://jobgraph-demo-artifacts.s3.amazonaws.com/SWER1/job-log.txt?X-Amz-Signature=DEMOSIGSWER10300000000000000000000000000000000000000000000000000',
        },
      ],
    });
  });

  it('reads an empty <ArtifactList/> as an empty list', async () => {
    server.respond(loadFixture('empty-artifact-list'));
    expect(await source.fetchJob(key('CNCL1'))).toEqual({
      ...emptyRecord('CNCL1'),
      state: 'CANCELLED',
      providerStatus: 'Canceled',
      statusMessage: 'The job was canceled.',
      terminal: true,
      createdAt: '2016-02-20T11:00:00.000Z',
      jobId: 'CNCL1',
      jobType: 'Import',
      locationCode: 'NotReceived',
      locationMessage: 'AWS has not received your device.',
      progressCode: 'Canceled',
      progressMessage: 'The job was canceled.',
      creationDate: '2016-02-20T11:00:00.000Z',
      artifactList: [],
    });
  });

  it('ignores unknown elements and maps unknown codes to UNKNOWN and an unknown job type to null', async () => {
    server.respond(loadFixture('unknown-fields'));
    expect(await source.fetchJob(key('INPG1'))).toEqual({
      ...emptyRecord('INPG1'),
      state: 'UNKNOWN',
      providerStatus: 'Started',
      statusMessage: 'The job has started.',
      terminal: false,
      createdAt: '2016-04-02T13:41:10.123Z',
      jobId: 'INPG1',
      jobType: null,
      locationCode: 'InTransitToAWS',
      locationMessage: 'Your device is on its way to AWS.',
      progressCode: 'Started',
      progressMessage: 'The job has started.',
      creationDate: '2016-04-02T13:41:10.123Z',
      artifactList: [
        {
          description: 'SIGNATURE file',
          url: 'https://jobgraph-demo-artifacts.s3.amazonaws.com/INPG1/SIGNATURE?X-Amz-Signature=DEMOSIGINPG10100000000000000000000000000000000000000000000000000',
        },
      ],
    });
  });

  it('reads the Developer Guide sample in the docs namespace with an XML declaration', async () => {
    server.respond(loadFixture('docs-namespace'));
    expect(await source.fetchJob(key('A36BC'))).toEqual({
      ...emptyRecord('A36BC'),
      state: 'QUEUED',
      providerStatus: 'Pending',
      statusMessage: 'The specified job has not started.',
      createdAt: '2010-04-17T00:09:02.000Z',
      jobId: 'A36BC',
      jobType: 'Import',
      locationCode: 'NotReceived',
      locationMessage: 'AWS has not received your device.',
      progressCode: 'Pending',
      progressMessage: 'The specified job has not started.',
      errorCount: 0,
      signature: 'DEMO-SIGNATURE-A36BC-O8WnNGMfs6cwbpQHvJ0q=',
      signatureFileContents:
        'version:2.0\nsigningMethod:HmacSHA1\njobId:A36BC\nsignature:DEMO-SIGNATURE-A36BC-O8WnNGMfs6cwbpQHvJ0q=\n',
      currentManifest:
        'manifestVersion: 2.0\naccessKeyId: JOBGRAPHDEMOACCESSKEY\ndeviceId: TestDevice1\nbucket: myawsbucket\nreturnAddress:\nname: Joe Random\nstreet1: 123 Any Street\ncity: Seattle\nstateOrProvince: WA\npostalCode: 91111\ncountry: United States\neraseDevice: no',
      creationDate: '2010-04-17T00:09:02.000Z',
      awsShippingAddress:
        'AWS Import/Export\nJOBID A36BC\n1111 Nosuch Ave South\nSeattle, WA 92222',
    });
  });

  it('answers NOT_FOUND for InvalidJobIdException without retrying', async () => {
    server.respond(loadFixture('not-found'));
    const err = await upstreamFailure(source.fetchJob(key('NOJOB')));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.upstreamCode).toBe('InvalidJobIdException');
    expect(err.upstreamRequestId).toBe('3d4e5f60-1f0e-11e6-9d8c-7b6a5f4e3d2c');
    expect(err.httpStatus).toBe(400);
    expect(err.retryable).toBe(false);
    expect(err.message).toBe('AWS Import/Export job "NOJOB" was not found.');
    expect(err.extensions).toEqual({
      code: 'NOT_FOUND',
      provider: 'AWS_IMPORT_EXPORT',
      upstreamCode: 'InvalidJobIdException',
      upstreamRequestId: '3d4e5f60-1f0e-11e6-9d8c-7b6a5f4e3d2c',
    });
    expectCleanMessage(err, loadFixture('not-found').body);
    expect(server.requests).toHaveLength(1);
  });

  it('answers NOT_FOUND with its own message for an expired job ID', async () => {
    server.respond(loadFixture('expired-job-id'));
    const err = await upstreamFailure(source.fetchJob(key('EXPJB')));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.upstreamCode).toBe('ExpiredJobIdException');
    expect(err.upstreamRequestId).toBe('60718293-1f0e-11e6-9d8c-7b6a5f4e3d2c');
    expect(err.message).toBe(
      'AWS Import/Export job "EXPJB" has expired and is no longer available.',
    );
    expect(err.retryable).toBe(false);
    expectCleanMessage(err, loadFixture('expired-job-id').body);
  });

  it('answers NOT_FOUND with its own message for a cancelled job ID', async () => {
    server.respond(loadFixture('canceled-job-id'));
    const err = await upstreamFailure(source.fetchJob(key('CNCJB')));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.upstreamCode).toBe('CanceledJobIdException');
    expect(err.upstreamRequestId).toBe('718293a4-1f0e-11e6-9d8c-7b6a5f4e3d2c');
    expect(err.message).toBe(
      'AWS Import/Export job "CNCJB" was cancelled and is no longer available.',
    );
    expectCleanMessage(err, loadFixture('canceled-job-id').body);
  });

  it('retries Throttling and then answers UPSTREAM_THROTTLED', async () => {
    server.respond(loadFixture('throttled'));
    const err = await upstreamFailure(source.fetchJob(key('THROT')));
    expect(err.code).toBe('UPSTREAM_THROTTLED');
    expect(err.upstreamCode).toBe('Throttling');
    expect(err.upstreamRequestId).toBe('4e5f6071-1f0e-11e6-9d8c-7b6a5f4e3d2c');
    expect(err.retryable).toBe(true);
    expect(err.message).toBe('AWS Import/Export throttled the request; try again later.');
    expectCleanMessage(err, loadFixture('throttled').body);
    expect(server.requests).toHaveLength(3);
    // Full jitter with random() = 0.5 over the throttle base 1000 ms (the SDK's standard strategy): 500, then 1000.
    expect(sleeps).toEqual([500, 1000]);
  });

  it('retries a 503 ServiceUnavailable and then answers UPSTREAM_UNAVAILABLE', async () => {
    server.respond(loadFixture('server-error'));
    const err = await upstreamFailure(source.fetchJob(key('ERR50')));
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.upstreamCode).toBe('ServiceUnavailable');
    expect(err.upstreamRequestId).toBe('5f607182-1f0e-11e6-9d8c-7b6a5f4e3d2c');
    expect(err.httpStatus).toBe(503);
    expectCleanMessage(err, loadFixture('server-error').body);
    expect(server.requests).toHaveLength(3);
    // Full jitter with random() = 0.5 over the base 50 ms (the SDK's standard strategy): 25, then 50.
    expect(sleeps).toEqual([25, 50]);
  });

  it('classifies an HTML 502 page by its status', async () => {
    server.respond(loadFixture('bad-gateway-html'));
    const err = await upstreamFailure(source.fetchJob(key('ABCDE')));
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.upstreamCode).toBeNull();
    expect(err.upstreamRequestId).toBeNull();
    expect(err.message).toBe('AWS Import/Export is unavailable (HTTP 502).');
  });

  it('answers UPSTREAM_ACCESS_DENIED for InvalidClientTokenIdException', async () => {
    server.respond(loadFixture('invalid-client-token-id'));
    const err = await upstreamFailure(source.fetchJob(key('ABCDE')));
    expect(err.code).toBe('UPSTREAM_ACCESS_DENIED');
    expect(err.upstreamCode).toBe('InvalidClientTokenIdException');
    expect(err.upstreamRequestId).toBe('8293a4b5-1f0e-11e6-9d8c-7b6a5f4e3d2c');
    expect(err.message).toBe("AWS Import/Export refused jobgraph's credentials.");
    expectCleanMessage(err, loadFixture('invalid-client-token-id').body);
    expect(server.requests).toHaveLength(1);
  });

  it('answers UPSTREAM_ACCESS_DENIED for SignatureDoesNotMatch', async () => {
    server.respond(loadFixture('signature-does-not-match'));
    const err = await upstreamFailure(source.fetchJob(key('ABCDE')));
    expect(err.code).toBe('UPSTREAM_ACCESS_DENIED');
    expect(err.upstreamCode).toBe('SignatureDoesNotMatch');
    expect(err.upstreamRequestId).toBe('93a4b5c6-1f0e-11e6-9d8c-7b6a5f4e3d2c');
    expectCleanMessage(err, loadFixture('signature-does-not-match').body);
  });

  it('answers UPSTREAM_ACCESS_DENIED for a 400 InvalidAccessKeyIdException and drops its URL', async () => {
    server.respond(loadFixture('invalid-access-key-id'));
    const err = await upstreamFailure(source.fetchJob(key('ABCDE')));
    expect(err.code).toBe('UPSTREAM_ACCESS_DENIED');
    expect(err.upstreamCode).toBe('InvalidAccessKeyIdException');
    expect(err.upstreamRequestId).toBe('a4b5c6d7-1f0e-11e6-9d8c-7b6a5f4e3d2c');
    expectCleanMessage(err, loadFixture('invalid-access-key-id').body);
  });

  it('answers UPSTREAM_BAD_RESPONSE for a truncated 200 body without retrying', async () => {
    server.respond(loadFixture('malformed'));
    const err = await upstreamFailure(source.fetchJob(key('CMPL1')));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.upstreamCode).toBeNull();
    expect(err.upstreamRequestId).toBe('b5c6d7e8-1f0e-11e6-9d8c-7b6a5f4e3d2c');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(
      /^AWS Import\/Export sent a response jobgraph could not read: XML body is not well-formed/,
    );
    expectCleanMessage(err);
    expect(server.requests).toHaveLength(1);
  });
});
