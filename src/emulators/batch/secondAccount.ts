import { DEMO_SECOND_AWS_ACCOUNT } from '../accounts.ts';
import { uuidFor } from '../listing.ts';
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
 * ID in two accounts names two jobs.
 */

const ACCOUNT = DEMO_SECOND_AWS_ACCOUNT.accountId;
const HOUR = 3_600_000;
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
  batchQueue(
    ACCOUNT,
    BATCH_DEMO_REGION,
    'staging-default',
    1,
    Date.parse('2025-01-14T09:00:00Z'),
    'staging-fargate',
  ),
];

/** The second account's jobs, all listed in its queue. */
export function batchSecondAccountJobs(anchorMs: number): WireBatchJob[] {
  const J = BATCH_SECOND_ACCOUNT_JOB_IDS;
  const queue = BATCH_SECOND_ACCOUNT_QUEUES[0]!;
  const at = (hours: number) => anchorMs - hours * HOUR;
  const job = (spec: Parameters<typeof batchJob>[0]) => batchJob(spec, ACCOUNT, BATCH_DEMO_REGION);
  return [
    job({
      jobId: J.shared,
      jobName: 'align-staging',
      queue,
      status: 'FAILED',
      createdMs: at(9),
      startedAfter: 2 * MINUTE,
      stoppedAfter: 7 * MINUTE,
      exitCode: 3,
      statusReason: 'Essential container in task exited',
    }),
    job({
      jobId: J.succeeded,
      jobName: 'etl-staging-orders',
      queue,
      status: 'SUCCEEDED',
      createdMs: at(7),
      startedAfter: MINUTE,
      stoppedAfter: 9 * MINUTE,
      exitCode: 0,
      statusReason: 'Essential container in task exited',
    }),
    job({
      jobId: J.running,
      jobName: 'etl-staging-payments',
      queue,
      status: 'RUNNING',
      createdMs: at(2),
      startedAfter: MINUTE,
    }),
    job({
      jobId: J.runnable,
      jobName: 'train-staging-smoke',
      queue,
      status: 'RUNNABLE',
      createdMs: at(1),
    }),
  ];
}
