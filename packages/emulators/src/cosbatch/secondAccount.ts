import { DEMO_SECOND_TENCENT_ACCOUNT } from '../accounts.ts';
import { isoSeconds } from '../progress.ts';
import {
  secondAccountJobs,
  type SecondAccountRow,
  type SecondAccountSlot,
} from '../secondAccount.ts';
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

/** The second account's job IDs by what they show. */
export const COS_SECOND_ACCOUNT_JOB_IDS = Object.freeze({
  /** The default account's example job's ID (Complete there): Failed here. */
  shared: DEMO_JOB_IDS.completeCopy,
  active: '57a9e001-0b1c-4d2e-8f30-a1b2c3d4e501',
  suspended: '57a9e002-1c2d-4e3f-9041-b2c3d4e5f602',
  complete: '57a9e003-2d3e-4f40-a152-c3d4e5f60703',
});

type Row = SecondAccountRow<
  keyof typeof COS_SECOND_ACCOUNT_JOB_IDS,
  {
    status: 'Active' | 'Suspended' | 'Complete' | 'Failed';
    description: string;
    tasks: [failed: number, succeeded: number, total: number];
  }
>;

// prettier-ignore
const ROWS: readonly Row[] = [
  { job: 'active', age: '3h', status: 'Active', description: 'staging: copy of uploads to archive', tasks: [0, 140, 400] },
  { job: 'suspended', age: '1d', status: 'Suspended', description: 'staging: awaiting confirmation', tasks: [0, 0, 75] },
  { job: 'shared', age: '6d', status: 'Failed', description: 'staging: nightly copy (failed)', tasks: [0, 0, 0] },
  { job: 'complete', age: '21d', status: 'Complete', description: 'staging: weekly archive copy', tasks: [0, 1200, 1200] },
];

const FAILURE_REASONS: Partial<Record<Row['status'], WireElement>> = {
  Failed: {
    JobFailure: {
      FailureCode: 'ManifestReadFailure',
      FailureReason: 'staging: the manifest object could not be read.',
    },
  },
  Complete: { JobFailure: { FailureCode: '', FailureReason: '' } },
};

/** One row as a `<Job>` element. */
function template(row: Row, { jobId, createdMs }: SecondAccountSlot): WireElement {
  const { status, tasks } = row;
  const terminal = status === 'Complete' || status === 'Failed';
  const failure = FAILURE_REASONS[status];
  return {
    ConfirmationRequired: status === 'Suspended',
    CreationTime: isoSeconds(createdMs),
    Description: row.description,
    ...(failure ? { FailureReasons: failure } : {}),
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
      ? { SuspendedCause: 'AwaitingConfirmation', SuspendedDate: isoSeconds(createdMs + 4000) }
      : {}),
    ...(terminal ? { TerminationDate: isoSeconds(createdMs + 17 * 60_000) } : {}),
  };
}

/** The second account's `<Job>` elements (its region), newest first, for an emulator started at `anchorMs`. */
export function cosSecondAccountJobs(anchorMs: number): WireElement[] {
  return secondAccountJobs({ ids: COS_SECOND_ACCOUNT_JOB_IDS, rows: ROWS }, anchorMs, template);
}
