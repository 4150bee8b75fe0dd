import { DEMO_TENCENT_CREDENTIALS } from '../framework.ts';
import { cyclePhases, isoSeconds, phaseAt, type CyclePoint } from '../progress.ts';
import type { WireElement } from './xml.ts';

/**
 * The progressing COS Batch copy job (no confirmation required): `New`, `Preparing` (reading
 * the manifest), `Ready` with its task count known, `Active` with NumberOfTasksSucceeded
 * growing by 4 a second, `Completing`, then `Complete` with its TerminationDate and the empty
 * `<JobFailure>` padding COS sends for a Complete job, until the cycle ends.
 *
 * It starts again in place, under this one ID, each cycle. That is the demo's simplification, not
 * the service's way: each CreateJob makes a new JobId, so each run is a new job there too, and its timeline runs Complete → New at each cycle's start. The
 * demo gateway never caches it (`IN_PLACE_PROGRESSING_JOB_IDS`, src/app.ts), so every cycle is
 * read; making each run a new job, as batch/progressing.ts and omics/progressing.ts do with
 * `cycleRuns`, is still to do for it (the tests and the console's screenshots lean on its one ID).
 */
export const COS_PROGRESSING_JOB_ID = '5e1f0a9d-7c3b-4e2a-9f6d-0a1b2c3d4e99';

export const COS_PROGRESS_PHASES = cyclePhases([
  ['New', 5_000],
  ['Preparing', 12_000],
  ['Ready', 17_000],
  ['Active', 47_000],
  ['Completing', 50_000],
  ['Complete', 60_000],
]);

/** Tasks in the manifest (TotalNumberOfTasks from Ready on). */
export const COS_PROGRESSING_TASKS = 120;

const { uin: UIN, appId: APPID, region: REGION } = DEMO_TENCENT_CREDENTIALS;
const arn = (bucket: string, key?: string) =>
  `qcs::cos:${REGION}:uid/${APPID}:${bucket}-${APPID}${key ? `/${key}` : ''}`;

/** The `<Job>` element at a point of the cycle, children in the document order of the static demo jobs. */
export function cosProgressingJob(point: CyclePoint): WireElement {
  const phase = phaseAt(COS_PROGRESS_PHASES, point.offsetMs);
  const status = phase.providerStatus;
  const counted = !['New', 'Preparing'].includes(status);
  const active = COS_PROGRESS_PHASES[3]!;
  const succeeded =
    status === 'Active'
      ? Math.floor(
          ((point.offsetMs - active.fromMs) * COS_PROGRESSING_TASKS) /
            (active.toMs - active.fromMs),
        )
      : status === 'Completing' || status === 'Complete'
        ? COS_PROGRESSING_TASKS
        : 0;
  const complete = status === 'Complete';
  return {
    ConfirmationRequired: false,
    CreationTime: isoSeconds(point.cycleStartMs),
    Description: 'Progressing demo job: copy the uploads to the archive bucket',
    ...(complete ? { FailureReasons: { JobFailure: { FailureCode: '', FailureReason: '' } } } : {}),
    JobId: COS_PROGRESSING_JOB_ID,
    Manifest: {
      Location: {
        ETag: '"d41d8cd98f00b204e9800998ecf8427e"',
        ObjectArn: arn('sourcebucket', 'manifests/progressing-demo.csv'),
      },
      Spec: { Fields: { member: ['Bucket', 'Key'] }, Format: 'COSBatchOperations_CSV_V1' },
    },
    Operation: {
      COSPutObjectCopy: { StorageClass: 'STANDARD_IA', TargetResource: arn('archivebucket') },
    },
    Priority: 10,
    ProgressSummary: {
      NumberOfTasksFailed: 0,
      NumberOfTasksSucceeded: succeeded,
      TotalNumberOfTasks: counted ? COS_PROGRESSING_TASKS : 0,
    },
    Report: {
      Bucket: arn('reportbucket'),
      Enabled: true,
      Format: 'Report_CSV_V1',
      Prefix: 'progressing-demo',
      ReportScope: 'AllTasks',
    },
    RoleArn: `qcs::cam::uin/${UIN}:roleName/COS_Batch_QcsRole`,
    Status: status,
    ...(complete
      ? {
          StatusUpdateReason: 'Job complete',
          TerminationDate: isoSeconds(point.cycleStartMs + phase.fromMs),
        }
      : {}),
  };
}
