import { uuidFor } from '../listing.ts';
import { BATCH_ERROR_CASE_IDS, failureCauseSpecs } from './failedData.ts';
import { cappedSpec, queuedSpecs } from './queuedData.ts';
import {
  BATCH_DEMO_ACCOUNT_ID,
  BATCH_DEMO_REGION,
  CAPPED_QUEUE,
  ETL_QUEUE,
  HIGH_PRIORITY_QUEUE,
  SPOT_QUEUE,
  type WireJobQueue,
} from './queueData.ts';

export { BATCH_ERROR_CASE_IDS } from './failedData.ts';
export {
  BATCH_DEMO_ACCOUNT_ID,
  BATCH_DEMO_REGION,
  BATCH_QUEUES,
  CAPPED_QUEUE,
  ETL_QUEUE,
  HIGH_PRIORITY_QUEUE,
  SPOT_QUEUE,
  batchQueue,
  type WireJobQueue,
} from './queueData.ts';

/**
 * AWS Batch demo data: four job queues of the demo region (queueData.ts), and jobs in every status of
 * `JobStatus` (botocore batch/2016-08-10 service-2.json), created over the days before the
 * emulator started (`anchorMs`), so DescribeJobs and ListJobs answer the same jobs with the same
 * status and times. Times are epoch milliseconds, as the service sends them; `startedAt` and
 * `stoppedAt` are absent until they happen. Shapes: `JobDetail` and everything under it, as the
 * model names them. Besides the jobs of each status: a cancelled and a terminated job (FAILED,
 * `isCancelled`/`isTerminated`), failed jobs of each kind of cause (a non-zero exit, an
 * out-of-memory kill, a spot reclaim without an exit code, an image not pulled), an array job of five children (`parent:index`), a multi-node
 * parallel job of three nodes (`parent#index`), an ECS-properties job and an EKS-properties job.
 */

