import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamError } from '../../../src/errors.ts';
import type { CosBatchKey } from '../../../src/model/globalId.ts';
import { cosBatch } from '../../../src/datasources/cosbatch/index.ts';
import type { CosBatchJobRecord } from '../../../src/datasources/cosbatch/record.ts';
import type { JobSource } from '../../../src/datasources/shared/types.ts';
import { fixtureLoader, startFixtureServer, type FixtureServer } from '../../support/fixtures.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';
import { keyValues } from '../../support/keyValues.ts';

const loadFixture = fixtureLoader('cosbatch');

const UIN = '100000000001';
const ROLE = `qcs::cam::uin/${UIN}:roleName/COS_Batch_QcsRole`;
const arn = (bucket: string, key?: string) =>
  `qcs::cos:ap-guangzhou:uid/1250000000:${bucket}-1250000000${key ? `/${key}` : ''}`;
const key = (jobId: string): CosBatchKey => ({
  provider: 'TENCENT_COS_BATCH',
  region: 'ap-guangzhou',
  uin: UIN,
  jobId,
});
const SECRET_KEY = 'protocol-test-secret-key';

let server: FixtureServer;
let source: JobSource<'TENCENT_COS_BATCH', CosBatchJobRecord>;

beforeAll(async () => {
  server = await startFixtureServer();
  source = createSource(cosBatch, {
    timeoutMs: 2000,
    maxAttempts: 1,
    maxSockets: 2,
    credentials: { secretId: 'AKIDjobgraphProtocolTest', secretKey: SECRET_KEY },
    appId: '1250000000',
    endpoint: server.url,
  });
});
beforeEach(() => {
  server.requests.length = 0;
});
afterAll(async () => {
  source.close?.();
  await server.close();
});

/** Serve one golden response and run it through the real client, error mapping and parse step. */
async function fetchFixture(name: string, jobId: string): Promise<CosBatchJobRecord> {
  server.respond(loadFixture(name));
  return source.fetchJob(key(jobId));
}

/**
 * The record of job `jobId` created at `createdAt` (the key's account and region), its other
 * fields null or empty but those `fields` give.
 */
function cosRecord(
  jobId: string,
  createdAt: string,
  fields: Partial<CosBatchJobRecord> &
    Pick<CosBatchJobRecord, 'state' | 'providerStatus' | 'status'>,
): CosBatchJobRecord {
  return {
    id: `cos:ap-guangzhou:${UIN}:${jobId}`,
    provider: 'TENCENT_COS_BATCH',
    nativeId: jobId,
    region: 'ap-guangzhou',
    statusMessage: null,
    terminal: false,
    createdAt,
    completedAt: null,
    uin: UIN,
    jobId,
    clientRequestToken: null,
    confirmationRequired: null,
    creationTime: createdAt,
    description: null,
    failureReasons: [],
    manifest: null,
    operation: null,
    priority: null,
    progressSummary: null,
    report: null,
    roleArn: null,
    statusUpdateReason: null,
    suspendedCause: null,
    suspendedDate: null,
    terminationDate: null,
    ...fields,
    // COS Batch names a job by its description; a finished job last changed when it ended.
    name: fields.description ?? null,
    updatedAt: fields.terminal === true ? (fields.completedAt ?? null) : null,
  };
}

function unexpectedSuccess(): never {
  throw new Error('expected an error');
}

