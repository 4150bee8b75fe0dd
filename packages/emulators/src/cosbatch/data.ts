import { demoIsoMover } from '../demoDates.ts';
import { DEMO_TENCENT_CREDENTIALS } from '../framework.ts';
import type { WireElement } from './xml.ts';

/**
 * Seeded COS Batch jobs of the demo account (uin 100000000001, APPID 1250000000,
 * ap-guangzhou): every one of the 13 statuses, every operation kind, every optional element
 * on at least one job, one-element lists, the empty `<JobFailure>` padding COS sends for a
 * Complete job, a Complete job with failed tasks and a minimal job. Each job is the `<Job>`
 * element as the wire has it, children in document order.
 */

const { uin: UIN, appId: APPID, region: REGION } = DEMO_TENCENT_CREDENTIALS;

const arn = (bucket: string, key?: string) =>
  `qcs::cos:${REGION}:uid/${APPID}:${bucket}-${APPID}${key ? `/${key}` : ''}`;
const ROLE = `qcs::cam::uin/${UIN}:roleName/COS_Batch_QcsRole`;

/** Demo job IDs by what they demonstrate. */
export const DEMO_JOB_IDS = {
  /** Complete copy job with every COSPutObjectCopy member, and the empty JobFailure padding. */
  completeCopy: '53dc6228-c50b-46f7-8ad7-65e7159f1aae',
  /** Complete, but 3 of 1200 tasks failed: SUCCEEDED_WITH_ERRORS. */
  completeWithFailedTasks: '6a1f0c3e-2b7d-4e59-9c84-0d3f5b7a1c02',
  /** Only the elements every job has. */
  minimalNew: '7b2e1d4f-3c8e-4f6a-8d95-1e4a6c8b2d03',
  preparing: '8c3f2e5a-4d9f-4a7b-9ea6-2f5b7d9c3e04',
  /** Waiting for confirmation: SuspendedCause and SuspendedDate. */
  suspended: '9d4a3f6b-5eaa-4b8c-8fb7-3a6c8ead4f05',
  ready: 'ae5b4a7c-6fbb-4c9d-90c8-4b7d9fbe5a06',
  /** COSInitiateRestoreObject. */
  activeRestore: 'bf6c5b8d-7acc-4dae-a1d9-5c8eaacf6b07',
  pausing: 'c07d6c9e-8bdd-4ebf-b2ea-6d9fbbd07c08',
  paused: 'd18e7daf-9cee-4fc0-83fb-7eaacce18d09',
  /** COSPutObjectTagging. */
  completingTagging: 'e29f8eb0-adff-40d1-940c-8fbbddf29e10',
  /** One element in every list (Fields, grants, user metadata, tags, failures). */
  failingOneElement: 'f3a09fc1-be00-41e2-a51d-90ccee03af11',
  /** Two real failures. */
  failed: '04b1a0d2-cf11-42f3-b62e-a1ddff14b012',
  cancelling: '15c2b1e3-d022-4304-873f-b2ee0025c113',
  cancelled: '26d3c2f4-e133-4415-9840-c3ff1136d214',
} as const;

/** Job IDs that always answer an error, whatever the account. */
export const ERROR_CASE_JOB_IDS = {
  /** 404 NoSuchJob. */
  notFound: '00000000-0000-4000-8000-000000000404',
  /** 503 SlowDown. */
  throttled: '00000000-0000-4000-8000-000000000503',
  /** 500 InternalError. */
  serverError: '00000000-0000-4000-8000-000000000500',
  /** 403 AccessDenied (the key may not read this job). */
  accessDenied: '00000000-0000-4000-8000-000000000403',
} as const;

const globalId = (jobId: string) => `cos:${REGION}:${UIN}:${jobId}`;

const csvManifest = (key: string, fields: string[], etag: string): WireElement => ({
  Location: { ETag: `"${etag}"`, ObjectArn: arn('sourcebucket', key) },
  Spec: { Fields: { member: fields }, Format: 'COSBatchOperations_CSV_V1' },
});

const progress = (failed: number, succeeded: number, total: number): WireElement => ({
  NumberOfTasksFailed: failed,
  NumberOfTasksSucceeded: succeeded,
  TotalNumberOfTasks: total,
});

