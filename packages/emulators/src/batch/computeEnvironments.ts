import { uuidFor } from '../listing.ts';
import type { WireJobQueue } from './data.ts';

/**
 * AWS Batch's DescribeComputeEnvironments (`POST /v1/describecomputeenvironments`,
 * `{"computeEnvironments"?, "maxResults"?, "nextToken"?}` → `{computeEnvironments, nextToken?}`),
 * as @aws-sdk/client-batch's ComputeEnvironmentDetail describes it. The environments are the ones
 * the region's queues name in `computeEnvironmentOrder`; their settings come from the demo table
 * below (one INVALID with a statusReason, as Batch words a broken one; one DISABLED, the second
 * account's, so its queue has no enabled environment; one at its maxvCpus; EC2, SPOT and FARGATE
 * types). Simplification:
 * one page.
 */

type Wire = Record<string, unknown>;

interface DemoEnvironment {
  type: 'EC2' | 'SPOT' | 'FARGATE';
  state: 'ENABLED' | 'DISABLED';
  status: 'VALID' | 'INVALID';
  statusReason: string;
  instanceTypes: readonly string[];
  minvCpus: number;
  desiredvCpus: number;
  maxvCpus: number;
}

/** The demo compute environments by name; any other name is a VALID EC2 environment. */
const BATCH_COMPUTE_ENVIRONMENTS: Readonly<Record<string, DemoEnvironment>> = {
  'genomics-ondemand': {
    type: 'EC2',
    state: 'ENABLED',
    status: 'VALID',
    statusReason: 'ComputeEnvironment Healthy',
    instanceTypes: ['m5.xlarge', 'm5.2xlarge'],
    minvCpus: 0,
    desiredvCpus: 8,
    maxvCpus: 256,
  },
  'etl-fargate': {
    type: 'FARGATE',
    state: 'ENABLED',
    status: 'VALID',
    statusReason: 'ComputeEnvironment Healthy',
    instanceTypes: [],
    minvCpus: 0,
    desiredvCpus: 0,
    maxvCpus: 64,
  },
  'gpu-spot': {
    type: 'SPOT',
    state: 'ENABLED',
    status: 'INVALID',
    statusReason:
      'CLIENT_ERROR - The instance profile arn:aws:iam::role/ecsInstanceRole does not exist.',
    instanceTypes: ['g5.xlarge'],
    minvCpus: 0,
    desiredvCpus: 0,
    maxvCpus: 32,
  },
  // At its maxvCpus (desiredvCpus = maxvCpus): the capped queue's RUNNABLE job, which an m5.large
  // holds, waits for capacity.
  'analytics-ondemand': {
    type: 'EC2',
    state: 'ENABLED',
    status: 'VALID',
    statusReason: 'ComputeEnvironment Healthy',
    instanceTypes: ['m5.large', 'm5.xlarge'],
    minvCpus: 0,
    desiredvCpus: 16,
    maxvCpus: 16,
  },
  // The second account's (staging's): turned off, so its queue's RUNNABLE job waits.
  'staging-fargate': {
    type: 'FARGATE',
    state: 'DISABLED',
    status: 'VALID',
    statusReason: 'ComputeEnvironment Healthy',
    instanceTypes: [],
    minvCpus: 0,
    desiredvCpus: 0,
    maxvCpus: 32,
  },
};

/** How each type places instances (Batch's defaults: none for Fargate). */
const ALLOCATION_STRATEGY = { EC2: 'BEST_FIT_PROGRESSIVE', SPOT: 'SPOT_CAPACITY_OPTIMIZED' };

const DEFAULT_ENVIRONMENT: DemoEnvironment = {
  type: 'EC2',
  state: 'ENABLED',
  status: 'VALID',
  statusReason: 'ComputeEnvironment Healthy',
  instanceTypes: ['optimal'],
  minvCpus: 0,
  desiredvCpus: 0,
  maxvCpus: 16,
};

/** One environment as the service answers it. */
function environmentWire(arn: string): Wire {
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  const env = BATCH_COMPUTE_ENVIRONMENTS[name] ?? DEFAULT_ENVIRONMENT;
  const account = arn.split(':')[4] ?? '';
  const computeResources: Wire = {
    type: env.type,
    maxvCpus: env.maxvCpus,
    subnets: ['subnet-0a1b2c3d'],
    securityGroupIds: ['sg-0a1b2c3d'],
  };
  if (env.type !== 'FARGATE')
    Object.assign(computeResources, {
      allocationStrategy: ALLOCATION_STRATEGY[env.type],
      minvCpus: env.minvCpus,
      desiredvCpus: env.desiredvCpus,
      instanceTypes: [...env.instanceTypes],
      instanceRole: `arn:aws:iam::${account}:instance-profile/ecsInstanceRole`,
      ...(env.type === 'SPOT' ? { bidPercentage: 100 } : {}),
    });
  return {
    computeEnvironmentName: name,
    computeEnvironmentArn: arn,
    ecsClusterArn: `${arn.split(':compute-environment/')[0]}:cluster/${name}`.replace(
      ':batch:',
      ':ecs:',
    ),
    tags: {},
    type: 'MANAGED',
    state: env.state,
    status: env.status,
    statusReason: env.statusReason,
    computeResources,
    serviceRole: `arn:aws:iam::${account}:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch`,
    updatePolicy: { terminateJobsOnUpdate: false, jobExecutionTimeoutMinutes: 30 },
    containerOrchestrationType: 'ECS',
    uuid: uuidFor(arn),
  };
}

/** The answer to a DescribeComputeEnvironments body, or the ClientException message. */
export function describeComputeEnvironments(
  account: { queues(region: string): readonly WireJobQueue[] },
  region: string,
  body: Record<string, unknown>,
): Wire | string {
  const queues = account.queues(region);
  const names = body.computeEnvironments;
  if (
    names !== undefined &&
    names !== null &&
    (!Array.isArray(names) || names.some((x) => typeof x !== 'string'))
  )
    return 'computeEnvironments must be a list of compute environment names or ARNs.';
  const wanted = Array.isArray(names) && names.length > 0 ? (names as string[]) : null;
  const arns = [
    ...new Set(queues.flatMap((q) => q.computeEnvironmentOrder.map((o) => o.computeEnvironment))),
  ];
  const chosen = arns.filter(
    (arn) =>
      wanted === null ||
      wanted.includes(arn) ||
      wanted.includes(arn.slice(arn.lastIndexOf('/') + 1)),
  );
  return { computeEnvironments: chosen.map(environmentWire) };
}
