import { randomUUID } from 'node:crypto';
import type { WireBatchJob, WireJobQueue } from './data.ts';

/**
 * AWS Batch's SubmitJob (`POST /v1/submitjob`), as the API reference describes it
 * (docs.aws.amazon.com/batch/latest/APIReference/API_SubmitJob.html, and the botocore model
 * batch/2016-08-10 @aws-sdk/client-batch is generated from): `jobName`, `jobQueue` and
 * `jobDefinition` required; `parameters`, `containerOverrides`, `nodeOverrides`,
 * `ecsPropertiesOverride`, `eksPropertiesOverride`, `arrayProperties`, `dependsOn`,
 * `retryStrategy`, `timeout`, `tags`, `propagateTags`, `shareIdentifier`,
 * `schedulingPriorityOverride` optional; answers `{jobArn, jobName, jobId}`. It takes **no client
 * token**: the same request twice makes two jobs (aws/containers-roadmap#2798), which is why
 * jobgraph keeps its own key for a rerun (docs/actions.md).
 *
 * Simplifications (docs/emulators.md): a job definition is one some job of the account already
 * runs (by ARN, `name:revision` or `name`, the newest revision), its container taken from that job
 * with the overrides applied; the job stays SUBMITTED until a test moves it; an array job's
 * children are not made; the job's tags are the ones submitted (the definition's are not merged).
 * Each refusal is a 400 ClientException; its wording is this emulator's, not captured.
 */

/** The documented limits SubmitJob checks. */
const SUBMIT_LIMITS = {
  /** "It can be up to 128 characters long. The first character must be alphanumeric." */
  jobName: /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/,
  /** Tags: up to 50, keys 1–128 and values 0–256 characters, none starting `aws:`. */
  maxTags: 50,
  /** `arrayProperties.size`: 2 to 10,000. */
  arrayMin: 2,
  arrayMax: 10_000,
  /** `timeout.attemptDurationSeconds`: at least 60. */
  minTimeoutSeconds: 60,
  /** `retryStrategy.attempts`: 1 to 10. */
  maxAttempts: 10,
} as const;

type Wire = Record<string, unknown>;

/** A SubmitJob body as checked. */
export interface SubmitInput {
  jobName: string;
  jobQueue: string;
  jobDefinition: string;
  body: Wire;
}

const isObject = (v: unknown): v is Wire =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const isStringMap = (v: unknown): v is Record<string, string> =>
  isObject(v) && Object.values(v).every((x) => typeof x === 'string');

/** The body checked against the documented limits, or the ClientException message refusing it. */
export function readSubmitInput(body: Wire): SubmitInput | string {
  const { jobName, jobQueue, jobDefinition } = body;
  if (typeof jobName !== 'string' || !SUBMIT_LIMITS.jobName.test(jobName))
    return 'jobName is required: up to 128 letters, numbers, hyphens and underscores, the first alphanumeric.';
  if (typeof jobQueue !== 'string' || jobQueue === '') return 'jobQueue is a required string.';
  if (typeof jobDefinition !== 'string' || jobDefinition === '')
    return 'jobDefinition is a required string.';
  if (body.parameters !== undefined && !isStringMap(body.parameters))
    return 'parameters must be a map of strings.';
  const tags = body.tags;
  if (tags !== undefined) {
    if (!isStringMap(tags)) return 'tags must be a map of strings.';
    const entries = Object.entries(tags);
    if (entries.length > SUBMIT_LIMITS.maxTags)
      return `tags must have at most ${SUBMIT_LIMITS.maxTags} entries.`;
    for (const [k, v] of entries)
      if (k.length < 1 || k.length > 128 || v.length > 256 || k.toLowerCase().startsWith('aws:'))
        return 'A tag key is 1-128 characters and may not start with aws:; a value is at most 256.';
  }
  const size = (body.arrayProperties as Wire | undefined)?.size;
  if (
    body.arrayProperties !== undefined &&
    (typeof size !== 'number' || size < SUBMIT_LIMITS.arrayMin || size > SUBMIT_LIMITS.arrayMax)
  )
    return `arrayProperties.size must be between ${SUBMIT_LIMITS.arrayMin} and ${SUBMIT_LIMITS.arrayMax}.`;
  const seconds = (body.timeout as Wire | undefined)?.attemptDurationSeconds;
  if (
    seconds !== undefined &&
    (typeof seconds !== 'number' || seconds < SUBMIT_LIMITS.minTimeoutSeconds)
  )
    return `timeout.attemptDurationSeconds must be at least ${SUBMIT_LIMITS.minTimeoutSeconds}.`;
  const attempts = (body.retryStrategy as Wire | undefined)?.attempts;
  if (
    attempts !== undefined &&
    (typeof attempts !== 'number' || attempts < 1 || attempts > SUBMIT_LIMITS.maxAttempts)
  )
    return `retryStrategy.attempts must be between 1 and ${SUBMIT_LIMITS.maxAttempts}.`;
  if (body.dependsOn !== undefined && !Array.isArray(body.dependsOn))
    return 'dependsOn must be a list.';
  return { jobName, jobQueue, jobDefinition, body };
}

