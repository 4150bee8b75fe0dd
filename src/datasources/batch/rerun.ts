/**
 * AWS Batch's rerun (docs/actions.md, "Rerun"): `SubmitJob` rebuilt from the described job, and
 * the ListJobs by name that finds a rerun already submitted when its answer was lost (SubmitJob
 * takes no client token: jobgraph's key is a tag, `jobgraph:rerun-key`).
 */
import type { BatchKey } from '../../model/keys.ts';
import type { JobRecord, KeyValue } from '../../model/job.ts';
import { MalformedBodyError } from '../../errors.ts';
import { awsJsonOutput, awsJsonPost } from '../shared/awsCall.ts';
import { awsRequestId } from '../shared/awsErrors.ts';
import { entry, response, str } from '../shared/json.ts';
import {
  RERUN_KEY_TAG,
  RERUN_OF_TAG,
  type RerunInput,
  type RerunSubmitted,
} from '../shared/rerunning.ts';
import type { Operation, ProviderWire } from '../shared/source.ts';
import { listSubject, readBatchError, toUpstreamError } from './errors.ts';
import type { BatchContainer, BatchJobRecord } from './record.ts';

type Wire = Record<string, unknown>;

/** A map of KeyValue entries as the wire sends it. */
const mapOf = (entries: readonly KeyValue[]): Record<string, string> =>
  Object.fromEntries(entries.map((e) => [e.key, e.value ?? '']));

