/**
 * Why an AWS Batch job waits (`Job.waiting`, docs/queues.md): AWS's "why is my job stuck in
 * RUNNABLE" checklist walked in its order over what jobgraph read — the job, its queue and the
 * queue's compute environments (DescribeJobQueues, DescribeComputeEnvironments), the queue's
 * front (GetJobQueueSnapshot) and the queue's wait p90 from the history. Each reason carries a
 * sentence and the provider fields it was read from; a check whose facts are missing says nothing.
 */
import type {
  ComputeEnvironmentInfo,
  FrontJob,
  JobQueueInfo,
  WaitingJob,
} from '../datasources/shared/queues.ts';
import { FARGATE_LARGEST, sizesAllowed, type InstanceSize } from './instanceTypes.ts';

type WaitReasonCode =
  | 'COMPUTE_ENVIRONMENT_INVALID'
  | 'COMPUTE_ENVIRONMENT_DISABLED'
  | 'QUEUE_DISABLED'
  | 'QUEUE_BLOCKED'
  | 'NO_INSTANCE_TYPE_FITS'
  | 'MAX_VCPUS_REACHED'
  | 'SHARE_LIMIT'
  | 'DEPENDENCY'
  | 'BEHIND_OTHERS'
  | 'WAITING_NORMALLY';

interface WaitReason {
  code: WaitReasonCode;
  message: string;
  evidence: string[];
}

export interface WaitFacts {
  job: WaitingJob;
  queue: JobQueueInfo | null;
  /** The queue's environments, in its order (those DescribeComputeEnvironments answered). */
  environments: ComputeEnvironmentInfo[];
  /** The queue's front, null when no snapshot was read. */
  front: FrontJob[] | null;
  /** Capacity in use by the job's share, and the share's count of the front, when the snapshot has it. */
  shareHeld: boolean;
  /** The queue's p90 wait in seconds over the window (history), null without enough samples. */
  p90Seconds: number | null;
  now: number;
}

export interface JobWaitingValue {
  position: number | null;
  since: string | null;
  estimatedStart: string | null;
  reasons: WaitReason[];
}

/** The statusReason prefixes AWS Batch gives a job that blocks its queue's head (the Queue Blocked event's). */
const BLOCKING_PREFIXES = ['MISCONFIGURATION:', 'CAPACITY:'];

/** Whether `statusReason` is one AWS Batch gives a job that blocks its queue. */
export const blocksQueue = (statusReason: string | null | undefined): statusReason is string =>
  !!statusReason && BLOCKING_PREFIXES.some((p) => statusReason.startsWith(p));

const envLine = (e: ComputeEnvironmentInfo) =>
  `computeEnvironment ${e.name}: state ${e.state ?? '?'}, status ${e.status ?? '?'}${e.statusReason ? ` (${e.statusReason})` : ''}`;

/** The largest of what the environments allow, each dimension apart (null: one is not judged). */
function largest(envs: readonly ComputeEnvironmentInfo[]): InstanceSize[] | null {
  const all: InstanceSize[] = [];
  for (const e of envs) {
    if (e.type === 'FARGATE' || e.type === 'FARGATE_SPOT') all.push(FARGATE_LARGEST);
    else {
      const sizes = sizesAllowed(e.instanceTypes);
      if (!sizes || sizes.length === 0) return null;
      all.push(...sizes);
    }
  }
  return all.length > 0 ? all : null;
}

function fits(job: WaitingJob, envs: readonly ComputeEnvironmentInfo[]): WaitReason | null {
  if (job.vcpus === null && job.memoryMiB === null && job.gpus === 0) return null;
  const sizes = largest(envs);
  if (!sizes) return null;
  const holds = (s: InstanceSize) =>
    (job.vcpus ?? 0) <= s.vcpus && (job.memoryMiB ?? 0) <= s.memoryMiB && job.gpus <= s.gpus;
  if (sizes.some(holds)) return null;
  const max = (pick: (s: InstanceSize) => number) =>
    sizes.reduce((best, s) => (pick(s) > pick(best) ? s : best));
  const [cpu, mem, gpu] = [max((s) => s.vcpus), max((s) => s.memoryMiB), max((s) => s.gpus)];
  const asks = [
    job.vcpus !== null ? `${job.vcpus} vCPUs` : null,
    job.memoryMiB !== null ? `${job.memoryMiB} MiB` : null,
    job.gpus > 0 ? `${job.gpus} GPUs` : null,
  ].filter((s) => s !== null);
  return {
    code: 'NO_INSTANCE_TYPE_FITS',
    message: `No instance type its compute environments allow holds the job: it asks ${asks.join(', ')}; the largest allowed have ${cpu.vcpus} vCPUs (${cpu.type}), ${mem.memoryMiB} MiB (${mem.type}), ${gpu.gpus} GPUs (${gpu.type}).`,
    evidence: [
      `job resourceRequirements: ${asks.join(', ')}`,
      ...envs.map(
        (e) =>
          `computeEnvironment ${e.name}: instanceTypes ${e.instanceTypes.join(', ') || e.type}`,
      ),
    ],
  };
}