describe('CosBatch protocol', () => {
  it('sends GET /jobs/{JobId} with x-cos-appid and a COS signature', async () => {
    await fetchFixture('success-minimal.json', '7b2e1d4f-3c8e-4f6a-8d95-1e4a6c8b2d03');
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0]!;
    expect(req.method).toBe('GET');
    expect(req.url).toBe('/jobs/7b2e1d4f-3c8e-4f6a-8d95-1e4a6c8b2d03');
    expect(req.headers['x-cos-appid']).toBe('1250000000');
    expect(req.headers.authorization).toMatch(
      /^q-sign-algorithm=sha1&q-ak=AKIDjobgraphProtocolTest&q-sign-time=\d+;\d+&q-key-time=\d+;\d+&q-header-list=host;x-cos-appid&q-url-param-list=&q-signature=[0-9a-f]{40}$/,
    );
  });

  it('reads every element of a full job', async () => {
    const record = await fetchFixture('success-full.json', '53dc6228-c50b-46f7-8ad7-65e7159f1aae');
    expect(record).toEqual(
      cosRecord('53dc6228-c50b-46f7-8ad7-65e7159f1aae', '2026-03-02T08:15:30.000Z', {
        state: 'SUCCEEDED',
        providerStatus: 'Complete',
        statusMessage: 'Job complete',
        terminal: true,
        completedAt: '2026-03-02T08:21:04.000Z',
        clientRequestToken: 'a4f1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
        confirmationRequired: true,
        description: 'Nightly copy of raw uploads & thumbnails to the archive bucket',
        manifest: {
          location: {
            eTag: '"15150651828fa9cdcb8356b6d1c7638b"',
            objectArn: arn('sourcebucket', 'manifests/batch-copy-manifest.csv'),
            objectVersionId: 'MTg0NDUxNTc1NjIzMTQ1MjAwOTA',
          },
          spec: { format: 'COSBatchOperations_CSV_V1', fields: ['Bucket', 'Key', 'VersionId'] },
        },
        operation: {
          name: 'COSPutObjectCopy',
          putObjectCopy: {
            accessControlDirective: 'Replaced',
            accessControlGrants: [
              {
                grantee: {
                  displayName: 'archive-reader',
                  identifier: `qcs::cam::uin/${UIN}:uin/100000000011`,
                  typeIdentifier: 'ID',
                },
                permission: 'READ',
              },
              {
                grantee: {
                  displayName: 'archive-admin',
                  identifier: `qcs::cam::uin/${UIN}:uin/100000000012`,
                  typeIdentifier: 'ID',
                },
                permission: 'FULL_CONTROL',
              },
            ],
            cannedAccessControlList: 'private',
            prefixReplace: false,
            resourcesPrefix: 'raw/',
            targetKeyPrefix: 'archive/2026/03/',
            metadataDirective: 'Replaced',
            modifiedSinceConstraint: 1767225600,
            unModifiedSinceConstraint: 1772409600,
            newObjectMetadata: {
              cacheControl: 'max-age=86400',
              contentDisposition: 'attachment; filename="report.csv"',
              contentEncoding: 'gzip',
              contentType: 'text/csv',
              httpExpiresDate: 'Wed, 01 Apr 2026 00:00:00 GMT',
              sseAlgorithm: 'AES256',
              userMetadata: keyValues({ 'x-cos-meta-source': 'uploads', 'x-cos-meta-empty': '' }),
            },
            taggingDirective: 'Replaced',
            newObjectTagging: keyValues({ team: 'data-platform', retention: '365d' }),
            storageClass: 'STANDARD_IA',
            targetResource: arn('archivebucket'),
          },
          initiateRestoreObject: null,
          putObjectTagging: null,
        },
        priority: 0,
        progressSummary: {
          numberOfTasksFailed: 0,
          numberOfTasksSucceeded: 1200,
          totalNumberOfTasks: 1200,
          autoManifestStatus: 'Completed',
        },
        report: {
          bucket: arn('reportbucket'),
          enabled: false,
          format: 'Report_CSV_V1',
          prefix: 'job-result',
          reportScope: 'AllTasks',
        },
        roleArn: ROLE,
        status: 'Complete',
        statusUpdateReason: 'Job complete',
        suspendedCause: 'AwaitingConfirmation',
        suspendedDate: '2026-03-02T08:15:34.000Z',
        terminationDate: '2026-03-02T08:21:04.000Z',
      }),
    );
  });

  it('gives a minimal job null fields and empty lists', async () => {
    const record = await fetchFixture(
      'success-minimal.json',
      '7b2e1d4f-3c8e-4f6a-8d95-1e4a6c8b2d03',
    );
    expect(record).toEqual(
      cosRecord('7b2e1d4f-3c8e-4f6a-8d95-1e4a6c8b2d03', '2026-03-10T09:00:00.000Z', {
        state: 'QUEUED',
        providerStatus: 'New',
        status: 'New',
      }),
    );
  });

  it('keeps one-element lists as lists', async () => {
    const record = await fetchFixture(
      'one-element-lists.json',
      'f3a09fc1-be00-41e2-a51d-90ccee03af11',
    );
    expect(record).toEqual(
      cosRecord('f3a09fc1-be00-41e2-a51d-90ccee03af11', '2026-03-12T07:00:00.000Z', {
        state: 'IN_PROGRESS',
        providerStatus: 'Failing',
        statusMessage: 'TaskFailureThreshold: More than 50% of the tasks failed.',
        confirmationRequired: false,
        description: 'Copy with one of everything',
        failureReasons: [
          {
            failureCode: 'TaskFailureThreshold',
            failureReason: 'More than 50% of the tasks failed.',
          },
        ],
        manifest: {
          location: {
            eTag: '"26ab0db90d72e28ad0ba1e22ee510510"',
            objectArn: arn('sourcebucket', 'manifests/keys-only.csv'),
            objectVersionId: null,
          },
          spec: { format: 'COSBatchOperations_CSV_V1', fields: ['Key'] },
        },
        operation: {
          name: 'COSPutObjectCopy',
          putObjectCopy: {
            accessControlDirective: null,
            accessControlGrants: [
              {
                grantee: {
                  displayName: null,
                  identifier: `qcs::cam::uin/${UIN}:uin/100000000011`,
                  typeIdentifier: 'ID',
                },
                permission: 'READ',
              },
            ],
            cannedAccessControlList: null,
            prefixReplace: null,
            resourcesPrefix: null,
            targetKeyPrefix: null,
            metadataDirective: 'Replaced',
            modifiedSinceConstraint: null,
            unModifiedSinceConstraint: null,
            newObjectMetadata: {
              cacheControl: null,
              contentDisposition: null,
              contentEncoding: null,
              contentType: null,
              httpExpiresDate: null,
              sseAlgorithm: null,
              userMetadata: [{ key: 'x-cos-meta-origin', value: 'batch' }],
            },
            taggingDirective: 'Replaced',
            newObjectTagging: [{ key: 'owner', value: 'ops' }],
            storageClass: null,
            targetResource: arn('destinationbucket'),
          },
          initiateRestoreObject: null,
          putObjectTagging: null,
        },
        priority: 2,
        progressSummary: {
          numberOfTasksFailed: 61,
          numberOfTasksSucceeded: 59,
          totalNumberOfTasks: 120,
          autoManifestStatus: null,
        },
        roleArn: ROLE,
        status: 'Failing',
      }),
    );
  });

  it('ignores unknown elements and normalises offset timestamps', async () => {
    const record = await fetchFixture(
      'unknown-fields.json',
      'bf6c5b8d-7acc-4dae-a1d9-5c8eaacf6b07',
    );
    expect(record).toEqual(
      cosRecord('bf6c5b8d-7acc-4dae-a1d9-5c8eaacf6b07', '2026-03-10T17:00:00.250Z', {
        state: 'IN_PROGRESS',
        providerStatus: 'Active',
        confirmationRequired: false,
        manifest: {
          location: {
            eTag: '"4a8a08f09d37b73795649038408b5f33"',
            objectArn: arn('sourcebucket', 'manifests/footage-restore.csv'),
            objectVersionId: null,
          },
          spec: { format: 'COSBatchOperations_CSV_V1', fields: ['Bucket', 'Key'] },
        },
        operation: {
          name: 'COSInitiateRestoreObject',
          putObjectCopy: null,
          initiateRestoreObject: { expirationInDays: 0, jobTier: 'Bulk' },
          putObjectTagging: null,
        },
        priority: 15,
        progressSummary: {
          numberOfTasksFailed: 0,
          numberOfTasksSucceeded: 312,
          totalNumberOfTasks: 900,
          autoManifestStatus: null,
        },
        roleArn: ROLE,
        status: 'Active',
        statusUpdateReason: '',
      }),
    );
  });

  it('maps an unknown status to UNKNOWN and keeps an unknown operation name', async () => {
    const record = await fetchFixture('enum-drift.json', '37e4d305-f244-4526-a951-d4002247e315');
    expect(record).toEqual(
      cosRecord('37e4d305-f244-4526-a951-d4002247e315', '2026-03-14T00:00:00.000Z', {
        state: 'UNKNOWN',
        providerStatus: 'Verifying',
        operation: {
          name: 'COSPutObjectRetention',
          putObjectCopy: null,
          initiateRestoreObject: null,
          putObjectTagging: null,
        },
        priority: 1,
        status: 'Verifying',
      }),
    );
  });

  it('reads a COSPutObjectTagging operation', async () => {
    const record = await fetchFixture(
      'tagging-operation.json',
      'e29f8eb0-adff-40d1-940c-8fbbddf29e10',
    );
    expect(record).toEqual(
      cosRecord('e29f8eb0-adff-40d1-940c-8fbbddf29e10', '2026-03-12T06:00:00.000Z', {
        state: 'IN_PROGRESS',
        providerStatus: 'Completing',
        confirmationRequired: false,
        description: 'Tag last quarter reports',
        manifest: {
          location: {
            eTag: '"b026324c6904b2a9cb4b88d6d61c81d1"',
            objectArn: arn('sourcebucket', 'manifests/reports-q1.csv'),
            objectVersionId: null,
          },
          spec: { format: 'COSBatchOperations_CSV_V1', fields: ['Bucket', 'Key'] },
        },
        operation: {
          name: 'COSPutObjectTagging',
          putObjectCopy: null,
          initiateRestoreObject: null,
          putObjectTagging: { tags: [{ key: 'quarter', value: '2026Q1' }] },
        },
        priority: 8,
        progressSummary: {
          numberOfTasksFailed: 0,
          numberOfTasksSucceeded: 640,
          totalNumberOfTasks: 640,
          autoManifestStatus: null,
        },
        roleArn: ROLE,
        status: 'Completing',
      }),
    );
  });

  it('drops the empty JobFailure COS pads a Complete job with', async () => {
    // The DescribeJob response of cos-go-sdk-v5's batch_test.go, as the service sends it.
    const record = await fetchFixture(
      'complete-empty-job-failure.json',
      '53dc6228-c50b-46f7-8ad7-65e7159f1aae',
    );
    expect(record).toEqual(
      cosRecord('53dc6228-c50b-46f7-8ad7-65e7159f1aae', '2019-12-19T18:00:30.000Z', {
        state: 'SUCCEEDED',
        providerStatus: 'Complete',
        statusMessage: 'Job complete',
        terminal: true,
        completedAt: '2019-12-19T18:00:42.000Z',
        confirmationRequired: false,
        description: 'example-job',
        manifest: {
          location: {
            eTag: '"15150651828fa9cdcb8356b6d1c7638b"',
            objectArn:
              'qcs::cos:ap-chengdu:uid/1250000000:sourcebucket-1250000000/manifests/batch-copy-manifest.csv',
            objectVersionId: null,
          },
          spec: { format: 'COSBatchOperations_CSV_V1', fields: ['Bucket', 'Key'] },
        },
        operation: {
          name: 'COSPutObjectCopy',
          putObjectCopy: {
            accessControlDirective: null,
            accessControlGrants: [],
            cannedAccessControlList: null,
            prefixReplace: null,
            resourcesPrefix: null,
            targetKeyPrefix: null,
            metadataDirective: null,
            modifiedSinceConstraint: null,
            unModifiedSinceConstraint: null,
            newObjectMetadata: null,
            taggingDirective: null,
            newObjectTagging: [],
            storageClass: null,
            targetResource: 'qcs::cos:ap-chengdu:uid/1250000000:destinationbucket-1250000000',
          },
          initiateRestoreObject: null,
          putObjectTagging: null,
        },
        priority: 10,
        progressSummary: {
          numberOfTasksFailed: 0,
          numberOfTasksSucceeded: 10,
          totalNumberOfTasks: 10,
          autoManifestStatus: null,
        },
        report: {
          bucket: 'qcs::cos:ap-chengdu:uid/1250000000:sourcebucket-1250000000',
          enabled: true,
          format: 'Report_CSV_V1',
          prefix: 'job-result',
          reportScope: 'AllTasks',
        },
        roleArn: ROLE,
        status: 'Complete',
        statusUpdateReason: 'Job complete',
        terminationDate: '2019-12-19T18:00:42.000Z',
      }),
    );
  });

  it('reports a Complete job with failed tasks as SUCCEEDED_WITH_ERRORS', async () => {
    const record = await fetchFixture(
      'complete-with-failed-tasks.json',
      '6a1f0c3e-2b7d-4e59-9c84-0d3f5b7a1c02',
    );
    expect(record).toMatchObject({
      state: 'SUCCEEDED_WITH_ERRORS',
      providerStatus: 'Complete',
      terminal: true,
      failureReasons: [],
    });
    expect(record.progressSummary).toEqual({
      numberOfTasksFailed: 3,
      numberOfTasksSucceeded: 1197,
      totalNumberOfTasks: 1200,
      autoManifestStatus: null,
    });
  });

  it('keeps real failures in order and drops the empty one between them', async () => {
    const record = await fetchFixture('failed-job.json', '04b1a0d2-cf11-42f3-b62e-a1ddff14b012');
    expect(record).toMatchObject({
      state: 'FAILED',
      terminal: true,
      statusUpdateReason: '',
      statusMessage: 'ManifestNotFound: The manifest object does not exist.',
      completedAt: '2026-03-13T00:00:09.000Z',
      manifest: null,
      operation: null,
    });
    expect(record.failureReasons).toEqual([
      { failureCode: 'ManifestNotFound', failureReason: 'The manifest object does not exist.' },
      {
        failureCode: 'ReportNotWritten',
        failureReason: 'The completion report could not be written.',
      },
    ]);
  });

  // Its error answers, as fixtures: the contract table (test/datasources/shared/errorAnswers.test.ts).
  it('takes the request id from x-cos-request-id when the body has none', async () => {
    const fixture = loadFixture('throttled.json');
    server.respond({
      ...fixture,
      body: fixture.body.replace(/<RequestId>.*<\/RequestId>/, '<RequestId/>'),
    });
    const err = await source
      .fetchJob(key('53dc6228-c50b-46f7-8ad7-65e7159f1aae'))
      .then(unexpectedSuccess, (e: unknown) => e as UpstreamError);
    expect(err.upstreamRequestId).toBe(fixture.headers['x-cos-request-id']);
  });

  it('reads an <Error> sent with status 200 as an error', async () => {
    const fixture = loadFixture('server-error.json');
    server.respond({ ...fixture, status: 200 });
    const err = await source
      .fetchJob(key('53dc6228-c50b-46f7-8ad7-65e7159f1aae'))
      .then(unexpectedSuccess, (e: unknown) => e as UpstreamError);
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.upstreamCode).toBe('InternalError');
  });

  it('rejects a DOCTYPE with UPSTREAM_BAD_RESPONSE', async () => {
    const fixture = loadFixture('success-minimal.json');
    server.respond({
      ...fixture,
      body: fixture.body.replace('?>', '?>\n<!DOCTYPE x [<!ENTITY e "boom">]>'),
    });
    const err = await source
      .fetchJob(key('7b2e1d4f-3c8e-4f6a-8d95-1e4a6c8b2d03'))
      .then(unexpectedSuccess, (e: unknown) => e as UpstreamError);
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
  });

  it('answers UPSTREAM_BAD_RESPONSE naming the field for a non-integer count', async () => {
    const fixture = loadFixture('one-element-lists.json');
    server.respond({
      ...fixture,
      body: fixture.body.replace('<Priority>2</Priority>', '<Priority>high</Priority>'),
    });
    const err = await source
      .fetchJob(key('f3a09fc1-be00-41e2-a51d-90ccee03af11'))
      .then(unexpectedSuccess, (e: unknown) => e as UpstreamError);
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.message).toContain('Priority');
    expect(err.message).not.toContain('high');
  });
});