/** What of a container ran that a rerun sends as `containerOverrides` (command, environment, resources). */
function containerOverrides(c: BatchContainer | null): Wire | undefined {
  if (!c) return undefined;
  const out: Wire = {};
  if (c.command.length > 0) out.command = c.command;
  const environment = c.environment
    .filter((e) => e.name !== null && !e.name.startsWith('AWS_BATCH_'))
    .map((e) => ({ name: e.name, value: e.value ?? '' }));
  if (environment.length > 0) out.environment = environment;
  const resources = c.resourceRequirements.filter((r) => r.type !== null && r.value !== null);
  if (resources.length > 0) out.resourceRequirements = resources;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A multi-node job's `nodeOverrides`: its node count, and each node range's container as it ran. */
function nodeOverrides(r: BatchJobRecord): Wire | undefined {
  const nodes = r.nodeProperties;
  if (!nodes) return undefined;
  const ranges = nodes.nodeRangeProperties.flatMap((range) => {
    const overrides = containerOverrides(range.container);
    return range.targetNodes && overrides
      ? [{ targetNodes: range.targetNodes, containerOverrides: overrides }]
      : [];
  });
  return {
    ...(nodes.numNodes !== null ? { numNodes: nodes.numNodes } : {}),
    ...(ranges.length > 0 ? { nodePropertyOverrides: ranges } : {}),
  };
}

/** An EKS job's `eksPropertiesOverride`: each container's command, args and environment. */
function eksOverride(r: BatchJobRecord): Wire | undefined {
  const pod = r.eksPod;
  if (!pod || pod.containers.length === 0) return undefined;
  const containers = pod.containers.map((c) => ({
    ...(c.name !== null ? { name: c.name } : {}),
    ...(c.image !== null ? { image: c.image } : {}),
    ...(c.command.length > 0 ? { command: c.command } : {}),
    ...(c.args.length > 0 ? { args: c.args } : {}),
    ...(c.env.length > 0 ? { env: c.env.map((e) => ({ name: e.name, value: e.value })) } : {}),
  }));
  return { podProperties: { containers } };
}

/**
 * The SubmitJob body that reruns `r`: its job definition (the same revision, by ARN), queue,
 * name, parameters, the container, node or EKS overrides of what ran, array size, retry
 * strategy, timeout, tags (its own but AWS's, plus jobgraph's two), share identifier and
 * scheduling priority. Its dependencies are dropped: the jobs it waited for have run.
 */
export function submitBody(r: BatchJobRecord, sourceId: string, rerunKey: string): Wire {
  const tags = {
    ...mapOf(r.tags.filter((t) => !t.key.toLowerCase().startsWith('aws:'))),
    [RERUN_OF_TAG]: sourceId,
    [RERUN_KEY_TAG]: rerunKey,
  };
  const retry = r.retryStrategy;
  const body: Wire = {
    jobName: r.jobName,
    jobQueue: r.jobQueue,
    jobDefinition: r.jobDefinition,
    tags,
    ...(r.parameters.length > 0 ? { parameters: mapOf(r.parameters) } : {}),
    ...(r.nodeProperties
      ? { nodeOverrides: nodeOverrides(r) }
      : r.eksPod
        ? { eksPropertiesOverride: eksOverride(r) }
        : { containerOverrides: containerOverrides(r.container) }),
    ...(r.arrayProperties?.size ? { arrayProperties: { size: r.arrayProperties.size } } : {}),
    ...(retry?.attempts
      ? {
          retryStrategy: {
            attempts: retry.attempts,
            ...(retry.evaluateOnExit.length > 0
              ? {
                  evaluateOnExit: retry.evaluateOnExit.map((e) =>
                    Object.fromEntries(Object.entries(e).filter(([, v]) => v !== null)),
                  ),
                }
              : {}),
          },
        }
      : {}),
    ...(r.attemptDurationSeconds
      ? { timeout: { attemptDurationSeconds: r.attemptDurationSeconds } }
      : {}),
    ...(r.propagateTags !== null ? { propagateTags: r.propagateTags } : {}),
    ...(r.shareIdentifier ? { shareIdentifier: r.shareIdentifier } : {}),
    ...(r.schedulingPriority !== null ? { schedulingPriorityOverride: r.schedulingPriority } : {}),
  };
  return JSON.parse(JSON.stringify(body)) as Wire;
}

type BatchRerun = RerunInput<BatchKey>;
const batchRecord = (input: BatchRerun) => input.record as BatchJobRecord;

/**
 * SubmitJob (`POST /v1/submitjob`, rest-json, SigV4 `batch`): answers `{jobArn, jobName, jobId}`.
 * @public (the permissions test reads each exported operation of the provider's folder)
 */
export const SUBMIT_JOB: Operation<BatchRerun, RerunSubmitted> = {
  name: 'SubmitJob',
  acts: true,
  // Tags given to SubmitJob are authorized as batch:TagResource too (AWS Batch User Guide, "Tag
  // your resources on creation"): the rerun's tags are how a lost answer is found again.
  alsoNeeds: ['TagResource'],
  region: (input) => input.key.region,
  send: (input) =>
    awsJsonPost('/v1/submitjob', submitBody(batchRecord(input), input.sourceId, input.rerunKey)),
  readError: (input, answer) => toUpstreamError(input.key, answer),
  parse: (_input, answer) => {
    const body = response(awsJsonOutput(answer), 'response is not an object');
    const jobId = str(body.jobId, 'jobId');
    if (jobId === null) throw new MalformedBodyError('jobId is missing');
    return { jobId, requestId: awsRequestId(answer.headers) };
  },
};

/**
 * ListJobs of the queue with `JOB_NAME` = the rerun's name (every status, newest first, at most 100).
 * @public (the permissions test reads each exported operation of the provider's folder)
 */
export const RERUN_CANDIDATES: Operation<BatchRerun, string[]> = {
  name: 'ListJobs',
  region: (input) => input.key.region,
  send: (input) =>
    awsJsonPost('/v1/listjobs', {
      jobQueue: batchRecord(input).jobQueue,
      filters: [{ name: 'JOB_NAME', values: [batchRecord(input).jobName] }],
      maxResults: 100,
    }),
  readError: (input, answer) =>
    readBatchError(listSubject(input.key.region, batchRecord(input).jobQueue ?? ''), answer),
  parse: (_input, answer) => {
    const body = response(awsJsonOutput(answer), 'response is not an object');
    const list = Array.isArray(body.jobSummaryList) ? (body.jobSummaryList as unknown[]) : [];
    return list.flatMap((item, i) => {
      const id = str(entry(item, `jobSummaryList[${i}]`).jobId, `jobSummaryList[${i}].jobId`);
      return id === null ? [] : [id];
    });
  },
};

/** An array child's (`UUID:index`) or a node's (`UUID#index`) parent: the job a rerun submits again. */
const parentOf = (key: BatchKey): BatchKey => {
  const jobId = key.jobId.split(/[:#]/)[0] ?? key.jobId;
  return jobId === key.jobId ? key : { ...key, jobId };
};

const tagOf = (record: JobRecord, name: string) =>
  (record as BatchJobRecord).tags?.find((t) => t.key === name)?.value ?? null;

/** AWS Batch's rerun on the wire (ProviderWire.rerun). */
export const BATCH_RERUN: NonNullable<ProviderWire<BatchKey, BatchJobRecord, unknown>['rerun']> = {
  subject: parentOf,
  keyOf: (key, jobId) => ({ ...key, jobId }),
  made: (record, input) =>
    tagOf(record, RERUN_OF_TAG) === input.sourceId &&
    tagOf(record, RERUN_KEY_TAG) === input.rerunKey,
  submit: SUBMIT_JOB,
  candidates: RERUN_CANDIDATES,
  said: 'Its dependencies were not carried over (the jobs it waited for have run).',
};
