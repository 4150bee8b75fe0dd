import type { WireBatchJob } from './data.ts';

/**
 * AWS Batch's GetJobQueueSnapshot answer for one queue, from its jobs as they stand now
 * (@aws-sdk/client-batch's `GetJobQueueSnapshotResponse`):
 *
 * - `frontOfQueue`: the first 100 RUNNABLE jobs in the order Batch would place them. A queue
 *   without a scheduling policy is first-in-first-out: by submission time (`createdAt`), then job
 *   ID on a tie (array children share their parent's time); a fair-share one: fairShareFront. In a
 *   first-in-first-out queue each job's
 *   `earliestTimeAtPosition` is when it reached the place it holds: the latest of the time it
 *   became RUNNABLE and the last change ahead of it (a job ahead that left RUNNABLE, at its
 *   `startedAt` or else `stoppedAt`; a job ahead that became RUNNABLE after it, at that time).
 *   `lastUpdatedAt`: the answer's time.
 * - `queueUtilization`: `totalCapacityUsage` in `VCPU` (the vCPUs of the queue's STARTING and
 *   RUNNING jobs, as their containers ask), for a fair-share queue `fairshareUtilization` (the
 *   shares holding vCPUs, most first), and `lastUpdatedAt`. `quotaShareUtilization` and
 *   `frontOfQuotaShares` are for a quota-share policy, which Batch gives service-job queues
 *   (SageMaker Training, quota shares of DescribeServiceJob): no queue described here has one.
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

type FrontJob = { jobArn: string; earliestTimeAtPosition: number };

/** A first-in-first-out queue's front: each job since the last change ahead of it. */
function fifoFront(
  jobs: readonly WireBatchJob[],
  enteredAt: (job: WireBatchJob) => number,
  nowMs: number,
): FrontJob[] {
  const front: FrontJob[] = [];
  /** The latest change ahead of the job being placed: a departure or a late arrival. */
  let lastChangeAhead = Number.NEGATIVE_INFINITY;
  for (const job of [...jobs].sort(fifo)) {
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
  return front;
}

/** vCPUs held by share identifier (a job without one counts under `""`). */
function usageByShare(jobs: readonly WireBatchJob[]): Map<string, number> {
  const usage = new Map<string, number>();
  for (const job of jobs)
    if (HOLDING.has(job.status)) {
      const share = typeof job.shareIdentifier === 'string' ? job.shareIdentifier : '';
      usage.set(share, (usage.get(share) ?? 0) + vcpusOf(job));
    }
  return usage;
}

/**
 * A fair-share queue's front: the next job always from the share using the fewest vCPUs (its
 * held ones plus the ones of its jobs placed ahead; a tie to the share whose next job is older),
 * within a share by `schedulingPriority` (higher first), then submission time. Every share weighs
 * the same (the policy's weights are not emulated). Any start, stop or arrival in the queue
 * re-ranks it, so each job holds its place since the latest of those.
 */
function fairShareFront(
  jobs: readonly WireBatchJob[],
  enteredAt: (job: WireBatchJob) => number,
  nowMs: number,
): FrontJob[] {
  const usage = usageByShare(jobs);
  const waiting = new Map<string, WireBatchJob[]>();
  let lastChange = Number.NEGATIVE_INFINITY;
  const changed = (t: unknown) => {
    if (typeof t === 'number' && t <= nowMs) lastChange = Math.max(lastChange, t);
  };
  for (const job of jobs) {
    if (job.status !== 'RUNNABLE') {
      changed(job.startedAt);
      changed(job.stoppedAt);
      continue;
    }
    changed(Math.min(enteredAt(job), nowMs));
    const share = typeof job.shareIdentifier === 'string' ? job.shareIdentifier : '';
    waiting.set(share, [...(waiting.get(share) ?? []), job]);
  }
  const priority = (job: WireBatchJob) =>
    typeof job.schedulingPriority === 'number' ? job.schedulingPriority : 0;
  for (const queue of waiting.values())
    queue.sort((a, b) => priority(b) - priority(a) || fifo(a, b));
  const front: FrontJob[] = [];
  while (front.length < FRONT_MAX_JOBS && waiting.size > 0) {
    const [share, queue] = [...waiting].reduce((best, next) => {
      const d = (usage.get(next[0]) ?? 0) - (usage.get(best[0]) ?? 0);
      return d < 0 || (d === 0 && fifo(next[1][0]!, best[1][0]!) < 0) ? next : best;
    });
    const job = queue.shift()!;
    if (queue.length === 0) waiting.delete(share);
    usage.set(share, (usage.get(share) ?? 0) + vcpusOf(job));
    front.push({
      jobArn: job.jobArn,
      earliestTimeAtPosition: Math.max(enteredAt(job), lastChange),
    });
  }
  return front;
}

/** The top 20 shares by vCPUs held, as `fairshareUtilization` lists them. */
function fairshareUtilization(jobs: readonly WireBatchJob[]): Wire {
  const held = [...usageByShare(jobs)].filter(([, vcpus]) => vcpus > 0);
  held.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return {
    activeShareCount: held.length,
    topCapacityUtilization: held.slice(0, 20).map(([shareIdentifier, quantity]) => ({
      shareIdentifier,
      capacityUsage: [{ capacityUnit: 'VCPU', quantity }],
    })),
  };
}

/**
 * The snapshot of a queue whose jobs (every status) are `jobs`, with a fair-share policy or not;
 * `enteredAt` says when a RUNNABLE job became RUNNABLE (ms), `nowMs` is the answer's time.
 */
export function queueSnapshot(
  jobs: readonly WireBatchJob[],
  fairShare: boolean,
  enteredAt: (job: WireBatchJob) => number,
  nowMs: number,
): Wire {
  const front = (fairShare ? fairShareFront : fifoFront)(jobs, enteredAt, nowMs);
  const vcpus = jobs
    .filter((job) => HOLDING.has(job.status))
    .reduce((sum, job) => sum + vcpusOf(job), 0);
  return {
    frontOfQueue: { jobs: front, lastUpdatedAt: nowMs },
    queueUtilization: {
      totalCapacityUsage: [{ capacityUnit: 'VCPU', quantity: vcpus }],
      ...(fairShare ? { fairshareUtilization: fairshareUtilization(jobs) } : {}),
      lastUpdatedAt: nowMs,
    },
  };
}
