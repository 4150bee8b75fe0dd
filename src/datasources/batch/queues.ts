/**
 * AWS Batch's job queues and compute environments as the queue pages and the wait diagnosis read
 * them (docs/queues.md; botocore batch/2016-08-10, rest-json, SigV4 `batch`):
 *
 * - DescribeJobQueues, `POST /v1/describejobqueues` `{"maxResults", "nextToken"}`: every
 *   JobQueueDetail of the region, page by page.
 * - DescribeComputeEnvironments, `POST /v1/describecomputeenvironments`
 *   `{"computeEnvironments", "maxResults", "nextToken"}`: the environments the queues name.
 * - GetJobQueueSnapshot, `POST /v1/getjobqueuesnapshot` `{"jobQueue"}`: the first 100 RUNNABLE
 *   jobs with each one's earliest time at its position, the quota shares' fronts and the capacity
 *   in use by share and quota share.
 */
import { awsJsonOperation, awsJsonPost } from '../shared/awsCall.ts';
import {
  arr,
  entry,
  int,
  jsonListPage,
  obj,
  response,
  str,
  type JsonObject,
} from '../shared/json.ts';
import type { ListPage } from '../shared/paging.ts';
import { stateFields, timeLimitActions, WIRE_FIELDS } from '../shared/queueFields.ts';
import type {
  CapacityUse,
  ComputeEnvironmentInfo,
  FrontJob,
  JobQueueInfo,
  ProviderQueues,
  QueueSnapshot,
  WaitingJob,
} from '../shared/queues.ts';
import type { JobRecord } from '../../model/job.ts';
import { readBatchError } from './errors.ts';
import type { BatchJobRecord } from './record.ts';

interface PageCall {
  region: string;
  maxResults: number;
  nextToken: string | null;
}

const num = (v: unknown, field: string): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : int(v, field);
const iso = (ms: unknown): string | null =>
  typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : null;
const strings = (v: unknown, field: string): string[] =>
  arr(v, field).flatMap((s, i) => {
    const text = str(s, `${field}[${i}]`);
    return text === null ? [] : [text];
  });

function readQueue(value: unknown, field: string): JobQueueInfo {
  const o = entry(value, field);
  return {
    name: str(o.jobQueueName, `${field}.jobQueueName`) ?? '',
    arn: str(o.jobQueueArn, `${field}.jobQueueArn`) ?? '',
    ...stateFields(o, field, WIRE_FIELDS),
    priority: int(o.priority, `${field}.priority`),
    schedulingPolicyArn: str(o.schedulingPolicyArn, `${field}.schedulingPolicyArn`),
    computeEnvironmentOrder: arr(o.computeEnvironmentOrder, `${field}.computeEnvironmentOrder`)
      .map((e, i) => {
        const at = `${field}.computeEnvironmentOrder[${i}]`;
        const item = entry(e, at);
        return {
          order: int(item.order, `${at}.order`) ?? i,
          computeEnvironment: str(item.computeEnvironment, `${at}.computeEnvironment`) ?? '',
        };
      })
      .sort((a, b) => a.order - b.order),
    jobStateTimeLimitActions: timeLimitActions(o, field, WIRE_FIELDS),
  };
}

function readEnvironment(value: unknown, field: string): ComputeEnvironmentInfo {
  const o = entry(value, field);
  const resources = obj(o.computeResources, `${field}.computeResources`);
  const at = `${field}.computeResources`;
  const orchestration = str(o.containerOrchestrationType, `${field}.containerOrchestrationType`);
  const resourceType = resources ? str(resources.type, `${at}.type`) : null;
  return {
    name: str(o.computeEnvironmentName, `${field}.computeEnvironmentName`) ?? '',
    arn: str(o.computeEnvironmentArn, `${field}.computeEnvironmentArn`) ?? '',
    type:
      orchestration === 'EKS'
        ? 'EKS'
        : (resourceType ?? str(o.type, `${field}.type`) ?? 'UNMANAGED'),
    ...stateFields(o, field, WIRE_FIELDS),
    minvCpus: resources ? int(resources.minvCpus, `${at}.minvCpus`) : null,
    desiredvCpus: resources ? int(resources.desiredvCpus, `${at}.desiredvCpus`) : null,
    maxvCpus: resources ? int(resources.maxvCpus, `${at}.maxvCpus`) : null,
    instanceTypes: resources ? strings(resources.instanceTypes, `${at}.instanceTypes`) : [],
    allocationStrategy: resources
      ? str(resources.allocationStrategy, `${at}.allocationStrategy`)
      : null,
  };
}

const pageBody = (input: PageCall, extra: JsonObject = {}) => ({
  ...extra,
  maxResults: input.maxResults,
  ...(input.nextToken ? { nextToken: input.nextToken } : {}),
});

/** DescribeJobQueues of a region, one page of whole JobQueueDetails. */
const DESCRIBE_JOB_QUEUES = awsJsonOperation<PageCall, ListPage<JobQueueInfo>>({
  name: 'DescribeJobQueues',
  send: (input) => awsJsonPost('/v1/describejobqueues', pageBody(input)),
  readError: (input, answer) => readBatchError(`AWS Batch job queues in ${input.region}`, answer),
  parse: (_input, output) =>
    jsonListPage(
      response(output, 'response is not an object'),
      'jobQueues',
      'nextToken',
      readQueue,
    ),
});

/** DescribeComputeEnvironments of the environments named (at most 100), one page. */
const DESCRIBE_COMPUTE_ENVIRONMENTS = awsJsonOperation<
  PageCall & { names: string[] },
  ListPage<ComputeEnvironmentInfo>
