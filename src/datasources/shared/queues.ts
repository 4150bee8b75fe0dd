/**
 * Job queues as a provider has them (`Provider.queues`; docs/queues.md): what its queue
 * descriptions, compute environments and queue snapshots say, and what a waiting job asks. Only
 * AWS Batch has queues today; the queue service (src/queues/) reads them through the registry.
 */
import type { JobRecord } from '../../model/job.ts';
import type { ListPage } from './paging.ts';
import type { Operation } from './source.ts';

/** One compute environment of a queue, as jobgraph shows it. */
export interface ComputeEnvironmentInfo {
  name: string;
  arn: string;
  /** EC2, SPOT, FARGATE, FARGATE_SPOT, or EKS for one orchestrated by EKS; UNMANAGED for one without compute resources. */
  type: string;
  state: string | null;
  status: string | null;
  statusReason: string | null;
  minvCpus: number | null;
  desiredvCpus: number | null;
  maxvCpus: number | null;
  instanceTypes: string[];
  allocationStrategy: string | null;
}

/** A job queue's time limit on a state (`jobStateTimeLimitActions`). */
interface StateTimeLimit {
  reason: string | null;
  state: string | null;
  maxTimeSeconds: number | null;
  action: string | null;
}

/** One job queue as DescribeJobQueues answers it. */
export interface JobQueueInfo {
  name: string;
  arn: string;
  state: string | null;
  status: string | null;
  statusReason: string | null;
  priority: number | null;
  schedulingPolicyArn: string | null;
  /** Its environments' ARNs (or names) in `order`. */
  computeEnvironmentOrder: { order: number; computeEnvironment: string }[];
  jobStateTimeLimitActions: StateTimeLimit[];
}

/** A job at the front of a queue or a quota share. */
export interface FrontJob {
  jobArn: string;
  /** When it reached its position (ISO-8601), null when not given. */
  earliestTimeAtPosition: string | null;
}

/** Capacity in use by one share or quota share (`VCPU`, `cpu`, or an instance type for service jobs). */
export interface CapacityUse {
  share: string | null;
  unit: string | null;
  quantity: number | null;
}

/** What GetJobQueueSnapshot answers. */
export interface QueueSnapshot {
  front: FrontJob[];
  lastUpdatedAt: string | null;
  quotaShareFronts: { quotaShare: string; jobs: FrontJob[] }[];
  totalCapacity: CapacityUse[];
  shareCapacity: CapacityUse[];
  quotaShareCapacity: CapacityUse[];
}

/** What a waiting job asks and where it stands, as its record says. */
export interface WaitingJob {
  jobArn: string | null;
  /** Its queue, as its record names it (an ARN or a name). */
  queue: string | null;
  status: string | null;
  statusReason: string | null;
  vcpus: number | null;
  memoryMiB: number | null;
  gpus: number;
  /** The jobs it depends on (their IDs). */
  dependsOn: string[];
  shareIdentifier: string | null;
  /** Since when it waits (its createdAt). */
  since: string | null;
  /** Whether it is at the queue's front's stage (RUNNABLE): the snapshot is read only for such a job. */
  runnable: boolean;
}

/** A provider's job queues (`Provider.queues`): its three reads, and a record read as a waiting job. */
export interface ProviderQueues {
  describeQueues: Operation<
    { region: string; maxResults: number; nextToken: string | null },
    ListPage<JobQueueInfo>
  >;
  describeEnvironments: Operation<
    { region: string; names: string[]; maxResults: number; nextToken: string | null },
    ListPage<ComputeEnvironmentInfo>
  >;
  snapshot: Operation<{ region: string; jobQueue: string }, QueueSnapshot>;
  /** The job of `record` as it waits; null when it is not waiting (started, finished). */
  waitingJob(record: JobRecord): WaitingJob | null;
  /** The provider's job ID in a front's job ARN; null for an ARN it cannot read. */
  jobIdOfArn(arn: string): string | null;
}