const report = (prefix: string, scope: 'AllTasks' | 'FailedTasksOnly'): WireElement => ({
  Bucket: arn('reportbucket'),
  Enabled: true,
  Format: 'Report_CSV_V1',
  Prefix: prefix,
  ReportScope: scope,
});

const simpleCopy = (target: string): WireElement => ({
  COSPutObjectCopy: { TargetResource: arn(target) },
});

const NO_FAILURES: WireElement = { JobFailure: { FailureCode: '', FailureReason: '' } };

/**
 * The demo jobs by JobId, each the `<Job>` element, dated as of COS_DEMO_JOBS_REFERENCE_MS; the
 * emulator answers `cosDemoJobAt(job, anchorMs)`, the same job moved to its start.
 */
export const DEMO_JOBS: ReadonlyMap<string, WireElement> = new Map<string, WireElement>([
  [
    DEMO_JOB_IDS.completeCopy,
    {
      ClientRequestToken: 'a4f1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      ConfirmationRequired: false,
      CreationTime: '2026-03-02T08:15:30Z',
      Description: 'Nightly copy of raw uploads to the archive bucket',
      FailureReasons: NO_FAILURES,
      JobId: DEMO_JOB_IDS.completeCopy,
      Manifest: {
        Location: {
          ETag: '"15150651828fa9cdcb8356b6d1c7638b"',
          ObjectArn: arn('sourcebucket', 'manifests/batch-copy-manifest.csv'),
          ObjectVersionId: 'MTg0NDUxNTc1NjIzMTQ1MjAwOTA',
        },
        Spec: {
          Fields: { member: ['Bucket', 'Key', 'VersionId'] },
          Format: 'COSBatchOperations_CSV_V1',
        },
      },
      Operation: {
        COSPutObjectCopy: {
          AccessControlDirective: 'Replaced',
          AccessControlGrants: {
            COSGrant: [
              {
                Grantee: {
                  DisplayName: 'archive-reader',
                  Identifier: `qcs::cam::uin/${UIN}:uin/100000000011`,
                  TypeIdentifier: 'ID',
                },
                Permission: 'READ',
              },
              {
                Grantee: {
                  DisplayName: 'archive-admin',
                  Identifier: `qcs::cam::uin/${UIN}:uin/100000000012`,
                  TypeIdentifier: 'ID',
                },
                Permission: 'FULL_CONTROL',
              },
            ],
          },
          CannedAccessControlList: 'private',
          PrefixReplace: true,
          ResourcesPrefix: 'raw/',
          TargetKeyPrefix: 'archive/2026/03/',
          MetadataDirective: 'Replaced',
          ModifiedSinceConstraint: 1767225600,
          UnModifiedSinceConstraint: 1772409600,
          NewObjectMetadata: {
            CacheControl: 'max-age=86400',
            ContentDisposition: 'attachment',
            ContentEncoding: 'gzip',
            ContentType: 'application/octet-stream',
            HttpExpiresDate: 'Wed, 01 Apr 2026 00:00:00 GMT',
            SSEAlgorithm: 'AES256',
            UserMetadata: {
              member: [
                { Key: 'x-cos-meta-source', Value: 'uploads' },
                { Key: 'x-cos-meta-batch', Value: '2026-03-02' },
              ],
            },
          },
          TaggingDirective: 'Replaced',
          NewObjectTagging: {
            COSTag: [
              { Key: 'team', Value: 'data-platform' },
              { Key: 'retention', Value: '365d' },
            ],
          },
          StorageClass: 'STANDARD_IA',
          TargetResource: arn('archivebucket'),
        },
      },
      Priority: 10,
      ProgressSummary: { ...progress(0, 1200, 1200), AutoManifestStatus: 'Completed' },
      Report: report('job-result', 'AllTasks'),
      RoleArn: ROLE,
      Status: 'Complete',
      StatusUpdateReason: 'Job complete',
      TerminationDate: '2026-03-02T08:21:04Z',
    },
  ],
  [
    DEMO_JOB_IDS.completeWithFailedTasks,
    {
      ConfirmationRequired: false,
      CreationTime: '2026-03-03T02:00:11Z',
      Description: 'Copy thumbnails to the CDN origin bucket',
      FailureReasons: NO_FAILURES,
      JobId: DEMO_JOB_IDS.completeWithFailedTasks,
      Manifest: csvManifest(
        'manifests/thumbnails.csv',
        ['Bucket', 'Key'],
        '9b2cf535f27731c974343645a3985328',
      ),
      Operation: simpleCopy('cdnorigin'),
      Priority: 5,
      ProgressSummary: progress(3, 1197, 1200),
      Report: report('thumbnails-report', 'FailedTasksOnly'),
      RoleArn: ROLE,
      Status: 'Complete',
      StatusUpdateReason: 'Job complete',
      TerminationDate: '2026-03-03T02:04:47Z',
    },
  ],
  [
    DEMO_JOB_IDS.minimalNew,
    {
      CreationTime: '2026-03-10T09:00:00Z',
      JobId: DEMO_JOB_IDS.minimalNew,
      Manifest: csvManifest(
        'manifests/minimal.csv',
        ['Bucket', 'Key'],
        'd41d8cd98f00b204e9800998ecf8427e',
      ),
      Operation: simpleCopy('destinationbucket'),
      Priority: 0,
      ProgressSummary: progress(0, 0, 0),
      RoleArn: ROLE,
      Status: 'New',
    },
  ],
  [
    DEMO_JOB_IDS.preparing,
    {
      ConfirmationRequired: false,
      CreationTime: '2026-03-10T09:05:12Z',
      Description: 'Copy the weekly inventory to cold storage',
      JobId: DEMO_JOB_IDS.preparing,
      Manifest: {
        Location: {
          ETag: '"3858f62230ac3c915f300c664312c63f"',
          ObjectArn: arn('inventorybucket', 'inventory/sourcebucket/2026-03-09/manifest.json'),
        },
        Spec: { Format: 'COSInventoryReport_CSV_V1' },
      },
      Operation: {
        COSPutObjectCopy: { StorageClass: 'ARCHIVE', TargetResource: arn('coldbucket') },
      },
      Priority: 3,
      ProgressSummary: progress(0, 0, 0),
      Report: report('inventory-copy', 'AllTasks'),
      RoleArn: ROLE,
      Status: 'Preparing',
    },
  ],
  [
    DEMO_JOB_IDS.suspended,
    {
      ConfirmationRequired: true,
      CreationTime: '2026-03-10T10:00:00Z',
      Description: 'Console job awaiting confirmation',
      JobId: DEMO_JOB_IDS.suspended,
      Manifest: csvManifest(
        'manifests/console-job.csv',
        ['Bucket', 'Key'],
        '0cc175b9c0f1b6a831c399e269772661',
      ),
      Operation: simpleCopy('destinationbucket'),
      Priority: 10,
      ProgressSummary: progress(0, 0, 250),
      RoleArn: ROLE,
      Status: 'Suspended',
      SuspendedCause: 'AwaitingConfirmation',
      SuspendedDate: '2026-03-10T10:00:04Z',
    },
  ],
  [
    DEMO_JOB_IDS.ready,
    {
      ConfirmationRequired: true,
      CreationTime: '2026-03-10T10:30:00Z',
      Description: 'Confirmed and queued',
      JobId: DEMO_JOB_IDS.ready,
      Manifest: csvManifest(
        'manifests/queued.csv',
        ['Bucket', 'Key'],
        '92eb5ffee6ae2fec3ad71c777531578f',
      ),
      Operation: simpleCopy('destinationbucket'),
      Priority: 20,
      ProgressSummary: progress(0, 0, 480),
      RoleArn: ROLE,
      Status: 'Ready',
      StatusUpdateReason: 'Job confirmed by user',
    },
  ],
  [
    DEMO_JOB_IDS.activeRestore,
    {
      ConfirmationRequired: false,
      CreationTime: '2026-03-11T01:00:00Z',
      Description: 'Restore archived camera footage',
      JobId: DEMO_JOB_IDS.activeRestore,
      Manifest: csvManifest(
        'manifests/footage-restore.csv',
        ['Bucket', 'Key', 'VersionId'],
        '4a8a08f09d37b73795649038408b5f33',
      ),
      Operation: { COSInitiateRestoreObject: { ExpirationInDays: 7, JobTier: 'Standard' } },
      Priority: 15,
      ProgressSummary: progress(0, 312, 900),
      Report: report('restore-report', 'FailedTasksOnly'),
      RoleArn: ROLE,
      Status: 'Active',
    },
  ],
  [
    DEMO_JOB_IDS.pausing,
    {
      ConfirmationRequired: false,
      CreationTime: '2026-03-11T03:00:00Z',
      JobId: DEMO_JOB_IDS.pausing,
      Manifest: csvManifest(
        'manifests/logs.csv',
        ['Bucket', 'Key'],
        '8277e0910d750195b448797616e091ad',
      ),
      Operation: simpleCopy('logsbackup'),
      Priority: 1,
      ProgressSummary: progress(0, 5000, 20000),
      RoleArn: ROLE,
      Status: 'Pausing',
      StatusUpdateReason: 'Pause requested by user',
    },
  ],
  [
    DEMO_JOB_IDS.paused,
    {
      ConfirmationRequired: false,
      CreationTime: '2026-03-11T04:00:00Z',
      JobId: DEMO_JOB_IDS.paused,
      Manifest: csvManifest(
        'manifests/logs-eu.csv',
        ['Bucket', 'Key'],
        'e1671797c52e15f763380b45e841ec32',
      ),
      Operation: simpleCopy('logsbackup'),
      Priority: 1,
      ProgressSummary: progress(0, 7000, 20000),
      RoleArn: ROLE,
      Status: 'Paused',
      StatusUpdateReason: 'Paused by user',
    },
  ],
  [
    DEMO_JOB_IDS.completingTagging,
    {
      ConfirmationRequired: false,
      CreationTime: '2026-03-12T06:00:00Z',
      Description: 'Tag last quarter reports',
      JobId: DEMO_JOB_IDS.completingTagging,
      Manifest: csvManifest(
        'manifests/reports-q1.csv',
        ['Bucket', 'Key'],
        'b026324c6904b2a9cb4b88d6d61c81d1',
      ),
      Operation: {
        COSPutObjectTagging: {
          TagSet: {
            COSTag: [
              { Key: 'quarter', Value: '2026Q1' },
              { Key: 'classification', Value: 'internal' },
            ],
          },
        },
      },
      Priority: 8,
      ProgressSummary: progress(0, 640, 640),
      Report: report('tagging-report', 'AllTasks'),
      RoleArn: ROLE,
      Status: 'Completing',
    },
  ],
  [
    DEMO_JOB_IDS.failingOneElement,
    {
      ConfirmationRequired: false,
      CreationTime: '2026-03-12T07:00:00Z',
      Description: 'Copy with one of everything',
      FailureReasons: {
        JobFailure: [
          {
            FailureCode: 'TaskFailureThreshold',
            FailureReason: 'More than 50% of the tasks failed.',
          },
        ],
      },
      JobId: DEMO_JOB_IDS.failingOneElement,
      Manifest: {
        Location: {
          ETag: '"26ab0db90d72e28ad0ba1e22ee510510"',
          ObjectArn: arn('sourcebucket', 'manifests/keys-only.csv'),
        },
        Spec: { Fields: { member: ['Key'] }, Format: 'COSBatchOperations_CSV_V1' },
      },
      Operation: {
        COSPutObjectCopy: {
          AccessControlGrants: {
            COSGrant: [
              {
                Grantee: {
                  Identifier: `qcs::cam::uin/${UIN}:uin/100000000011`,
                  TypeIdentifier: 'ID',
                },
                Permission: 'READ',
              },
            ],
          },
          MetadataDirective: 'Replaced',
          NewObjectMetadata: {
            UserMetadata: { member: [{ Key: 'x-cos-meta-origin', Value: 'batch' }] },
          },
          TaggingDirective: 'Replaced',
          NewObjectTagging: { COSTag: [{ Key: 'owner', Value: 'ops' }] },
          TargetResource: arn('destinationbucket'),
        },
      },
      Priority: 2,
      ProgressSummary: progress(61, 59, 120),
      Report: report('one-of-each', 'FailedTasksOnly'),
      RoleArn: ROLE,
      Status: 'Failing',
      StatusUpdateReason: 'Task failure threshold exceeded',
    },
  ],
  [
    DEMO_JOB_IDS.failed,
    {
      ConfirmationRequired: false,
      CreationTime: '2026-03-13T00:00:00Z',
      Description: 'Copy from a deleted manifest',
      FailureReasons: {
        JobFailure: [
          { FailureCode: 'ManifestNotFound', FailureReason: 'The manifest object does not exist.' },
          {
            FailureCode: 'ReportNotWritten',
            FailureReason: 'The completion report could not be written.',
          },
        ],
      },
      JobId: DEMO_JOB_IDS.failed,
      Manifest: csvManifest(
        'manifests/deleted.csv',
        ['Bucket', 'Key'],
        'c4ca4238a0b923820dcc509a6f75849b',
      ),
      Operation: simpleCopy('destinationbucket'),
      Priority: 4,
      ProgressSummary: progress(0, 0, 0),
      Report: report('deleted-manifest', 'AllTasks'),
      RoleArn: ROLE,
      Status: 'Failed',
      StatusUpdateReason: 'Job failed',
      TerminationDate: '2026-03-13T00:00:09Z',
    },
  ],
  [
    DEMO_JOB_IDS.cancelling,
    {
      ConfirmationRequired: false,
      CreationTime: '2026-03-13T05:00:00Z',
      JobId: DEMO_JOB_IDS.cancelling,
      Manifest: csvManifest(
        'manifests/videos.csv',
        ['Bucket', 'Key'],
        'c81e728d9d4c2f636f067f89cc14862c',
      ),
      Operation: simpleCopy('videobackup'),
      Priority: 6,
      ProgressSummary: progress(0, 120, 3000),
      RoleArn: ROLE,
      Status: 'Cancelling',
      StatusUpdateReason: 'Cancel requested by user',
    },
  ],
  [
    DEMO_JOB_IDS.cancelled,
    {
      ConfirmationRequired: true,
      CreationTime: '2026-03-13T06:00:00Z',
      Description: 'Rejected at confirmation',
      JobId: DEMO_JOB_IDS.cancelled,
      Manifest: csvManifest(
        'manifests/wrong-bucket.csv',
        ['Bucket', 'Key'],
        'eccbc87e4b5ce2fe28308fd9f2a7baf3',
      ),
      Operation: simpleCopy('destinationbucket'),
      Priority: 10,
      ProgressSummary: progress(0, 0, 75),
      RoleArn: ROLE,
      Status: 'Cancelled',
      StatusUpdateReason: 'Job cancelled by user',
      TerminationDate: '2026-03-13T06:10:00Z',
    },
  ],
]);

