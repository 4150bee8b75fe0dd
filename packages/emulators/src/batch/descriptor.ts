import type { EmulatorDescriptor } from '../descriptor.ts';
import { awsEmulator, cycleJobIds, listedEntries, madeUpIds } from '../descriptor.ts';
import { bigAccountJobs } from '../listing.ts';
import * as data from './data.ts';
import { BATCH_LIMITS, createBatchEmulator } from './emulator.ts';
import { BATCH_BIG_ACCOUNT } from './listData.ts';
import { BATCH_PROGRESS_PHASES, BATCH_PROGRESSING_RUNS } from './progressing.ts';
import { BATCH_SECOND_ACCOUNT_JOB_IDS, batchSecondAccountJobs } from './secondAccount.ts';
import { failedServiceJob, progressingServiceJob } from './serviceJobData.ts';

const summaries = (jobs: readonly data.WireBatchJob[]) =>
  jobs.map((j) => ({
    globalId: data.batchGlobalId(j.jobId),
    createdAt: new Date(j.createdAt).toISOString(),
    providerStatus: j.status,
  }));

/** AWS Batch's emulator: the demo region's job queues and their jobs. */
export const batchEmulator = {
  ...awsEmulator('batch', 'AWS Batch', 7),
  data,
  // A new job each cycle, as each run is on Batch (progressing.ts).
  progressingJobId: cycleJobIds(data.batchGlobalId(''), BATCH_PROGRESSING_RUNS),
  progressPhases: BATCH_PROGRESS_PHASES,
  idsPerDescribe: BATCH_LIMITS.describeMaxJobs,
  // Error-case IDs start 404/429/500; the demo's are hashed UUIDs.
  madeUpIds: madeUpIds((f) => `f4e5b00${f}-0000-4000-8000-`),
  create: createBatchEmulator,
  list: {
    operations: ['ListJobs', 'DescribeJobQueues', 'ListServiceJobs'],
    demo: (anchorMs) => [
      ...summaries(data.batchDemoJobs(anchorMs).listed),
      // Its service jobs as they stand at the anchor (the progressing one SUBMITTED then).
      ...[
        progressingServiceJob(data.BATCH_DEMO_ACCOUNT_ID, anchorMs, anchorMs),
        failedServiceJob(data.BATCH_DEMO_ACCOUNT_ID, anchorMs),
      ].map((j) => ({
        globalId: `batchservice:${data.BATCH_DEMO_REGION}:${j.jobId}`,
        createdAt: new Date(j.createdAt).toISOString(),
        providerStatus: j.status,
      })),
    ],
    big: (anchorMs, n) =>
      data.BATCH_QUEUES.flatMap((q) =>
        listedEntries(
          bigAccountJobs(
            BATCH_BIG_ACCOUNT,
            anchorMs,
            q.jobQueueName,
            n - (q === data.HIGH_PRIORITY_QUEUE ? 1 : 0),
          ),
          data.batchGlobalId,
        ),
      ),
    secondAccount: (anchorMs) => summaries(batchSecondAccountJobs(anchorMs)),
  },
  secondAccount: {
    shared: { region: data.BATCH_DEMO_REGION, jobId: BATCH_SECOND_ACCOUNT_JOB_IDS.shared },
    example: { region: data.BATCH_DEMO_REGION, jobId: BATCH_SECOND_ACCOUNT_JOB_IDS.succeeded },
  },
} as const satisfies EmulatorDescriptor<'batch', typeof data, { region: string; jobId: string }>;
