import { BATCH_DEMO_ACCOUNT_ID, BATCH_DEMO_REGION } from './data.ts';
import { SERVICE_JOB_QUEUE } from './queueData.ts';

/**
 * AWS Batch service jobs (SageMaker Training through Batch queues, 2025-07-30), as
 * DescribeServiceJob answers them (@aws-sdk/client-batch's DescribeServiceJobResponse, field for
 * field). The demo has one that goes SUBMITTED → SCHEDULED → RUNNING → SUCCEEDED as time passes
 * from the emulator's anchor, and one FAILED.
 */
export type ServiceJobStatus =
  | 'SUBMITTED'
  | 'PENDING'
  | 'RUNNABLE'
  | 'SCHEDULED'
  | 'STARTING'
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED';

export const SERVICE_JOB_STATUSES: readonly ServiceJobStatus[] = [
  'SUBMITTED',
  'PENDING',
  'RUNNABLE',
  'SCHEDULED',
  'STARTING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
];

interface WireServiceResourceId {
  name: 'TrainingJobArn';
  value: string;
}
interface WireServiceJobAttempt {
  serviceResourceId?: WireServiceResourceId;
  startedAt?: number;
  stoppedAt?: number;
  statusReason?: string;
}

/** DescribeServiceJob's answer. */
export interface WireServiceJob {
  jobArn: string;
  jobId: string;
  jobName: string;
  jobQueue: string;
  serviceJobType: 'SAGEMAKER_TRAINING';
  status: ServiceJobStatus;
  statusReason?: string;
  createdAt: number;
  scheduledAt?: number;
  startedAt?: number;
  stoppedAt?: number;
  isTerminated?: boolean;
  attempts?: WireServiceJobAttempt[];
  latestAttempt?: { serviceResourceId?: WireServiceResourceId };
  capacityUsage?: { capacityUnit: string; quantity: number }[];
  retryStrategy?: {
    attempts: number;
    evaluateOnExit?: { action: 'RETRY' | 'EXIT'; onStatusReason: string }[];
  };
  schedulingPriority?: number;
  shareIdentifier?: string;
  quotaShareName?: string;
  preemptionConfiguration?: { preemptionRetriesBeforeTermination: number };
  preemptionSummary?: {
    preemptedAttemptCount: number;
    recentPreemptedAttempts?: WireServiceJobAttempt[];
  };
  serviceRequestPayload: string;
  tags?: Record<string, string>;
  timeoutConfig?: { attemptDurationSeconds: number };
}

/** The demo's service-job queue (queueData.ts `SERVICE_JOB_QUEUE`, which DescribeJobQueues answers). */
export const SERVICE_JOB_QUEUE_NAME = SERVICE_JOB_QUEUE.jobQueueName;
export const SERVICE_JOB_QUEUE_ARN = SERVICE_JOB_QUEUE.jobQueueArn;

export const SERVICE_JOB_IDS = {
  progressing: 'b7c1e2d4-5f60-4a1b-9c2d-3e4f5a6b7c01',
  failed: 'b7c1e2d4-5f60-4a1b-9c2d-3e4f5a6b7c02',
} as const;

/** How long the progressing job stays in each state before the next, from the anchor. */
export const SERVICE_JOB_STEP_MS = 60_000;

const MINUTE = 60_000;
const jobArn = (accountId: string, jobId: string) =>
  `arn:aws:batch:${BATCH_DEMO_REGION}:${accountId}:service-job/${jobId}`;
const trainingArn = (accountId: string, name: string) =>
  `arn:aws:sagemaker:${BATCH_DEMO_REGION}:${accountId}:training-job/${name}`;

/** A training request as SageMaker's CreateTrainingJob takes it, with a secret in its environment. */
function demoTrainingPayload(name: string): string {
  return JSON.stringify({
    TrainingJobName: name,
    AlgorithmSpecification: {
      TrainingImage: `${BATCH_DEMO_ACCOUNT_ID}.dkr.ecr.${BATCH_DEMO_REGION}.amazonaws.com/llm-finetune:3.1`,
      TrainingInputMode: 'File',
    },
    RoleArn: `arn:aws:iam::${BATCH_DEMO_ACCOUNT_ID}:role/SageMakerTrainingRole`,
    Environment: { WANDB_API_KEY: 'demo-wandb-key-not-a-secret' },
    ResourceConfig: { InstanceType: 'ml.g5.2xlarge', InstanceCount: 1, VolumeSizeInGB: 100 },
    StoppingCondition: { MaxRuntimeInSeconds: 86_400 },
  });
}

/** The state the progressing demo job is in at `nowMs`, `anchorMs` being when it was submitted. */
function progressingStatus(anchorMs: number, nowMs: number): ServiceJobStatus {
  const step = Math.floor((nowMs - anchorMs) / SERVICE_JOB_STEP_MS);
  if (step <= 0) return 'SUBMITTED';
  if (step === 1) return 'SCHEDULED';
  if (step === 2) return 'RUNNING';
  return 'SUCCEEDED';
}