/** The job a definition names among `known` (by ARN, `name:revision`, or `name` for its newest revision). */
export function definitionTemplate(
  known: readonly WireBatchJob[],
  named: string,
): WireBatchJob | undefined {
  const parse = (arn: string) => /job-definition\/([^:]+):(\d+)$/.exec(arn);
  let best: { job: WireBatchJob; revision: number } | undefined;
  for (const job of known) {
    const m = parse(job.jobDefinition);
    if (!m) continue;
    const [, name, rev] = m as unknown as [string, string, string];
    const revision = Number(rev);
    if (named === job.jobDefinition || named === `${name}:${revision}`) return job;
    if (named === name && (!best || revision > best.revision)) best = { job, revision };
  }
  return best?.job;
}

/** What a container shows only once it ran: left out of a submitted job's. */
const RUNTIME_FIELDS = [
  'exitCode',
  'reason',
  'taskArn',
  'containerInstanceArn',
  'logStreamName',
  'networkInterfaces',
  'instanceType',
];

const withoutRuntime = (container: unknown): Wire => {
  const out = structuredClone(container ?? {}) as Wire;
  for (const k of RUNTIME_FIELDS) delete out[k];
  return out;
};

/** A container with `ContainerOverrides` applied (command, environment merged by name, resources, instance type). */
function overridden(container: Wire, overrides: unknown): Wire {
  if (!isObject(overrides)) return container;
  const out = { ...container };
  if (Array.isArray(overrides.command)) out.command = [...(overrides.command as unknown[])];
  if (Array.isArray(overrides.environment)) {
    const env = new Map(
      ((out.environment as { name: string; value: string }[] | undefined) ?? []).map((e) => [
        e.name,
        e,
      ]),
    );
    for (const e of overrides.environment as { name: string; value: string }[]) env.set(e.name, e);
    out.environment = [...env.values()];
  }
  if (Array.isArray(overrides.resourceRequirements)) {
    const byType = new Map(
      ((out.resourceRequirements as { type: string }[] | undefined) ?? []).map((r) => [r.type, r]),
    );
    for (const r of overrides.resourceRequirements as { type: string }[]) byType.set(r.type, r);
    out.resourceRequirements = [...byType.values()];
  }
  if (typeof overrides.instanceType === 'string') out.instanceType = overrides.instanceType;
  return out;
}

/** A multi-node job's node properties with `NodeOverrides` applied. */
function nodesOverridden(nodes: unknown, overrides: unknown): Wire | undefined {
  if (!isObject(nodes)) return undefined;
  const out = structuredClone(nodes);
  if (!isObject(overrides)) return out;
  if (typeof overrides.numNodes === 'number') out.numNodes = overrides.numNodes;
  const ranges = (out.nodeRangeProperties as Wire[] | undefined) ?? [];
  for (const o of (overrides.nodePropertyOverrides as Wire[] | undefined) ?? []) {
    const range = ranges.find((r) => r.targetNodes === o.targetNodes);
    if (range) range.container = overridden((range.container ?? {}) as Wire, o.containerOverrides);
  }
  return out;
}

