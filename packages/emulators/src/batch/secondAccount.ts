import { DEMO_SECOND_AWS_ACCOUNT } from '../accounts.ts';
import { uuidFor } from '../listing.ts';
import {
  secondAccountJobs,
  type SecondAccountRow,
  type SecondAccountSlot,
} from '../secondAccount.ts';
import {
  BATCH_DEMO_REGION,
  BATCH_JOB_IDS,
  batchJob,
  batchQueue,
  type WireBatchJob,
  type WireJobQueue,
} from './data.ts';

/**
 * The second demo account's (staging's) job queue and jobs, in the demo region, created hours
 * before the emulator started (`anchorMs`), all listed. One job has the ID of the default
 * account's example job (SUCCEEDED there, FAILED here), so a client can show that the same native
 * ID in two accounts names two jobs. The queue schedules by fair share, so each job has a share
 * identifier; its one compute environment is DISABLED (computeEnvironments.ts).
 */

const ACCOUNT = DEMO_SECOND_AWS_ACCOUNT.accountId;
const MINUTE = 60_000;

/** The second account's job IDs by what they show. */
export const BATCH_SECOND_ACCOUNT_JOB_IDS = Object.freeze({
  /** The default account's example job's ID (SUCCEEDED there), FAILED here. */
  shared: BATCH_JOB_IDS.succeeded,
  running: uuidFor('batch-staging/running'),
  succeeded: uuidFor('batch-staging/succeeded'),
  runnable: uuidFor('batch-staging/runnable'),
});

/** The second account's queues in the demo region. */
export const BATCH_SECOND_ACCOUNT_QUEUES: readonly WireJobQueue[] = [
  {
    ...batchQueue(
      ACCOUNT,
      BATCH_DEMO_REGION,
      'staging-default',
      1,
      Date.parse('2025-01-14T09:00:00Z'),
      'staging-fargate',
    ),
    schedulingPolicyArn: `arn:aws:batch:${BATCH_DEMO_REGION}:${ACCOUNT}:scheduling-policy/staging-fair-share`,
  },
];

type Row = SecondAccountRow<
  keyof typeof BATCH_SECOND_ACCOUNT_JOB_IDS,
  {
    jobName: string;
    status: 'FAILED' | 'SUCCEEDED' | 'RUNNING' | 'RUNNABLE';
    /** Its share of the fair-share queue. */
    share: string;
    /** Minutes after creation it started and stopped; its container's exit code. */
    started?: number;
    stopped?: number;
    exitCode?: number;
  }
>;

const EXITED = 'Essential container in task exited';

// Newest last, as the jobs were written before they became a table.
// prettier-ignore
const ROWS: readonly Row[] = [
  { job: 'shared', age: '9h', jobName: 'align-staging', status: 'FAILED', share: 'genomics', started: 2, stopped: 7, exitCode: 3 },
  { job: 'succeeded', age: '7h', jobName: 'etl-staging-orders', status: 'SUCCEEDED', share: 'etl', started: 1, stopped: 9, exitCode: 0 },
  { job: 'running', age: '2h', jobName: 'etl-staging-payments', status: 'RUNNING', share: 'etl', started: 1 },
  { job: 'runnable', age: '1h', jobName: 'train-staging-smoke', status: 'RUNNABLE', share: 'ml' },
];

/** One row as a `JobDetail` of the second account's queue. */
function template(row: Row, { jobId, createdMs }: SecondAccountSlot): WireBatchJob {
  const { started, stopped, exitCode } = row;
  return batchJob(
    {
      jobId,
      jobName: row.jobName,
      queue: BATCH_SECOND_ACCOUNT_QUEUES[0]!,
      status: row.status,
      createdMs,
      ...(started !== undefined ? { startedAfter: started * MINUTE } : {}),
      ...(stopped !== undefined ? { stoppedAfter: stopped * MINUTE, statusReason: EXITED } : {}),
      ...(exitCode !== undefined ? { exitCode } : {}),
      extra: { shareIdentifier: row.share },
    },
    ACCOUNT,
    BATCH_DEMO_REGION,
  );
}

/** The second account's jobs, all listed in its queue. */
export function batchSecondAccountJobs(anchorMs: number): WireBatchJob[] {
  return secondAccountJobs({ ids: BATCH_SECOND_ACCOUNT_JOB_IDS, rows: ROWS }, anchorMs, template);
}