/** The progressing demo job as it stands at `nowMs`. */
export function progressingServiceJob(
  accountId: string,
  anchorMs: number,
  nowMs: number,
): WireServiceJob {
  const id = SERVICE_JOB_IDS.progressing;
  const name = 'llm-finetune-nightly';
  const status = progressingStatus(anchorMs, nowMs);
  const at = (n: number) => anchorMs + n * SERVICE_JOB_STEP_MS;
  const reached = SERVICE_JOB_STATUSES.indexOf(status);
  const scheduled = reached >= SERVICE_JOB_STATUSES.indexOf('SCHEDULED');
  const running = reached >= SERVICE_JOB_STATUSES.indexOf('RUNNING');
  const resource: WireServiceResourceId = {
    name: 'TrainingJobArn',
    value: trainingArn(accountId, `${name}-1`),
  };
  const attempt: WireServiceJobAttempt = {
    serviceResourceId: resource,
    startedAt: at(2),
    ...(status === 'SUCCEEDED'
      ? { stoppedAt: at(3), statusReason: 'Essential container in task exited' }
      : {}),
  };
  return {
    jobArn: jobArn(accountId, id),
    jobId: id,
    jobName: name,
    jobQueue: SERVICE_JOB_QUEUE_ARN.replace(BATCH_DEMO_ACCOUNT_ID, accountId),
    serviceJobType: 'SAGEMAKER_TRAINING',
    status,
    createdAt: anchorMs,
    ...(scheduled ? { scheduledAt: at(1) } : {}),
    ...(running
      ? { startedAt: at(2), attempts: [attempt], latestAttempt: { serviceResourceId: resource } }
      : {}),
    ...(status === 'SUCCEEDED' ? { stoppedAt: at(3), isTerminated: false } : {}),
    capacityUsage: [{ capacityUnit: 'ml.g5.2xlarge', quantity: 1 }],
    retryStrategy: {
      attempts: 2,
      evaluateOnExit: [{ action: 'RETRY', onStatusReason: 'Capacity*' }],
    },
    schedulingPriority: 50,
    shareIdentifier: 'research',
    quotaShareName: 'research-gpu',
    preemptionConfiguration: { preemptionRetriesBeforeTermination: 2 },
    preemptionSummary: { preemptedAttemptCount: 0 },
    serviceRequestPayload: demoTrainingPayload(name),
    tags: { team: 'ml-platform', pipeline: 'nightly' },
    timeoutConfig: { attemptDurationSeconds: 86_400 },
  };
}

/** The FAILED demo job: preempted once, then its training job ran out of memory. */
export function failedServiceJob(accountId: string, anchorMs: number): WireServiceJob {
  const id = SERVICE_JOB_IDS.failed;
  const name = 'vision-pretrain-sweep-7';
  const created = anchorMs - 90 * MINUTE;
  const first: WireServiceJobAttempt = {
    serviceResourceId: { name: 'TrainingJobArn', value: trainingArn(accountId, `${name}-1`) },
    startedAt: created + 10 * MINUTE,
    stoppedAt: created + 30 * MINUTE,
    statusReason: 'Preempted by a job of a higher-priority share',
  };
  const second: WireServiceJobAttempt = {
    serviceResourceId: { name: 'TrainingJobArn', value: trainingArn(accountId, `${name}-2`) },
    startedAt: created + 40 * MINUTE,
    stoppedAt: created + 60 * MINUTE,
    statusReason: 'AlgorithmError: CUDA out of memory. Tried to allocate 2.00 GiB',
  };
  return {
    jobArn: jobArn(accountId, id),
    jobId: id,
    jobName: name,
    jobQueue: SERVICE_JOB_QUEUE_ARN.replace(BATCH_DEMO_ACCOUNT_ID, accountId),
    serviceJobType: 'SAGEMAKER_TRAINING',
    status: 'FAILED',
    statusReason: second.statusReason!,
    createdAt: created,
    scheduledAt: created + 5 * MINUTE,
    startedAt: first.startedAt!,
    stoppedAt: second.stoppedAt!,
    isTerminated: false,
    attempts: [first, second],
    latestAttempt: { serviceResourceId: second.serviceResourceId! },
    capacityUsage: [{ capacityUnit: 'ml.p4d.24xlarge', quantity: 2 }],
    retryStrategy: { attempts: 1 },
    schedulingPriority: 10,
    shareIdentifier: 'vision',
    quotaShareName: 'vision-gpu',
    preemptionConfiguration: { preemptionRetriesBeforeTermination: 1 },
    preemptionSummary: { preemptedAttemptCount: 1, recentPreemptedAttempts: [first] },
    serviceRequestPayload: demoTrainingPayload(name),
    tags: { team: 'vision' },
    timeoutConfig: { attemptDurationSeconds: 43_200 },
  };
}