>({
  name: 'DescribeComputeEnvironments',
  send: (input) =>
    awsJsonPost(
      '/v1/describecomputeenvironments',
      pageBody(input, { computeEnvironments: input.names }),
    ),
  readError: (input, answer) =>
    readBatchError(`AWS Batch compute environments in ${input.region}`, answer),
  parse: (_input, output) =>
    jsonListPage(
      response(output, 'response is not an object'),
      'computeEnvironments',
      'nextToken',
      readEnvironment,
    ),
});

function frontJobs(value: unknown, field: string): FrontJob[] {
  return arr(value, field).flatMap((j, i) => {
    const o = entry(j, `${field}[${i}]`);
    const jobArn = str(o.jobArn, `${field}[${i}].jobArn`);
    return jobArn === null
      ? []
      : [{ jobArn, earliestTimeAtPosition: iso(o.earliestTimeAtPosition) }];
  });
}

function uses(value: unknown, field: string, share: string | null): CapacityUse[] {
  return arr(value, field).map((u, i) => {
    const o = entry(u, `${field}[${i}]`);
    return {
      share,
      unit: str(o.capacityUnit, `${field}[${i}].capacityUnit`),
      quantity: num(o.quantity, `${field}[${i}].quantity`),
    };
  });
}

function readSnapshot(output: unknown): QueueSnapshot {
  const body = response(output, 'response is not an object');
  const front = obj(body.frontOfQueue, 'frontOfQueue');
  const quota = obj(body.frontOfQuotaShares, 'frontOfQuotaShares');
  const use = obj(body.queueUtilization, 'queueUtilization');
  const fair = use ? obj(use.fairshareUtilization, 'queueUtilization.fairshareUtilization') : null;
  const quotaUse = use
    ? obj(use.quotaShareUtilization, 'queueUtilization.quotaShareUtilization')
    : null;
  const quotaShares = quota ? obj(quota.quotaShares, 'frontOfQuotaShares.quotaShares') : null;
  return {
    front: front ? frontJobs(front.jobs, 'frontOfQueue.jobs') : [],
    lastUpdatedAt: front ? iso(front.lastUpdatedAt) : null,
    quotaShareFronts: Object.entries(quotaShares ?? {}).map(([quotaShare, jobs]) => ({
      quotaShare,
      jobs: frontJobs(jobs, `frontOfQuotaShares.quotaShares.${quotaShare}`),
    })),
    totalCapacity: use
      ? uses(use.totalCapacityUsage, 'queueUtilization.totalCapacityUsage', null)
      : [],
    shareCapacity: fair
      ? arr(fair.topCapacityUtilization, 'fairshareUtilization.topCapacityUtilization').flatMap(
          (s, i) => {
            const o = entry(s, `fairshareUtilization.topCapacityUtilization[${i}]`);
            return uses(
              o.capacityUsage,
              'capacityUsage',
              str(o.shareIdentifier, 'shareIdentifier'),
            );
          },
        )
      : [],
    quotaShareCapacity: quotaUse
      ? arr(
          quotaUse.topCapacityUtilization,
          'quotaShareUtilization.topCapacityUtilization',
        ).flatMap((s, i) => {
          const o = entry(s, `quotaShareUtilization.topCapacityUtilization[${i}]`);
          return uses(o.capacityUsage, 'capacityUsage', str(o.quotaShareName, 'quotaShareName'));
        })
      : [],
  };
}

/** GetJobQueueSnapshot of one queue (its name or ARN). */
const GET_JOB_QUEUE_SNAPSHOT = awsJsonOperation<
  { region: string; jobQueue: string },
  QueueSnapshot
>({
  name: 'GetJobQueueSnapshot',
  send: (input) => awsJsonPost('/v1/getjobqueuesnapshot', { jobQueue: input.jobQueue }),
  readError: (input, answer) =>
    readBatchError(`AWS Batch job queue "${input.jobQueue}" in ${input.region}`, answer),
  parse: (_input, output) => readSnapshot(output),
});

/** What the diagnosis reads of a Batch job: its resources as asked, its dependencies, its queue. */
function waitingJob(record: JobRecord): WaitingJob | null {
  if (record.state !== 'QUEUED') return null;
  // Service jobs (issue 102): a service job waits on SageMaker capacity and its quota share, not
  // on the compute environments and queue snapshot the diagnosis reads: `waiting` is null.
  if (record.kind === 'serviceJob') return null;
  const r = record as BatchJobRecord;
  const asked = r.container?.resourceRequirements ?? [];
  const value = (type: string) => {
    const v = asked.find((x) => x.type === type)?.value;
    return v === undefined || v === null ? null : Number(v);
  };
  return {
    jobArn: r.jobArn,
    queue: r.jobQueue,
    status: r.providerStatus,
    statusReason: r.statusReason,
    vcpus: value('VCPU') ?? r.container?.vcpus ?? null,
    memoryMiB: value('MEMORY') ?? r.container?.memory ?? null,
    gpus: value('GPU') ?? 0,
    dependsOn: (r.dependsOn ?? []).flatMap((d) => (d.jobId ? [d.jobId] : [])),
    shareIdentifier: r.shareIdentifier,
    since: r.createdAt,
    runnable: r.providerStatus === 'RUNNABLE',
  };
}

/** AWS Batch's job queues (Provider.queues). */
export const BATCH_QUEUES: ProviderQueues = {
  describeQueues: DESCRIBE_JOB_QUEUES,
  describeEnvironments: DESCRIBE_COMPUTE_ENVIRONMENTS,
  snapshot: GET_JOB_QUEUE_SNAPSHOT,
  waitingJob,
  // `arn:aws:batch:{region}:{account}:job/{jobId}`
  jobIdOfArn: (arn) => /:job\/([^/]+)$/.exec(arn)?.[1] ?? null,
};
