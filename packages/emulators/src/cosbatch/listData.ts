import { DEMO_TENCENT_CREDENTIALS } from '../framework.ts';
import {
  fastUuidFor,
  hexHash,
  listedSlots,
  unitHash,
  uuidFor,
  type BigAccountSpec,
  type ListedSlot,
  type ListPlace,
  type StatusMix,
} from '../listing.ts';
import { isoSeconds } from '../progress.ts';
import type { WireElement } from './xml.ts';

/**
 * The COS Batch jobs ListJobs shows for the demo account in its region: generated, with fixed
 * IDs, over the 90 days before the emulator started (`anchorMs`; Tencent keeps about 90 days of
 * jobs). Each is a full DescribeJob `<Job>` element, so the describe route answers for every
 * listed job with the same Status and times. All 13 statuses appear; some Complete jobs have
 * failed tasks; two jobs share a creation second (COS times have whole seconds). The fixed demo
 * jobs of data.ts (dated March 2026) are describe fixtures and are not listed.
 */

const { uin: UIN, appId: APPID, region: REGION } = DEMO_TENCENT_CREDENTIALS;
const arnIn = (region: string, bucket: string, key?: string) =>
  `qcs::cos:${region}:uid/${APPID}:${bucket}-${APPID}${key ? `/${key}` : ''}`;
const ROLE = `qcs::cam::uin/${UIN}:roleName/COS_Batch_QcsRole`;

type Counts = readonly (readonly [string, number])[];

/** The non-terminal statuses, on the newest jobs. */
export const COS_LIST_RECENT_COUNTS: Counts = [
  ['New', 2],
  ['Preparing', 2],
  ['Suspended', 2],
  ['Ready', 2],
  ['Active', 3],
  ['Pausing', 1],
  ['Paused', 2],
  ['Completing', 2],
  ['Failing', 2],
  ['Cancelling', 2],
];
/** The terminal statuses, spread over the rest. */
export const COS_LIST_SETTLED_COUNTS: Counts = [
  ['Failed', 8],
  ['Cancelled', 6],
  ['Complete', 44],
];

/** How many jobs the list shows besides the progressing job. */
export const COS_LIST_JOB_COUNT = [...COS_LIST_RECENT_COUNTS, ...COS_LIST_SETTLED_COUNTS].reduce(
  (sum, [, n]) => sum + n,
  0,
);

/** Listed jobs (by index, 0 = newest) that share the creation second of the job before them. */
export const COS_LIST_TIED_INDEXES: readonly number[] = [31];

/** The JobId of listed job `index` (0 = newest): a UUID, the same on every run. */
function cosListedJobId(index: number): string {
  return uuidFor(`cos-listed-${index}`);
}

/** Every listed `<Job>` (without the progressing one), newest first, for an emulator started at `anchorMs`. */
export function cosListedJobs(anchorMs: number): WireElement[] {
  const slots = listedSlots({
    anchorMs,
    count: COS_LIST_JOB_COUNT,
    seed: 'cosbatch',
    recent: COS_LIST_RECENT_COUNTS,
    settled: COS_LIST_SETTLED_COUNTS,
    resolutionMs: 1000,
    tiedIndexes: COS_LIST_TIED_INDEXES,
  });
  let complete = 0;
  return slots.map(({ createdMs, status }, index) => {
    // Every seventh Complete job has failed tasks: SUCCEEDED_WITH_ERRORS.
    const withFailures = status === 'Complete' && complete++ % 7 === 3;
    return listedJob({ id: cosListedJobId(index), index, createdMs, status }, REGION, withFailures);
  });
}

/** A big account's status mix (weights): the non-terminal statuses on the newest jobs, mostly Complete. */
export const COS_BIG_STATUS_MIX: StatusMix = {
  recent: [
    ['New', 0.3],
    ['Preparing', 0.3],
    ['Suspended', 0.5],
    ['Ready', 0.3],
    ['Active', 1],
    ['Pausing', 0.1],
    ['Paused', 0.3],
    ['Completing', 0.3],
    ['Failing', 0.2],
    ['Cancelling', 0.2],
  ],
  settled: [
    ['Failed', 7],
    ['Cancelled', 4],
    ['Complete', 85.5],
  ],
};

/** In a big account, every this many jobs one shares the creation second of the job before it. */
const COS_BIG_TIE_EVERY = 97;

/** The JobId of big-account job `index` (0 = newest) in `region`: a UUID, the same on every run. */
function cosBigJobId(region: string, index: number): string {
  return fastUuidFor(`cos-big/${region}/${index}`);
}

/**
 * A big account's COS Batch jobs in one region of the demo account (`jobsPerSource`): `count`
 * jobs over the 90 days before `anchorMs`, whole seconds, every 97th sharing its creation second
 * with the job before it; each a full DescribeJob `<Job>` built when asked. One Complete job in
 * seven has failed tasks.
 */
export const COS_BIG_ACCOUNT: BigAccountSpec<WireElement> = {
  seed: 'cos-big',
  resolutionMs: 1000,
  mix: COS_BIG_STATUS_MIX,
  tieEvery: COS_BIG_TIE_EVERY,
  id: cosBigJobId,
  build: (slot, region) =>
    listedJob(slot, region, slot.status === 'Complete' && slot.index % 7 === 3),
};