/** A JobDetail on the wire: the fields every job has, and the rest of the model's as set. */
export interface WireBatchJob {
  jobArn: string;
  jobName: string;
  jobId: string;
  jobQueue: string;
  status: string;
  createdAt: number;
  jobDefinition: string;
  [field: string]: unknown;
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

const id = (label: string) => uuidFor(`batch-demo/${label}`);

/** The demo jobs' IDs by what they show. */
export const BATCH_JOB_IDS = Object.freeze({
  succeeded: id('succeeded'),
  failed: id('failed'),
  cancelled: id('cancelled'),
  terminated: id('terminated'),
  /** Killed for memory: exit 137, its attempt's container reason `OutOfMemoryError: …`. */
  outOfMemory: id('out-of-memory'),
  /** Its spot instance reclaimed: the attempt's reason `Host EC2 (instance i-…) terminated.`, no exit code. */
  spotReclaimed: id('spot-reclaimed'),
  /** Its image not pulled: `CannotPullContainerError: …`, never started. */
  imagePull: id('image-pull'),
  running: id('running'),
  starting: id('starting'),
  runnable: id('runnable'),
  pending: id('pending'),
  submitted: id('submitted'),
  /** An array job of five children, running: its children `arrayParent:0` … `arrayParent:4`. */
  arrayParent: id('array-parent'),
  /** A multi-node parallel job of three nodes, running: its nodes `multiNode#0` … `multiNode#2`. */
  multiNode: id('multi-node'),
  /** A job run on ECS task properties (ecsProperties), succeeded. */
  ecs: id('ecs-properties'),
  /** A job run on Amazon EKS (eksProperties), succeeded. */
  eks: id('eks-properties'),
  /** RUNNABLE in the high-priority queue's front, behind the array job's RUNNABLE child (queuedData.ts). */
  queued: id('queued'),
  /** RUNNABLE, behind `queued`. */
  queuedNext: id('queued-next'),
  /** RUNNABLE, behind `queuedNext`: asks more vCPUs and memory than any instance type of its queue's environment has. */
  tooLarge: id('too-large'),
  /** RUNNABLE at the head of the capped queue, whose one environment is at its maxvCpus (queuedData.ts). */
  capped: id('capped'),
});

/** The secret-looking environment value of the demo's succeeded job (tests look for it in logs). */
export const BATCH_DEMO_SECRET_VALUE = 'batch-demo-db-password-5f2c9e';

const ARRAY_SIZE = 5;
const NODES = 3;

/** A job's definition name, as the demo names definitions: its name's first word. */
const definitionName = (jobName: string) => jobName.split('-')[0] ?? 'job';

const jobDefinition = (account: string, region: string, name: string, revision: number) =>
  `arn:aws:batch:${region}:${account}:job-definition/${name}:${revision}`;

/** What makes one job: its ID, name, queue, status and times relative to its creation. */
interface JobSpec {
  jobId: string;
  jobName: string;
  queue: WireJobQueue;
  status: string;
  createdMs: number;
  /** ms after creation; absent: not started. */
  startedAfter?: number;
  /** ms after creation; absent: not stopped. */
  stoppedAfter?: number;
  statusReason?: string;
  exitCode?: number;
  /**
   * The container's `reason` (ContainerDetail, and its attempt's AttemptContainerDetail) when
   * the platform gave one (`OutOfMemoryError: …`); absent: "Essential container in task exited"
   * on the job's container for a non-zero exit, none on its attempt.
   */
  containerReason?: string;
  /** The container's log driver (default `awslogs`); another driver writes no CloudWatch stream. */
  logDriver?: string;
  /** What the container asks (default 4 vCPUs, 8192 MiB). */
  resources?: { vcpus: number; memoryMiB: number };
  extra?: Record<string, unknown>;
}

/** A container's detail as a job of `spec` shows it (ContainerDetail). */
function containerOf(spec: JobSpec, account: string, region: string): Record<string, unknown> {
  const started = spec.startedAfter !== undefined;
  const stopped = spec.stoppedAfter !== undefined;
  const logDriver = spec.logDriver ?? 'awslogs';
  const taskId = uuidFor(`${spec.jobId}/task`).replace(/-/g, '');
  return {
    image: `${account}.dkr.ecr.${region}.amazonaws.com/${spec.jobName.split('-')[0]}:2.4.1`,
    command: ['python', '-m', 'pipeline.run', '--sample', 'Ref::sample'],
    jobRoleArn: `arn:aws:iam::${account}:role/BatchJobRole`,
    executionRoleArn: `arn:aws:iam::${account}:role/BatchExecutionRole`,
    volumes: [{ name: 'scratch', host: { sourcePath: '/scratch' } }],
    environment: [
      { name: 'PIPELINE_STAGE', value: 'align' },
      { name: 'DB_PASSWORD', value: BATCH_DEMO_SECRET_VALUE },
    ],
    mountPoints: [{ containerPath: '/scratch', readOnly: false, sourceVolume: 'scratch' }],
    readonlyRootFilesystem: false,
    ulimits: [{ hardLimit: 65536, name: 'nofile', softLimit: 65536 }],
    privileged: false,
    user: 'batch',
    ...(stopped && spec.exitCode !== undefined ? { exitCode: spec.exitCode } : {}),
    ...(spec.containerReason !== undefined
      ? { reason: spec.containerReason }
      : stopped && spec.exitCode !== undefined && spec.exitCode !== 0
        ? { reason: 'Essential container in task exited' }
        : {}),
    ...(started
      ? {
          containerInstanceArn: `arn:aws:ecs:${region}:${account}:container-instance/genomics-ondemand/${uuidFor(`${spec.jobId}/ci`).replace(/-/g, '')}`,
          taskArn: `arn:aws:ecs:${region}:${account}:task/genomics-ondemand/${taskId}`,
          // As the awslogs driver names a Batch job's stream: <definition name>/default/<task ID>.
          ...(logDriver === 'awslogs'
            ? { logStreamName: `${definitionName(spec.jobName)}/default/${taskId}` }
            : {}),
          networkInterfaces: [
            { attachmentId: uuidFor(`${spec.jobId}/eni`), privateIpv4Address: '10.0.12.34' },
          ],
          instanceType: 'c6i.2xlarge',
        }
      : {}),
    resourceRequirements: [
      { value: String(spec.resources?.vcpus ?? 4), type: 'VCPU' },
      { value: String(spec.resources?.memoryMiB ?? 8192), type: 'MEMORY' },
    ],
    linuxParameters: { initProcessEnabled: true, sharedMemorySize: 512 },
    logConfiguration:
      logDriver === 'awslogs'
        ? { logDriver, options: { 'awslogs-group': '/aws/batch/job' }, secretOptions: [] }
        : {
            logDriver,
            options: { 'splunk-url': 'https://splunk.example.com:8088' },
            secretOptions: [],
          },
    secrets: [
      {
        name: 'API_TOKEN',
        valueFrom: `arn:aws:secretsmanager:${region}:${account}:secret:pipeline/api-token-AbCdEf`,
      },
    ],
  };
}

/** A JobDetail of `spec` in `account`/`region`. */
export function batchJob(
  spec: JobSpec,
  account = BATCH_DEMO_ACCOUNT_ID,
  region = BATCH_DEMO_REGION,
): WireBatchJob {
  const started = spec.startedAfter === undefined ? undefined : spec.createdMs + spec.startedAfter;
  const stopped = spec.stoppedAfter === undefined ? undefined : spec.createdMs + spec.stoppedAfter;
  const container = containerOf(spec, account, region);
  const attempt =
    started !== undefined && stopped !== undefined
      ? [
          {
            container: {
              containerInstanceArn: container.containerInstanceArn,
              taskArn: container.taskArn,
              ...(spec.exitCode !== undefined ? { exitCode: spec.exitCode } : {}),
              ...(spec.containerReason !== undefined ? { reason: spec.containerReason } : {}),
              ...(container.logStreamName !== undefined
                ? { logStreamName: container.logStreamName }
                : {}),
              networkInterfaces: container.networkInterfaces,
            },
            startedAt: started,
            stoppedAt: stopped,
            statusReason: spec.statusReason ?? 'Essential container in task exited',
          },
        ]
      : [];
  return {
    jobArn: `arn:aws:batch:${region}:${account}:job/${spec.jobId}`,
    jobName: spec.jobName,
    jobId: spec.jobId,
    jobQueue: spec.queue.jobQueueArn,
    status: spec.status,
    attempts: attempt,
    ...(spec.statusReason !== undefined ? { statusReason: spec.statusReason } : {}),
    createdAt: spec.createdMs,
    retryStrategy: { attempts: 2, evaluateOnExit: [{ onExitCode: '137', action: 'RETRY' }] },
    ...(started !== undefined ? { startedAt: started } : {}),
    ...(stopped !== undefined ? { stoppedAt: stopped } : {}),
    dependsOn: [],
    jobDefinition: jobDefinition(account, region, definitionName(spec.jobName), 7),
    parameters: { sample: 'NA12878' },
    container,
    timeout: { attemptDurationSeconds: 14400 },
    tags: { team: 'genomics', 'cost-center': 'cc-1042' },
    propagateTags: true,
    platformCapabilities: ['EC2'],
    ...spec.extra,
  };
}

/** The `JobSpec`s of the demo jobs (no children), created relative to `anchorMs`. */
function demoSpecs(anchorMs: number): JobSpec[] {
  const J = BATCH_JOB_IDS;
  const at = (hoursAgo: number) => anchorMs - hoursAgo * HOUR;
  return [
    {
      jobId: J.succeeded,
      jobName: 'align-NA12878',
      queue: HIGH_PRIORITY_QUEUE,
      status: 'SUCCEEDED',
      createdMs: at(30),
      startedAfter: 4 * MINUTE,
      stoppedAfter: 94 * MINUTE,
      exitCode: 0,
      statusReason: 'Essential container in task exited',
    },
    {
      jobId: J.failed,
      jobName: 'align-NA12891',
      queue: HIGH_PRIORITY_QUEUE,
      status: 'FAILED',
      createdMs: at(28),
      startedAfter: 3 * MINUTE,
      stoppedAfter: 21 * MINUTE,
      exitCode: 1,
      statusReason: 'Essential container in task exited',
    },
    {
      jobId: J.cancelled,
      jobName: 'etl-orders-2026-11-20',
      queue: ETL_QUEUE,
      status: 'FAILED',
      createdMs: at(26),
      statusReason: 'Cancelled by the nightly scheduler: superseded',
      extra: { isCancelled: true, isTerminated: false },
    },
    {
      jobId: J.terminated,
      jobName: 'train-resnet-sweep-3',
      queue: SPOT_QUEUE,
      status: 'FAILED',
      createdMs: at(24),
      startedAfter: 6 * MINUTE,
      stoppedAfter: 50 * MINUTE,
      exitCode: 137,
      statusReason: 'Terminated by the operator: over budget',
      // Its definition logs to Splunk: no CloudWatch stream, so no job log in jobgraph.
      logDriver: 'splunk',
      extra: { isCancelled: false, isTerminated: true },
    },
    ...failureCauseSpecs(at, J, {
      high: HIGH_PRIORITY_QUEUE,
      etl: ETL_QUEUE,
      spot: SPOT_QUEUE,
    }),
    {
      jobId: J.ecs,
      jobName: 'etl-inventory-ecs',
      queue: ETL_QUEUE,
      status: 'SUCCEEDED',
      createdMs: at(20),
      startedAfter: 2 * MINUTE,
      stoppedAfter: 12 * MINUTE,
      statusReason: 'Essential container in task exited',
    },
    {
      jobId: J.eks,
      jobName: 'train-tokenizer-eks',
      queue: SPOT_QUEUE,
      status: 'SUCCEEDED',
      createdMs: at(18),
      startedAfter: 5 * MINUTE,
      stoppedAfter: 45 * MINUTE,
      statusReason: 'Succeeded',
    },
    {
      jobId: J.arrayParent,
      jobName: 'call-variants-chr',
      queue: HIGH_PRIORITY_QUEUE,
      status: 'PENDING',
      createdMs: at(6),
    },
    {
      jobId: J.multiNode,
      jobName: 'train-llm-mnp',
      queue: SPOT_QUEUE,
      status: 'RUNNING',
      createdMs: at(5),
      startedAfter: 8 * MINUTE,
    },
    {
      jobId: J.running,
      jobName: 'align-NA12892',
      queue: HIGH_PRIORITY_QUEUE,
      status: 'RUNNING',
      createdMs: at(4),
      startedAfter: 2 * MINUTE,
    },
    {
      jobId: J.starting,
      jobName: 'etl-payments-2026-11-24',
      queue: ETL_QUEUE,
      status: 'STARTING',
      createdMs: at(3),
    },
    {
      jobId: J.runnable,
      jobName: 'train-resnet-sweep-4',
      queue: SPOT_QUEUE,
      status: 'RUNNABLE',
      createdMs: at(2),
      statusReason:
        'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.',
    },
    {
      jobId: J.pending,
      jobName: 'etl-refunds-2026-11-24',
      queue: ETL_QUEUE,
      status: 'PENDING',
      createdMs: at(1.5),
      extra: { dependsOn: [{ jobId: J.starting }] },
    },
    {
      jobId: J.submitted,
      jobName: 'align-NA12893',
      queue: HIGH_PRIORITY_QUEUE,
      status: 'SUBMITTED',
      createdMs: at(1),
    },
    ...queuedSpecs(at, J, HIGH_PRIORITY_QUEUE),
    cappedSpec(at, J.capped, CAPPED_QUEUE),
  ];
}

const ARRAY_CHILD_STATUSES = ['SUCCEEDED', 'SUCCEEDED', 'FAILED', 'RUNNING', 'RUNNABLE'] as const;

/** The array job's children (`parent:index`), each a job of its own with `arrayProperties.index`. */
function arrayChildren(parent: JobSpec): WireBatchJob[] {
  return ARRAY_CHILD_STATUSES.map((status, index) => {
    const done = status === 'SUCCEEDED' || status === 'FAILED';
    const started = done || status === 'RUNNING';
    return batchJob({
      jobId: `${parent.jobId}:${index}`,
      jobName: parent.jobName,
      queue: parent.queue,
      status,
      createdMs: parent.createdMs,
      ...(started ? { startedAfter: (3 + index) * MINUTE } : {}),
      ...(done
        ? {
            stoppedAfter: (40 + index) * MINUTE,
            exitCode: status === 'FAILED' ? 2 : 0,
            statusReason: 'Essential container in task exited',
          }
        : {}),
      extra: {
        arrayProperties: { index },
        parameters: { sample: 'NA12878', chromosome: `chr${index + 1}` },
      },
    });
  });
}

/** `{status: count}` of `children`, as the parent's `arrayProperties.statusSummary` holds it. */
export function statusSummary(children: readonly WireBatchJob[]): Record<string, number> {
  const summary: Record<string, number> = {
    STARTING: 0,
    FAILED: 0,
    RUNNING: 0,
    SUCCEEDED: 0,
    RUNNABLE: 0,
    SUBMITTED: 0,
    PENDING: 0,
  };
  for (const child of children) summary[child.status] = (summary[child.status] ?? 0) + 1;
  return summary;
}

/** The multi-node job's nodes (`parent#index`), node 0 the main node. */
function nodeJobs(parent: JobSpec): WireBatchJob[] {
  return Array.from({ length: NODES }, (_, nodeIndex) =>
    batchJob({
      ...parent,
      jobId: `${parent.jobId}#${nodeIndex}`,
      extra: {
        nodeDetails: { nodeIndex, isMainNode: nodeIndex === 0 },
        platformCapabilities: ['EC2'],
      },
    }),
  );
}

/** ECS task properties with a container's environment (EcsPropertiesDetail). */
function ecsProperties(spec: JobSpec): Record<string, unknown> {
  const container = containerOf(spec, BATCH_DEMO_ACCOUNT_ID, BATCH_DEMO_REGION);
  return {
    taskProperties: [
      {
        containers: [
          {
            name: 'main',
            image: container.image,
            command: container.command,
            environment: [{ name: 'WAREHOUSE_PASSWORD', value: BATCH_DEMO_SECRET_VALUE }],
            essential: true,
            secrets: container.secrets,
            exitCode: 0,
            logStreamName: container.logStreamName,
            resourceRequirements: container.resourceRequirements,
          },
        ],
        taskArn: container.taskArn,
        executionRoleArn: container.executionRoleArn,
        platformVersion: 'LATEST',
        networkConfiguration: { assignPublicIp: 'DISABLED' },
      },
    ],
  };
}

/** EKS pod properties with a container's env (EksPropertiesDetail). */
function eksProperties(spec: JobSpec): Record<string, unknown> {
  return {
    podProperties: {
      serviceAccountName: 'batch-trainer',
      hostNetwork: false,
      dnsPolicy: 'ClusterFirst',
      containers: [
        {
          name: 'trainer',
          image: 'public.ecr.aws/jobgraph/tokenizer:1.3.0',
          command: ['python', 'train.py'],
          args: ['--epochs', '3'],
          env: [{ name: 'HF_TOKEN', value: BATCH_DEMO_SECRET_VALUE }],
          resources: {
            limits: { cpu: '4', memory: '16Gi' },
            requests: { cpu: '4', memory: '16Gi' },
          },
          exitCode: 0,
        },
      ],
      podName: `aws-batch.${spec.jobId}`,
      nodeName: 'ip-10-0-14-21.ec2.internal',
      metadata: { labels: { team: 'ml' }, namespace: 'batch-jobs' },
    },
  };
}

/**
 * Every demo job of the default account, listed or not: the top-level jobs (listed in their
 * queues), the array job's children and the multi-node job's nodes (listed with `arrayJobId` /
 * `multiNodeJobId` only). Created relative to `anchorMs`.
 */
export function batchDemoJobs(anchorMs: number): {
  listed: WireBatchJob[];
  children: WireBatchJob[];
} {
  const specs = demoSpecs(anchorMs);
  const listed: WireBatchJob[] = [];
  const children: WireBatchJob[] = [];
  for (const spec of specs) {
    if (spec.jobId === BATCH_JOB_IDS.arrayParent) {
      const kids = arrayChildren(spec);
      children.push(...kids);
      const job = batchJob({
        ...spec,
        extra: {
          arrayProperties: {
            statusSummary: statusSummary(kids),
            statusSummaryLastUpdatedAt: spec.createdMs + 50 * MINUTE,
            size: ARRAY_SIZE,
          },
        },
      });
      listed.push(job);
      continue;
    }
    if (spec.jobId === BATCH_JOB_IDS.multiNode) {
      children.push(...nodeJobs(spec));
      const job = batchJob({
        ...spec,
        extra: {
          nodeProperties: {
            numNodes: NODES,
            mainNode: 0,
            nodeRangeProperties: [
              {
                targetNodes: '0:',
                container: {
                  image: `${BATCH_DEMO_ACCOUNT_ID}.dkr.ecr.${BATCH_DEMO_REGION}.amazonaws.com/train:2.4.1`,
                  vcpus: 8,
                  memory: 32768,
                  environment: [{ name: 'NCCL_DEBUG', value: 'INFO' }],
                },
                instanceTypes: ['p4d.24xlarge'],
              },
            ],
          },
        },
      });
      delete job.container;
      listed.push(job);
      continue;
    }
    const job = batchJob(spec);
    if (spec.jobId === BATCH_JOB_IDS.ecs) {
      delete job.container;
      job.ecsProperties = ecsProperties(spec);
      job.platformCapabilities = ['FARGATE'];
    }
    if (spec.jobId === BATCH_JOB_IDS.eks) {
      delete job.container;
      job.eksProperties = eksProperties(spec);
      job.eksAttempts = [
        {
          containers: [{ name: 'trainer', containerID: 'containerd://4f1c', exitCode: 0 }],
          podName: `aws-batch.${spec.jobId}`,
          nodeName: 'ip-10-0-14-21.ec2.internal',
          startedAt: spec.createdMs + 5 * MINUTE,
          stoppedAt: spec.createdMs + 45 * MINUTE,
          statusReason: 'Succeeded',
        },
      ];
      job.attempts = [];
    }
    listed.push(job);
  }
  return { listed, children };
}

/** The global ID of a demo job of the default account. */
export const batchGlobalId = (jobId: string): string => `batch:${BATCH_DEMO_REGION}:${jobId}`;

/** The example job of the banner and README: the succeeded alignment job. */
export const EXAMPLE_GLOBAL_ID = batchGlobalId(BATCH_JOB_IDS.succeeded);

/** Every top-level demo job, as global IDs. */
export const DEMO_GLOBAL_IDS: string[] = Object.values(BATCH_JOB_IDS).map(batchGlobalId);

/**
 * Error-case jobs (see BATCH_ERROR_CASE_IDS), as global IDs.
 * @public (the tests read it from every emulator's data module alike, which knip does not follow)
 */
export const ERROR_CASE_GLOBAL_IDS = {
  notFound: batchGlobalId(BATCH_ERROR_CASE_IDS.notFound),
  throttled: batchGlobalId(BATCH_ERROR_CASE_IDS.throttled),
  serverError: batchGlobalId(BATCH_ERROR_CASE_IDS.serverError),
  clientError: batchGlobalId(BATCH_ERROR_CASE_IDS.clientError),
};
