import { demoIsoMover } from '../demoDates.ts';
import { OMICS_DEMO_REGION } from './data.ts';
import { OMICS_DEMO_RUNS, demoRun, demoTask, type WireOmicsRun } from './runs.ts';

/**
 * The demo's HealthOmics run batches (StartRunBatch, 2026-03-20), as runBatches.ts answers them:
 * one cohort batch in progress (five runs started: three COMPLETED, one FAILED with
 * CANNOT_START_CONTAINER_ERROR from the published run-errors table, one RUNNING; a sixth run
 * setting whose submission failed) and one batch that FAILED before submitting any run (its
 * S3 run settings unreadable). The cohort's runs are workflow runs like the others: GetRun,
 * ListRuns (by `batchId`), tasks, logs.
 */

/** One run setting of a batch: the run it started, or why its submission failed. */
interface WireRunSetting {
  runSettingId: string;
  runId?: string;
  submissionStatus: string;
  submissionFailureReason?: string;
  submissionFailureMessage?: string;
}

export interface WireOmicsRunBatch {
  id: string;
  arn: string;
  uuid: string;
  name: string;
  status: string;
  tags: Record<string, string>;
  totalRuns: number;
  defaultRunSetting: Record<string, unknown>;
  /** The seven counts of the model's SubmissionSummary, each present. */
  submissionSummary: Record<string, number>;
  creationTime: string;
  submittedTime?: string;
  processedTime?: string;
  failedTime?: string;
  failureReason?: string;
  runSettings: WireRunSetting[];
}

const ACCOUNT = '123456789012';
const REGION = OMICS_DEMO_REGION;
/** The run group the cohort batch's runs are in (not the single runs' group). */
export const OMICS_DEMO_BATCH_RUN_GROUP_ID = '5914208';
/** The cohort batch, in progress. */
export const OMICS_DEMO_BATCH_ID = '7203518';
/** The batch that failed before submitting a run. */
export const OMICS_FAILED_BATCH_ID = '7203519';

const defaultRunSetting = {
  workflowId: '1830181',
  workflowType: 'PRIVATE',
  roleArn: `arn:aws:iam::${ACCOUNT}:role/OmicsWorkflowRole`,
  name: 'wgs-cohort-c1',
  cacheId: '2840517',
  cacheBehavior: 'CACHE_ON_FAILURE',
  runGroupId: OMICS_DEMO_BATCH_RUN_GROUP_ID,
  priority: 10,
  parameters: { reference: 's3://demo-genomes/GRCh38.fa' },
  storageCapacity: 1200,
  outputUri: 's3://demo-omics-output/cohort-c1/',
  logLevel: 'ALL',
  runTags: { project: 'demo', cohort: 'c1' },
  retentionMode: 'RETAIN',
  storageType: 'DYNAMIC',
  workflowOwnerId: ACCOUNT,
  outputBucketOwnerId: ACCOUNT,
  workflowVersionName: 'v2',
  networkingMode: 'RESTRICTED',
  configurationName: 'demo-run-configuration',
};

const day = '2026-11-23T';

/** A cohort run: `status` and its two tasks' times (minutes after 08:00 on the batch's day). */
function cohortRun(
  n: number,
  status: 'COMPLETED' | 'FAILED' | 'RUNNING',
  failure?: { failureReason: string; statusMessage: string },
): WireOmicsRun {
  const id = String(4861060 + n);
  const at = (minutes: number) =>
    new Date(Date.parse(`${day}08:00:00.000Z`) + minutes * 60_000).toISOString();
  const start = 10 + n * 2;
  const align = demoTask(id, String(1100010 + n * 2), 'align', 'COMPLETED', {
    creationTime: at(start + 1),
    startTime: at(start + 2),
    stopTime: at(start + 40),
  });
  const callStatus = status === 'RUNNING' ? 'RUNNING' : status;
  const call = demoTask(
    id,
    String(1100011 + n * 2),
    'call-variants',
    callStatus,
    {
      creationTime: at(start + 40),
      startTime: at(start + 41),
      ...(status === 'RUNNING' ? {} : { stopTime: at(start + (failure ? 42 : 70)) }),
    },
    failure,
  );
  const finished = status === 'RUNNING' ? {} : { stopTime: at(start + (failure ? 43 : 71)) };
  const base = demoRun(
    id,
    `d6e4f5a7-8b9c-4d0e-9f1a-3b4c5d6e7f${String(n).padStart(2, '0')}`,
    `wgs-cohort-c1-sample-10${n + 1}`,
    status,
    { creationTime: at(n * 2), startTime: at(start), ...finished },
    [align, call],
    failure,
  );
  return {
    ...base,
    batchId: OMICS_DEMO_BATCH_ID,
    runGroupId: OMICS_DEMO_BATCH_RUN_GROUP_ID,
    outputUri: defaultRunSetting.outputUri,
    runOutputUri: `${defaultRunSetting.outputUri}${id}`,
    parameters: {
      ...defaultRunSetting.parameters,
      sample: `s3://demo-genomes/cohort-c1/sample-10${n + 1}.bam`,
    },
    tags: { ...defaultRunSetting.runTags, sample: `sample-10${n + 1}` },
  };
}

