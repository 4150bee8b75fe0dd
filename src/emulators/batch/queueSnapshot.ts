import type { WireBatchJob } from './data.ts';

/**
 * AWS Batch's GetJobQueueSnapshot answer for one queue, from its jobs as they stand now
 * (@aws-sdk/client-batch's `GetJobQueueSnapshotResponse`):
 *
 * - `frontOfQueue`: the first 100 RUNNABLE jobs in the order Batch would place them. The demo's
 *   queues are first-in-first-out (no scheduling policy), so: by submission time (`createdAt`),
 *   then job ID on a tie (array children share their parent's time). Each job's
 *   `earliestTimeAtPosition` is when it reached the place it holds: the latest of the time it
 *   became RUNNABLE and the last change ahead of it (a job ahead that left RUNNABLE, at its
 *   `startedAt` or else `stoppedAt`; a job ahead that became RUNNABLE after it, at that time).
 *   `lastUpdatedAt`: the answer's time.
 * - `queueUtilization`: `totalCapacityUsage` in `VCPU` (the vCPUs of the queue's STARTING and
 *   RUNNING jobs, as their containers ask), and `lastUpdatedAt`. `fairshareUtilization`,
 *   `quotaShareUtilization` and `frontOfQuotaShares` are for queues with a fair-share or
 *   quota-share policy: no demo queue has one, so they are absent, as for a FIFO queue.
 */

type Wire = Record<string, unknown>;

/** "The first 100 RUNNABLE jobs" (the API reference). */
export const FRONT_MAX_JOBS = 100;

/** Statuses that hold capacity: placed on an instance (STARTING) or running on it. */
const HOLDING = new Set(['STARTING', 'RUNNING']);

/** FIFO order: submission time, then job ID. */
const fifo = (a: WireBatchJob, b: WireBatchJob) =>
  a.createdAt !== b.createdAt
    ? a.createdAt - b.createdAt
    : a.jobId < b.jobId
      ? -1
      : a.jobId > b.jobId
        ? 1
        : 0;

/** When a job that is no longer RUNNABLE left the queue's front (undefined: not known or never there). */
function leftAt(job: WireBatchJob): number | undefined {
  if (job.status === 'RUNNABLE') return undefined;
  if (typeof job.startedAt === 'number') return job.startedAt;
  return typeof job.stoppedAt === 'number' ? job.stoppedAt : undefined;
}

type Requirements = { type?: unknown; value?: unknown }[] | undefined;

/** The VCPU entries of `resourceRequirements`, summed. */
const vcpuRequirement = (reqs: Requirements): number =>
  Array.isArray(reqs)
    ? reqs.reduce((sum, r) => sum + (r?.type === 'VCPU' ? Number(r.value) || 0 : 0), 0)
    : 0;

/** A job's vCPUs as its container (or ECS task's containers, or EKS pod's) asks them; 0 if none. */
function vcpusOf(job: WireBatchJob): number {
  const container = job.container as
    { resourceRequirements?: Requirements; vcpus?: unknown } | undefined;
  if (container)
    return vcpuRequirement(container.resourceRequirements) || Number(container.vcpus) || 0;
  const ecs = job.ecsProperties as
    { taskProperties?: { containers?: { resourceRequirements?: Requirements }[] }[] } | undefined;
  if (ecs?.taskProperties)
    return ecs.taskProperties
      .flatMap((task) => task.containers ?? [])
      .reduce((sum, c) => sum + vcpuRequirement(c.resourceRequirements), 0);
  const eks = job.eksProperties as
    | { podProperties?: { containers?: { resources?: { requests?: { cpu?: unknown } } }[] } }
    | undefined;
  return (eks?.podProperties?.containers ?? []).reduce(
    (sum, c) => sum + (Number(c.resources?.requests?.cpu) || 0),
    0,
  );
}

/**
 * The snapshot of a queue whose jobs (every status) are `jobs`; `enteredAt` says when a RUNNABLE
 * job became RUNNABLE (ms), `nowMs` is the answer's time.
 */
export function queueSnapshot(
  jobs: readonly WireBatchJob[],
  enteredAt: (job: WireBatchJob) => number,
  nowMs: number,
): Wire {
  const ordered = [...jobs].sort(fifo);
  const front: { jobArn: string; earliestTimeAtPosition: number }[] = [];
  /** The latest change ahead of the job being placed: a departure or a late arrival. */
  let lastChangeAhead = Number.NEGATIVE_INFINITY;
  for (const job of ordered) {
    if (front.length >= FRONT_MAX_JOBS) break;
    if (job.status === 'RUNNABLE') {
      const entered = Math.min(enteredAt(job), nowMs);
      front.push({
        jobArn: job.jobArn,
        earliestTimeAtPosition: Math.max(entered, lastChangeAhead),
      });
      lastChangeAhead = Math.max(lastChangeAhead, entered);
      continue;
    }
    const left = leftAt(job);
    if (left !== undefined && left <= nowMs) lastChangeAhead = Math.max(lastChangeAhead, left);
  }
  const vcpus = jobs
    .filter((job) => HOLDING.has(job.status))
    .reduce((sum, job) => sum + vcpusOf(job), 0);
  return {
    frontOfQueue: { jobs: front, lastUpdatedAt: nowMs },
    queueUtilization: {
      totalCapacityUsage: [{ capacityUnit: 'VCPU', quantity: vcpus }],
      lastUpdatedAt: nowMs,
    },
  };
}