function operation(index: number, region: string): WireElement {
  const arn = (bucket: string) => arnIn(region, bucket);
  if (index % 5 === 2)
    return {
      COSInitiateRestoreObject: {
        ExpirationInDays: 1 + (index % 7),
        JobTier: index % 2 === 0 ? 'Standard' : 'Bulk',
      },
    };
  if (index % 7 === 4) {
    return {
      COSPutObjectTagging: { TagSet: { COSTag: [{ Key: 'batch', Value: `listed-${index}` }] } },
    };
  }
  return {
    COSPutObjectCopy: {
      StorageClass: index % 3 === 0 ? 'STANDARD_IA' : 'ARCHIVE',
      TargetResource: arn(index % 2 === 0 ? 'archivebucket' : 'backupbucket'),
    },
  };
}

/** NumberOfTasksFailed, NumberOfTasksSucceeded, TotalNumberOfTasks for a job in `status`. */
function progress(index: number, status: string, withFailures: boolean): [number, number, number] {
  const total = 50 + Math.floor(unitHash(`cos-total-${index}`) * 5000);
  const part = Math.floor(total * (0.1 + unitHash(`cos-part-${index}`) * 0.8));
  switch (status) {
    case 'New':
    case 'Preparing':
      return [0, 0, 0];
    case 'Suspended':
    case 'Ready':
      return [0, 0, total];
    case 'Failing':
      return [Math.ceil(part / 2), Math.floor(part / 2), total];
    case 'Failed':
      return index % 2 === 0 ? [0, 0, 0] : [part, 0, total];
    case 'Complete':
      return withFailures ? [1 + (index % 9), total - 1 - (index % 9), total] : [0, total, total];
    default:
      return [0, part, total];
  }
}

const UPDATE_REASON: Readonly<Record<string, string>> = {
  Ready: 'Job confirmed by user',
  Pausing: 'Pause requested by user',
  Paused: 'Paused by user',
  Failing: 'Task failure threshold exceeded',
  Failed: 'Job failed',
  Cancelling: 'Cancel requested by user',
  Cancelled: 'Job cancelled by user',
  Complete: 'Job complete',
};

function listedJob(slot: ListedSlot, region: string, withFailures: boolean): WireElement {
  const { id: jobId, index, createdMs, status } = slot;
  const arn = (bucket: string, key?: string) => arnIn(region, bucket, key);
  const [failed, succeeded, total] = progress(index, status, withFailures);
  const terminal = status === 'Complete' || status === 'Failed' || status === 'Cancelled';
  const tookMs = (30 + Math.floor(unitHash(`cos-took-${index}`) * 3600)) * 1000;
  const suspended = status === 'Suspended';
  return {
    ConfirmationRequired: suspended || index % 6 === 0,
    CreationTime: isoSeconds(createdMs),
    ...(index % 4 === 1
      ? {}
      : {
          Description: `Listed demo job ${index + 1}: ${Object.keys(operation(index, region))[0] ?? ''}`,
        }),
    ...(status === 'Complete'
      ? { FailureReasons: { JobFailure: { FailureCode: '', FailureReason: '' } } }
      : status === 'Failed' || status === 'Failing'
        ? {
            FailureReasons: {
              JobFailure: [
                {
                  FailureCode: 'TaskFailureThreshold',
                  FailureReason: 'More than 50% of the tasks failed.',
                },
              ],
            },
          }
        : {}),
    JobId: jobId,
    Manifest: {
      Location: {
        ETag: `"${hexHash(`cos-etag-${index}`, 32)}"`,
        ObjectArn: arn('sourcebucket', `manifests/listed-${index + 1}.csv`),
      },
      Spec: { Fields: { member: ['Bucket', 'Key'] }, Format: 'COSBatchOperations_CSV_V1' },
    },
    Operation: operation(index, region),
    Priority: index % 11,
    ProgressSummary: {
      NumberOfTasksFailed: failed,
      NumberOfTasksSucceeded: succeeded,
      TotalNumberOfTasks: total,
    },
    ...(index % 3 === 0
      ? {}
      : {
          Report: {
            Bucket: arn('reportbucket'),
            Enabled: true,
            Format: 'Report_CSV_V1',
            Prefix: `listed-${index + 1}`,
            ReportScope: 'AllTasks',
          },
        }),
    RoleArn: ROLE,
    Status: status,
    ...(UPDATE_REASON[status] ? { StatusUpdateReason: UPDATE_REASON[status] } : {}),
    ...(suspended
      ? { SuspendedCause: 'AwaitingConfirmation', SuspendedDate: isoSeconds(createdMs + 4000) }
      : {}),
    ...(terminal ? { TerminationDate: isoSeconds(createdMs + tookMs) } : {}),
  };
}

/** Where a COS Batch `<Job>` stands in a list: CreationTime in ms, JobId, Status. */
export function cosListPlace(job: WireElement): ListPlace {
  return {
    createdMs: Date.parse(job.CreationTime as string),
    id: job.JobId as string,
    status: job.Status as string,
  };
}