/** The cohort batch's runs, oldest first: three COMPLETED, one FAILED, one RUNNING. */
export const OMICS_DEMO_BATCH_RUNS: readonly WireOmicsRun[] = [
  cohortRun(0, 'COMPLETED'),
  cohortRun(1, 'COMPLETED'),
  cohortRun(2, 'FAILED', {
    failureReason: 'CANNOT_START_CONTAINER_ERROR',
    statusMessage:
      'The task container could not start. Check the container image and its entry point.',
  }),
  cohortRun(3, 'COMPLETED'),
  cohortRun(4, 'RUNNING'),
];

const batchArn = (id: string) => `arn:aws:omics:${REGION}:${ACCOUNT}:runBatch/${id}`;
const noSubmissions = {
  successfulStartSubmissionCount: 0,
  failedStartSubmissionCount: 0,
  pendingStartSubmissionCount: 0,
  successfulCancelSubmissionCount: 0,
  failedCancelSubmissionCount: 0,
  successfulDeleteSubmissionCount: 0,
  failedDeleteSubmissionCount: 0,
};

/** The demo batches, oldest first. */
export const OMICS_DEMO_BATCHES: readonly WireOmicsRunBatch[] = [
  {
    id: OMICS_DEMO_BATCH_ID,
    arn: batchArn(OMICS_DEMO_BATCH_ID),
    uuid: 'e7f5a6b8-9c0d-4e1f-8a2b-4c5d6e7f8a9b',
    name: 'wgs-cohort-c1',
    status: 'INPROGRESS',
    tags: { project: 'demo', cohort: 'c1' },
    totalRuns: 6,
    defaultRunSetting,
    submissionSummary: {
      ...noSubmissions,
      successfulStartSubmissionCount: 5,
      failedStartSubmissionCount: 1,
    },
    creationTime: `${day}07:58:00.000Z`,
    submittedTime: `${day}08:09:00.000Z`,
    runSettings: [
      ...OMICS_DEMO_BATCH_RUNS.map((r, n) => ({
        runSettingId: `sample-10${n + 1}`,
        runId: r.id,
        submissionStatus: 'SUCCESS',
      })),
      {
        runSettingId: 'sample-106',
        submissionStatus: 'FAILED',
        submissionFailureReason: 'ValidationException',
        submissionFailureMessage:
          'Parameter sample: s3://demo-genomes/cohort-c1/sample-106.bam does not exist.',
      },
    ],
  },
  {
    id: OMICS_FAILED_BATCH_ID,
    arn: batchArn(OMICS_FAILED_BATCH_ID),
    uuid: 'f8a6b7c9-0d1e-4f2a-9b3c-5d6e7f8a9b0c',
    name: 'wgs-cohort-c2',
    status: 'FAILED',
    tags: { project: 'demo', cohort: 'c2' },
    totalRuns: 0,
    defaultRunSetting: {
      ...defaultRunSetting,
      name: 'wgs-cohort-c2',
      outputUri: 's3://demo-omics-output/cohort-c2/',
      runTags: { project: 'demo', cohort: 'c2' },
    },
    submissionSummary: noSubmissions,
    creationTime: `${day}10:00:00.000Z`,
    failedTime: `${day}10:01:00.000Z`,
    failureReason:
      'Unable to read the run settings at s3://demo-genomes/cohort-c2/runs.json: Access Denied.',
    runSettings: [],
  },
];

/**
 * The instant the runs' and run batches' tables (runs.ts, here) are dated against: just after
 * their newest entry, the failed batch. The emulator serves them moved to its start, as
 * demoDates.ts moves every fixed demo table: they are as old at each start as written here (14
 * hours to 4 days) and keep their place among the reference import jobs, which move the same way.
 */
export const OMICS_DEMO_RUNS_REFERENCE_MS = Date.parse('2026-11-24T00:00:00.000Z');

type Timed = { creationTime: string; startTime?: string; stopTime?: string };

const timesMoved = <T extends Timed>(x: T, move: (iso: string) => string): T => ({
  ...x,
  creationTime: move(x.creationTime),
  ...(x.startTime ? { startTime: move(x.startTime) } : {}),
  ...(x.stopTime ? { stopTime: move(x.stopTime) } : {}),
});

/** The demo's workflow runs (alone, then the cohort batch's) and their tasks, moved to `anchorMs`: fresh copies. */
export function omicsDemoRunsAt(anchorMs: number): WireOmicsRun[] {
  const move = demoIsoMover(OMICS_DEMO_RUNS_REFERENCE_MS, anchorMs);
  return structuredClone([...OMICS_DEMO_RUNS, ...OMICS_DEMO_BATCH_RUNS]).map((run) => ({
    ...timesMoved(run, move),
    tasks: run.tasks.map((t) => timesMoved(t, move)),
  }));
}

/** The demo's run batches moved to `anchorMs`: fresh copies. */
export function omicsDemoBatchesAt(anchorMs: number): WireOmicsRunBatch[] {
  const move = demoIsoMover(OMICS_DEMO_RUNS_REFERENCE_MS, anchorMs);
  return structuredClone([...OMICS_DEMO_BATCHES]).map((b) => ({
    ...b,
    creationTime: move(b.creationTime),
    ...(b.submittedTime ? { submittedTime: move(b.submittedTime) } : {}),
    ...(b.processedTime ? { processedTime: move(b.processedTime) } : {}),
    ...(b.failedTime ? { failedTime: move(b.failedTime) } : {}),
  }));
}
