import type { WireJobQueue } from './data.ts';

/**
 * AWS Batch's DescribeComputeEnvironments (`POST /v1/describecomputeenvironments`,
 * `{"computeEnvironments"?, "maxResults"?, "nextToken"?}` → `{computeEnvironments, nextToken?}`),
 * as @aws-sdk/client-batch's ComputeEnvironmentDetail describes it. The environments are the ones
 * the region's queues name in `computeEnvironmentOrder`; their settings come from the demo table
 * below (one INVALID with a statusReason; EC2, SPOT and FARGATE types). Simplification: one page.
 */

type Wire = Record<string, unknown>;

interface DemoEnvironment {
  type: 'EC2' | 'SPOT' | 'FARGATE';
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
    status: 'VALID',
    statusReason: 'ComputeEnvironment Healthy',
    instanceTypes: ['m5.xlarge', 'm5.2xlarge'],
    minvCpus: 0,
    desiredvCpus: 8,
    maxvCpus: 256,
  },
  'etl-fargate': {
    type: 'FARGATE',
    status: 'VALID',
    statusReason: 'ComputeEnvironment Healthy',
    instanceTypes: [],
    minvCpus: 0,
    desiredvCpus: 0,
    maxvCpus: 64,
  },
  'gpu-spot': {
    type: 'SPOT',
    status: 'INVALID',
    statusReason:
      'CLIENT_ERROR - The instance profile arn:aws:iam::role/ecsInstanceRole does not exist.',
    instanceTypes: ['g5.xlarge'],
    minvCpus: 0,
    desiredvCpus: 0,
    maxvCpus: 32,
  },
};

const DEFAULT_ENVIRONMENT: DemoEnvironment = {
  type: 'EC2',
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
  const computeResources: Wire = {
    type: env.type,
    maxvCpus: env.maxvCpus,
    subnets: ['subnet-0a1b2c3d'],
    securityGroupIds: ['sg-0a1b2c3d'],
  };
  if (env.type !== 'FARGATE')
    Object.assign(computeResources, {
      minvCpus: env.minvCpus,
      desiredvCpus: env.desiredvCpus,
      instanceTypes: [...env.instanceTypes],
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
    state: 'ENABLED',
    status: env.status,
    statusReason: env.statusReason,
    computeResources,
    containerOrchestrationType: 'ECS',
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
