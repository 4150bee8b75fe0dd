import { fastUuidFor, type BigAccountSpec, type ListedSlot } from '../listing.ts';
import { BATCH_QUEUES, batchJob, type WireBatchJob } from './data.ts';

/**
 * A big account's Batch queues (`jobsPerSource`): each queue of the demo region holds that many
 * generated jobs over the 90 days before the emulator started, most of them finished, the newest
 * still moving through the non-terminal statuses.
 */
const BATCH_BIG_STATUS_MIX = {
  recent: [
    ['SUBMITTED', 1],
    ['PENDING', 1],
    ['RUNNABLE', 2],
    ['STARTING', 1],
    ['RUNNING', 3],
  ],
  settled: [
    ['SUCCEEDED', 80],
    ['FAILED', 12],
  ],
} as const;

const MINUTE = 60_000;

/** The ID of job `index` of queue `queueName` in a big account. */
function batchBigJobId(queueName: string, index: number): string {
  return fastUuidFor(`batch-big/${queueName}/${index}`);
}

function bigJob(slot: ListedSlot, queueName: string): WireBatchJob {
  const queue = BATCH_QUEUES.find((q) => q.jobQueueName === queueName) ?? BATCH_QUEUES[0]!;
  const { status } = slot;
  const done = status === 'SUCCEEDED' || status === 'FAILED';
  const started = done || status === 'RUNNING';
  return batchJob({
    jobId: slot.id,
    jobName: `${queueName.split('-')[0]}-batch-${slot.index}`,
    queue,
    status,
    createdMs: slot.createdMs,
    ...(started ? { startedAfter: 2 * MINUTE } : {}),
    ...(done
      ? {
          stoppedAfter: (10 + (slot.index % 50)) * MINUTE,
          exitCode: status === 'FAILED' ? 1 : 0,
          statusReason: 'Essential container in task exited',
        }
      : {}),
  });
}

export const BATCH_BIG_ACCOUNT: BigAccountSpec<WireBatchJob> = {
  seed: 'batch-big',
  mix: BATCH_BIG_STATUS_MIX,
  id: batchBigJobId,
  build: bigJob,
};
