import { BATCH_JOB_IDS, SPOT_QUEUE } from '@jobgraph/emulators/batch/data';

/** The Queue Blocked event's reason: the Spot queue has no capacity for the job. */
export const CAPACITY =
  'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - There is no Spot capacity available that meets the job requirements.';
/** The blocked job: the demo's RUNNABLE Batch job, at the head of the Spot queue. */
export const JOB = BATCH_JOB_IDS.runnable;
export const ID = `batch:us-east-1:${JOB}`;
export const QUEUE = `batchqueue:us-east-1:${SPOT_QUEUE.jobQueueName}`;
/** A queue's block and its front's head. */
export const BLOCKED = `query($id: ID!) { jobQueue(id: $id) {
  blocked { since reason job { id } } front(first: 1) { earliestTimeAtPosition job { id } } } }`;

/** The answer to `BLOCKED`. */
export interface Blocked {
  jobQueue: {
    blocked: { since: string | null; reason: string; job: { id: string } | null } | null;
    front: { earliestTimeAtPosition: string | null; job: { id: string } | null }[];
  };
}
