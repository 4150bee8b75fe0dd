/**
 * AWS Batch's demo job queues: the default account's four container queues in the demo region
 * and its service-job queue (the second account's: secondAccount.ts), as DescribeJobQueues answers
 * them (queues.ts).
 */

/** A JobQueueDetail on the wire. */
export interface WireJobQueue {
  jobQueueName: string;
  jobQueueArn: string;
  state: 'ENABLED' | 'DISABLED';
  /** A fair-share scheduling policy's (absent: first in, first out). */
  schedulingPolicyArn?: string;
  status: string;
  statusReason?: string;
  priority: number;
  computeEnvironmentOrder: { order: number; computeEnvironment: string }[];
  /** What Batch does to a job at the head of the queue too long in a state (none: `[]`). */
  jobStateTimeLimitActions: {
    reason: string;
    state: 'RUNNABLE';
    maxTimeSeconds: number;
    action: 'CANCEL';
  }[];
  /** A SAGEMAKER_TRAINING queue's service environments (its computeEnvironmentOrder is `[]`). */
  serviceEnvironmentOrder?: { order: number; serviceEnvironment: string }[];
  jobQueueType?: string;
  tags?: Record<string, string>;
  /** ms; not on the wire (JobQueueDetail has no time): the demo's queue order. */
  createdMs: number;
}

export const BATCH_DEMO_REGION = 'us-east-1';
export const BATCH_DEMO_ACCOUNT_ID = '123456789012';

/** A queue of `account` in `region`. */
export function batchQueue(
  account: string,
  region: string,
  name: string,
  priority: number,
  createdMs: number,
  computeEnvironment: string,
): WireJobQueue {
  return {
    jobQueueName: name,
    jobQueueArn: `arn:aws:batch:${region}:${account}:job-queue/${name}`,
    state: 'ENABLED',
    status: 'VALID',
    statusReason: 'JobQueue Healthy',
    priority,
    computeEnvironmentOrder: [
      {
        order: 1,
        computeEnvironment: `arn:aws:batch:${region}:${account}:compute-environment/${computeEnvironment}`,
      },
    ],
    jobStateTimeLimitActions: [],
    jobQueueType: 'ECS',
    tags: {},
    createdMs,
  };
}

/**
 * A queue whose one environment (analytics-ondemand, computeEnvironments.ts) runs at its
 * maxvCpus: its RUNNABLE job fits an instance type and waits for capacity (MAX_VCPUS_REACHED).
 */
export const CAPPED_QUEUE = batchQueue(
  BATCH_DEMO_ACCOUNT_ID,
  BATCH_DEMO_REGION,
  'analytics-reports',
  5,
  Date.parse('2024-05-05T09:00:00Z'),
  'analytics-ondemand',
);

/** The demo region's queues, oldest first. */
export const BATCH_QUEUES: readonly WireJobQueue[] = [
  batchQueue(
    BATCH_DEMO_ACCOUNT_ID,
    BATCH_DEMO_REGION,
    'genomics-high-priority',
    100,
    Date.parse('2024-05-02T09:00:00Z'),
    'genomics-ondemand',
  ),
  batchQueue(
    BATCH_DEMO_ACCOUNT_ID,
    BATCH_DEMO_REGION,
    'nightly-etl',
    10,
    Date.parse('2024-05-03T09:00:00Z'),
    'etl-fargate',
  ),
  {
    ...batchQueue(
      BATCH_DEMO_ACCOUNT_ID,
      BATCH_DEMO_REGION,
      'ml-training-spot',
      1,
      Date.parse('2024-05-04T09:00:00Z'),
      'gpu-spot',
    ),
    // A job its environments cannot place, cancelled after 4 hours at the head of the queue.
    jobStateTimeLimitActions: [
      {
        reason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT',
        state: 'RUNNABLE',
        maxTimeSeconds: 14_400,
        action: 'CANCEL',
      },
    ],
  },
  CAPPED_QUEUE,
];

export const [HIGH_PRIORITY_QUEUE, ETL_QUEUE, SPOT_QUEUE] = BATCH_QUEUES as [
  WireJobQueue,
  WireJobQueue,
  WireJobQueue,
];

/**
 * The demo region's service-job queue (`jobQueueType` SAGEMAKER_TRAINING, 2025-07-30): the queue
 * the demo's service jobs name (serviceJobData.ts). Such a queue orders service environments, not
 * compute environments: its `computeEnvironmentOrder` is empty.
 */
export const SERVICE_JOB_QUEUE: WireJobQueue = {
  ...batchQueue(
    BATCH_DEMO_ACCOUNT_ID,
    BATCH_DEMO_REGION,
    'sagemaker-training',
    1,
    Date.parse('2025-08-01T09:00:00Z'),
    'unused',
  ),
  computeEnvironmentOrder: [],
  serviceEnvironmentOrder: [
    {
      order: 1,
      serviceEnvironment: `arn:aws:batch:${BATCH_DEMO_REGION}:${BATCH_DEMO_ACCOUNT_ID}:service-environment/sagemaker-training-env`,
    },
  ],
  jobQueueType: 'SAGEMAKER_TRAINING',
};

/** What DescribeJobQueues answers in the demo region: the container queues, then the service-job queue. */
export const DEMO_JOB_QUEUES: readonly WireJobQueue[] = [...BATCH_QUEUES, SERVICE_JOB_QUEUE];
