import { eventBridgeEvent, type EventBridgeEvent } from '../eventBridge.ts';
import type { WireBatchJob } from './data.ts';

/**
 * The causes Batch gives a RUNNABLE job that no compute environment of its queue can place (its
 * `statusReason`'s prefix, as the AWS Batch user guide's "Jobs stuck in a RUNNABLE status" lists
 * them): such a job at the head of its queue blocks the queue.
 */
const BLOCKING_CAUSES = ['MISCONFIGURATION:', 'CAPACITY:'] as const;

/** Whether `job` cannot run where it waits: RUNNABLE, with one of the blocking causes. */
export function cannotRun(job: WireBatchJob): boolean {
  const reason = typeof job.statusReason === 'string' ? job.statusReason : '';
  return job.status === 'RUNNABLE' && BLOCKING_CAUSES.some((cause) => reason.startsWith(cause));
}

/** The head of a queue: its oldest RUNNABLE job (ties by job ID), of `jobs` (the queue's). */
export function queueHead(jobs: readonly WireBatchJob[]): WireBatchJob | undefined {
  let head: WireBatchJob | undefined;
  for (const job of jobs)
    if (
      job.status === 'RUNNABLE' &&
      (head === undefined ||
        job.createdAt < head.createdAt ||
        (job.createdAt === head.createdAt && job.jobId < head.jobId))
    )
      head = job;
  return head;
}

/**
 * Batch's `Batch Job Queue Blocked` event of `job` (the head of its queue, which cannot run): the
 * same source and envelope as a state change, the job's ARN and its queue's as `resources`, and
 * the job record as DescribeJobs answers it as `detail` (status RUNNABLE, the cause in
 * `statusReason`).
 */
export function batchQueueBlockedEvent(
  job: WireBatchJob,
  account: string,
  region: string,
  timeMs: number,
): EventBridgeEvent {
  return eventBridgeEvent({
    source: 'aws.batch',
    detailType: 'Batch Job Queue Blocked',
    account,
    region,
    timeMs,
    resources: [job.jobArn, job.jobQueue],
    detail: structuredClone(job),
  });
}
