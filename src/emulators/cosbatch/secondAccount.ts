import { DEMO_SECOND_TENCENT_ACCOUNT } from '../accounts.ts';
import { isoSeconds } from '../progress.ts';
import { DEMO_JOB_IDS } from './data.ts';
import type { WireElement } from './xml.ts';

/**
 * The second demo Tencent Cloud account's (staging's) COS Batch jobs, in its region, created
 * hours to weeks before the emulator started (`anchorMs`), all listed. One has the JobId of the
 * default account's example job (Complete there), Failed here with another description, so a
 * client can show that the same native ID in two accounts names two jobs.
 */

const { uin: UIN, appId: APPID, region: REGION } = DEMO_SECOND_TENCENT_ACCOUNT;
const arn = (bucket: string, key?: string) =>
  `qcs::cos:${REGION}:uid/${APPID}:${bucket}-${APPID}${key ? `/${key}` : ''}`;
const ROLE = `qcs::cam::uin/${UIN}:roleName/COS_Batch_QcsRole`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The second account's job IDs by what they show. */
export const COS_SECOND_ACCOUNT_JOB_IDS = Object.freeze({
  /** The default account's example job's ID (Complete there): Failed here. */
  shared: DEMO_JOB_IDS.completeCopy,
  active: '57a9e001-0b1c-4d2e-8f30-a1b2c3d4e501',
  suspended: '57a9e002-1c2d-4e3f-9041-b2c3d4e5f602',
  complete: '57a9e003-2d3e-4f40-a152-c3d4e5f60703',
});

function stagingJob(
  anchorMs: number,
  jobId: string,
  ageMs: number,
  status: 'Active' | 'Suspended' | 'Complete' | 'Failed',
  description: string,
  tasks: [failed: number, succeeded: number, total: number],
): WireElement {
  const created = anchorMs - ageMs;
  const terminal = status === 'Complete' || status === 'Failed';
  return {
    ConfirmationRequired: status === 'Suspended',
    CreationTime: isoSeconds(created),
    Description: description,
    ...(status === 'Failed'
      ? {
          FailureReasons: {
            JobFailure: {
              FailureCode: 'ManifestReadFailure',
              FailureReason: 'staging: the manifest object could not be read.',
            },
          },
        }
      : status === 'Complete'
        ? { FailureReasons: { JobFailure: { FailureCode: '', FailureReason: '' } } }
        : {}),
    JobId: jobId,
    Manifest: {
      Location: {
        ETag: `"${jobId.replace(/-/g, '').slice(0, 32)}"`,
        ObjectArn: arn('stagingsource', `manifests/${jobId}.csv`),
      },
      Spec: { Fields: { member: ['Bucket', 'Key'] }, Format: 'COSBatchOperations_CSV_V1' },
    },
    Operation: { COSPutObjectCopy: { TargetResource: arn('stagingarchive') } },
    Priority: 5,
    ProgressSummary: {
      NumberOfTasksFailed: tasks[0],
      NumberOfTasksSucceeded: tasks[1],
      TotalNumberOfTasks: tasks[2],
    },
    RoleArn: ROLE,
    Status: status,
    ...(status === 'Suspended'
      ? { SuspendedCause: 'AwaitingConfirmation', SuspendedDate: isoSeconds(created + 4000) }
      : {}),
    ...(terminal ? { TerminationDate: isoSeconds(created + 17 * 60_000) } : {}),
  };
}

/** The second account's `<Job>` elements (its region), newest first, for an emulator started at `anchorMs`. */
export function cosSecondAccountJobs(anchorMs: number): WireElement[] {
  const J = COS_SECOND_ACCOUNT_JOB_IDS;
  return [
    stagingJob(
      anchorMs,
      J.active,
      3 * HOUR,
      'Active',
      'staging: copy of uploads to archive',
      [0, 140, 400],
    ),
    stagingJob(
      anchorMs,
      J.suspended,
      1 * DAY,
      'Suspended',
      'staging: awaiting confirmation',
      [0, 0, 75],
    ),
    stagingJob(anchorMs, J.shared, 6 * DAY, 'Failed', 'staging: nightly copy (failed)', [0, 0, 0]),
    stagingJob(
      anchorMs,
      J.complete,
      21 * DAY,
      'Complete',
      'staging: weekly archive copy',
      [0, 1200, 1200],
    ),
  ];
}