/** The instant DEMO_JOBS are dated against: a day after the newest time (a termination). */
export const COS_DEMO_JOBS_REFERENCE_MS = Date.parse('2026-03-14T06:10:00Z');

/** The `<Job>` times a demo job may carry (to the second). */
const JOB_TIMES = ['CreationTime', 'TerminationDate', 'SuspendedDate'] as const;

/**
 * A demo job as an emulator started at `anchorMs` answers it: each time as long before that
 * start as it lies before COS_DEMO_JOBS_REFERENCE_MS, copied at each answer.
 */
export function cosDemoJobAt(job: WireElement, anchorMs: number): WireElement {
  const move = demoIsoMover(COS_DEMO_JOBS_REFERENCE_MS, anchorMs);
  const out: WireElement = { ...job };
  for (const field of JOB_TIMES) {
    const value = job[field];
    if (typeof value === 'string') out[field] = move(value);
  }
  return out;
}

/** A nice Complete job for the README and the Sandbox's first query. */
export const EXAMPLE_GLOBAL_ID = globalId(DEMO_JOB_IDS.completeCopy);

/** Every demo job in global ID form (`cos:{region}:{uin}:{jobId}`). */
export const DEMO_GLOBAL_IDS: string[] = [...DEMO_JOBS.keys()].map(globalId);

/** Global IDs that always answer not found, throttled and a 5xx. */
export const ERROR_CASE_GLOBAL_IDS: { notFound: string; throttled: string; serverError: string } = {
  notFound: globalId(ERROR_CASE_JOB_IDS.notFound),
  throttled: globalId(ERROR_CASE_JOB_IDS.throttled),
  serverError: globalId(ERROR_CASE_JOB_IDS.serverError),
};

/** A global ID whose job the demo key may not read (403 AccessDenied). */
export const ACCESS_DENIED_GLOBAL_ID = globalId(ERROR_CASE_JOB_IDS.accessDenied);