/** EKS pod properties with `EksPropertiesOverride` applied, container by container (by name, else by place). */
function eksOverridden(eks: unknown, overrides: unknown): Wire | undefined {
  if (!isObject(eks)) return undefined;
  const out = structuredClone(eks);
  const pod = (out.podProperties ?? {}) as Wire;
  delete pod.podName;
  delete pod.nodeName;
  const containers = ((pod.containers as Wire[] | undefined) ?? []).map((c) => {
    const { exitCode: _e, reason: _r, ...rest } = c;
    return rest;
  });
  const given =
    (overrides as { podProperties?: { containers?: Wire[] } } | undefined)?.podProperties
      ?.containers ?? [];
  given.forEach((o, i) => {
    const target =
      containers.find((c) => o.name !== undefined && c.name === o.name) ?? containers[i];
    if (!target) return;
    for (const k of ['image', 'command', 'args', 'env', 'resources'])
      if (o[k] !== undefined) target[k] = structuredClone(o[k]);
  });
  pod.containers = containers;
  out.podProperties = pod;
  return out;
}

/** ECS task properties with `EcsPropertiesOverride` applied (each task's containers by name). */
function ecsOverridden(ecs: unknown, overrides: unknown): Wire | undefined {
  if (!isObject(ecs)) return undefined;
  const out = structuredClone(ecs);
  const tasks = ((out.taskProperties as Wire[] | undefined) ?? []).map((t, i) => {
    const { taskArn: _t, ...task } = t;
    const given = ((overrides as { taskProperties?: Wire[] } | undefined)?.taskProperties?.[i]
      ?.containers ?? []) as Wire[];
    task.containers = ((task.containers as Wire[] | undefined) ?? []).map((c) => {
      const o = given.find((g) => g.name === c.name);
      const { exitCode: _e, logStreamName: _l, reason: _r, ...rest } = c;
      return o ? overridden(rest, o) : rest;
    });
    return task;
  });
  out.taskProperties = tasks;
  return out;
}

/**
 * The JobDetail of a job SubmitJob made now: SUBMITTED, no attempt, in `queue`, of the template's
 * definition with the overrides applied, the parameters the definition's with the submitted ones
 * over them.
 */
export function submittedJob(
  input: SubmitInput,
  queue: WireJobQueue,
  template: WireBatchJob,
  nowMs: number,
  jobId: string = randomUUID(),
): WireBatchJob {
  const b = input.body;
  const arn = template.jobArn.replace(/job\/[^/]+$/, `job/${jobId}`);
  const job: WireBatchJob = {
    jobArn: arn,
    jobName: input.jobName,
    jobId,
    jobQueue: queue.jobQueueArn,
    status: 'SUBMITTED',
    attempts: [],
    createdAt: nowMs,
    dependsOn: Array.isArray(b.dependsOn) ? structuredClone(b.dependsOn) : [],
    jobDefinition: template.jobDefinition,
    parameters: {
      ...(template.parameters ?? {}),
      ...(b.parameters ?? {}),
    },
    tags: { ...(b.tags ?? {}) },
    propagateTags: b.propagateTags === true,
    platformCapabilities: template.platformCapabilities ?? ['EC2'],
  };
  const retry = b.retryStrategy ?? template.retryStrategy;
  if (retry !== undefined) job.retryStrategy = structuredClone(retry);
  const timeout = b.timeout ?? template.timeout;
  if (timeout !== undefined) job.timeout = structuredClone(timeout);
  if (typeof b.shareIdentifier === 'string') job.shareIdentifier = b.shareIdentifier;
  const priority = b.schedulingPriorityOverride ?? template.schedulingPriority;
  if (typeof priority === 'number') job.schedulingPriority = priority;
  if (isObject(b.arrayProperties))
    job.arrayProperties = { size: b.arrayProperties.size, statusSummary: {} };
  if (template.container !== undefined)
    job.container = overridden(withoutRuntime(template.container), b.containerOverrides);
  const nodes = nodesOverridden(template.nodeProperties, b.nodeOverrides);
  if (nodes) job.nodeProperties = nodes;
  const eks = eksOverridden(template.eksProperties, b.eksPropertiesOverride);
  if (eks) job.eksProperties = eks;
  const ecs = ecsOverridden(template.ecsProperties, b.ecsPropertiesOverride);
  if (ecs) job.ecsProperties = ecs;
  return job;
}