/** The environments' and the queue's own state (the checklist's first three). */
function environmentReasons(facts: WaitFacts): WaitReason[] {
  const { queue, environments: envs } = facts;
  const out: WaitReason[] = [];
  const invalid = envs.filter((e) => e.status === 'INVALID');
  if (invalid.length > 0)
    out.push({
      code: 'COMPUTE_ENVIRONMENT_INVALID',
      message: `${invalid.length} of the queue's ${envs.length} compute environments ${invalid.length === 1 ? 'is' : 'are'} INVALID: ${invalid.map((e) => `${e.name} (${e.statusReason ?? 'no reason given'})`).join('; ')}.`,
      evidence: invalid.map(envLine),
    });
  const disabled = envs.filter((e) => e.state === 'DISABLED');
  if (disabled.length > 0)
    out.push({
      code: 'COMPUTE_ENVIRONMENT_DISABLED',
      message: `${disabled.length} of the queue's ${envs.length} compute environments ${disabled.length === 1 ? 'is' : 'are'} DISABLED: ${disabled.map((e) => e.name).join(', ')}.`,
      evidence: disabled.map(envLine),
    });
  if (queue?.state === 'DISABLED')
    out.push({
      code: 'QUEUE_DISABLED',
      message: `The job queue ${queue.name} is DISABLED: it takes no job to run until it is enabled.`,
      evidence: [`jobQueue ${queue.name}: state DISABLED, status ${queue.status ?? '?'}`],
    });
  return out;
}

/** The job's position in the front (1 the first), or null past it. */
function positionOf(front: FrontJob[] | null, jobArn: string | null): number | null {
  if (!front || !jobArn) return null;
  const i = front.findIndex((j) => j.jobArn === jobArn);
  return i < 0 ? null : i + 1;
}

/** Why the job of `facts` waits, in the checklist's order; WAITING_NORMALLY when nothing is wrong and the wait is under the p90. */
export function diagnose(facts: WaitFacts): JobWaitingValue {
  const { job } = facts;
  const reasons = environmentReasons(facts);
  if (blocksQueue(job.statusReason))
    reasons.push({
      code: 'QUEUE_BLOCKED',
      message: `AWS Batch says the job blocks its queue: ${job.statusReason}.`,
      evidence: [`statusReason: ${job.statusReason}`],
    });
  const usable = facts.environments.filter((e) => e.status !== 'INVALID' && e.state !== 'DISABLED');
  const tooLarge = fits(job, usable.length > 0 ? usable : facts.environments);
  if (tooLarge) reasons.push(tooLarge);
  const full = usable.filter(
    (e) => e.maxvCpus !== null && e.desiredvCpus !== null && e.desiredvCpus >= e.maxvCpus,
  );
  if (usable.length > 0 && full.length === usable.length)
    reasons.push({
      code: 'MAX_VCPUS_REACHED',
      message: `Every usable compute environment of the queue is at its maxvCpus: ${full.map((e) => `${e.name} ${e.desiredvCpus}/${e.maxvCpus}`).join(', ')}.`,
      evidence: full.map(
        (e) =>
          `computeEnvironment ${e.name}: desiredvCpus ${e.desiredvCpus}, maxvCpus ${e.maxvCpus}`,
      ),
    });
  if (facts.shareHeld && job.shareIdentifier)
    reasons.push({
      code: 'SHARE_LIMIT',
      message: `Its share ${job.shareIdentifier} holds its part of the queue's capacity: fair-share scheduling runs other shares first.`,
      evidence: [`shareIdentifier: ${job.shareIdentifier}`, 'GetJobQueueSnapshot queueUtilization'],
    });
  if (job.dependsOn.length > 0 && job.status === 'PENDING')
    reasons.push({
      code: 'DEPENDENCY',
      message: `It waits for ${job.dependsOn.length} job${job.dependsOn.length === 1 ? '' : 's'} it depends on.`,
      evidence: job.dependsOn.map((id) => `dependsOn: ${id}`),
    });
  const position = positionOf(facts.front, job.jobArn);
  if (position !== null && position > 1)
    reasons.push({
      code: 'BEHIND_OTHERS',
      message: `${position - 1} job${position === 2 ? '' : 's'} of the queue ${position === 2 ? 'is' : 'are'} ahead of it.`,
      evidence: [`GetJobQueueSnapshot frontOfQueue: position ${position}`],
    });
  const waited = job.since ? (facts.now - Date.parse(job.since)) / 1000 : null;
  const onlyBehind = reasons.every((r) => r.code === 'BEHIND_OTHERS');
  if (onlyBehind && waited !== null && facts.p90Seconds !== null && waited < facts.p90Seconds)
    reasons.push({
      code: 'WAITING_NORMALLY',
      message: `Nothing is wrong: it has waited ${Math.round(waited)} s, under the queue's p90 of ${Math.round(facts.p90Seconds)} s.`,
      evidence: [`createdAt: ${job.since}`, `queue wait p90: ${Math.round(facts.p90Seconds)} s`],
    });
  return { position, since: job.since, estimatedStart: null, reasons };
}
