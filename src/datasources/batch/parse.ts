import { MalformedBodyError } from '../../errors.ts';
import type { BatchKey } from '../../model/keys.ts';
import { tableStatus } from '../../model/job.ts';
import { jobHeader, jsonStatus } from '../shared/jobHeader.ts';
import { arr, bool, int, obj, response, str, type JsonObject } from '../shared/json.ts';
import { StringPool } from '../shared/stringPool.ts';
import {
  arrayProperties,
  attempt,
  container,
  ecsTask,
  eksAttempt,
  eksPod,
  epochMillis,
  list,
  map,
  member,
  strings,
} from './details.ts';
import { notFound } from './errors.ts';
import { BATCH_KEY } from './key.ts';
import { BATCH_STATE_MAP, type BatchJobRecord } from './record.ts';

export { epochMillis } from './details.ts';

/** `retryStrategy` (RetryStrategy). */
function retryStrategy(o: JsonObject, f: string): BatchJobRecord['retryStrategy'] {
  return {
    attempts: int(o.attempts, `${f}.attempts`),
    evaluateOnExit: list(o.evaluateOnExit, `${f}.evaluateOnExit`, (e, ef) => ({
      onStatusReason: str(e.onStatusReason, `${ef}.onStatusReason`),
      onReason: str(e.onReason, `${ef}.onReason`),
      onExitCode: str(e.onExitCode, `${ef}.onExitCode`),
      action: str(e.action, `${ef}.action`),
    })),
  };
}

/** `nodeProperties` (NodePropertiesSummary with the job definition's node ranges). */
function nodeProperties(o: JsonObject, f: string): BatchJobRecord['nodeProperties'] {
  return {
    numNodes: int(o.numNodes, `${f}.numNodes`),
    mainNode: int(o.mainNode, `${f}.mainNode`),
    nodeRangeProperties: list(o.nodeRangeProperties, `${f}.nodeRangeProperties`, (r, rf) => ({
      targetNodes: str(r.targetNodes, `${rf}.targetNodes`),
      instanceTypes: strings(r.instanceTypes, `${rf}.instanceTypes`),
      container: member(r.container, `${rf}.container`, container),
    })),
  };
}

/**
 * When a Batch job last changed, where Batch times it: a RUNNING job's start (a finished one's is
 * its stop, which the header takes from `completedAt`); Batch does not time its other moves.
 */
export const batchUpdatedAt = (status: string | null, startedAt: string | null): string | null =>
  status === 'RUNNING' ? startedAt : null;

/** The strings Batch records repeat (queues, definitions, roles, regions, reasons, tag names): one copy each. */
export const BATCH_STRINGS = new StringPool();

/**
 * What is never pooled: the environment (its values are secrets: a pooled one would outlive its
 * record) and what each job has of its own (pooling it would only wash the shared strings out).
 */
const UNPOOLED = new Set(['environment', 'env', 'id', 'nativeId', 'jobArn', 'jobId']);

/**
 * Normalise one `JobDetail` (an entry of DescribeJobs' `jobs`, from the SDK's output or the raw
 * wire JSON) for `key`. The only place Batch data is normalised. Wrong types throw
 * MalformedBodyError naming the field; unknown fields are ignored; absent ones are null or [].
 */
export function parseJob(key: BatchKey, detail: unknown, field = 'jobs[0]'): BatchJobRecord {
  const o = obj(detail, field);
  if (!o) throw new MalformedBodyError(`${field} is null`);
  const f = (name: string) => `${field}.${name}`;
  const { providerStatus, state } = jsonStatus(o.status, f('status'), BATCH_STATE_MAP);
  const createdAt = epochMillis(o.createdAt, f('createdAt'));
  const startedAt = epochMillis(o.startedAt, f('startedAt'));
  const stoppedAt = epochMillis(o.stoppedAt, f('stoppedAt'));
  const statusReason = str(o.statusReason, f('statusReason'));
  const terminal = state === 'SUCCEEDED' || state === 'FAILED';
  const jobName = str(o.jobName, f('jobName'));
  const record: BatchJobRecord = {
    ...jobHeader(BATCH_KEY, key, {
      nativeId: str(o.jobId, f('jobId')) ?? key.jobId,
      name: jobName,
      state,
      providerStatus,
      statusMessage: statusReason,
      createdAt,
      updatedAt: batchUpdatedAt(providerStatus, startedAt),
      // A cancelled job never started: it stopped when it was cancelled, which Batch does not time.
      completedAt: terminal ? stoppedAt : null,
    }),
    jobArn: str(o.jobArn, f('jobArn')),
    jobName,
    jobQueue: str(o.jobQueue, f('jobQueue')),
    status: tableStatus(BATCH_STATE_MAP, providerStatus),
    statusReason,
    shareIdentifier: str(o.shareIdentifier, f('shareIdentifier')),
    schedulingPriority: int(o.schedulingPriority, f('schedulingPriority')),
    startedAt,
    stoppedAt,
    jobDefinition: str(o.jobDefinition, f('jobDefinition')),
    parameters: map(o.parameters, f('parameters')),
    dependsOn: list(o.dependsOn, f('dependsOn'), (d, df) => ({
      jobId: str(d.jobId, `${df}.jobId`),
      type: str(d.type, `${df}.type`),
    })),
    retryStrategy: member(o.retryStrategy, f('retryStrategy'), retryStrategy),
    attemptDurationSeconds: int(
      obj(o.timeout, f('timeout'))?.attemptDurationSeconds,
      f('timeout.attemptDurationSeconds'),
    ),
    attempts: list(o.attempts, f('attempts'), attempt),
    tags: map(o.tags, f('tags')),
    propagateTags: bool(o.propagateTags, f('propagateTags')),
    platformCapabilities: strings(o.platformCapabilities, f('platformCapabilities')),
    isCancelled: bool(o.isCancelled, f('isCancelled')),
    isTerminated: bool(o.isTerminated, f('isTerminated')),
    container: member(o.container, f('container'), container),
    arrayProperties: member(o.arrayProperties, f('arrayProperties'), arrayProperties),
    nodeProperties: member(o.nodeProperties, f('nodeProperties'), nodeProperties),
    nodeDetails: member(o.nodeDetails, f('nodeDetails'), (n, nf) => ({
      nodeIndex: int(n.nodeIndex, `${nf}.nodeIndex`),
      isMainNode: bool(n.isMainNode, `${nf}.isMainNode`),
    })),
    ecsTasks: list(
      obj(o.ecsProperties, f('ecsProperties'))?.taskProperties,
      f('ecsProperties.taskProperties'),
      ecsTask,
    ),
    eksPod: member(
      obj(o.eksProperties, f('eksProperties'))?.podProperties,
      f('eksProperties.podProperties'),
      eksPod,
    ),
    eksAttempts: list(o.eksAttempts, f('eksAttempts'), eksAttempt),
  };
  // A watched job's record lives as long as its watch: its repeated strings are held once.
  return BATCH_STRINGS.internAll(record, UNPOOLED);
}

/**
 * Normalise a DescribeJobs answer (the SDK's output or the raw wire JSON) for the one job `key`
 * names: its record, or NOT_FOUND (thrown) when the answer leaves it out.
 */
export function parse(key: BatchKey, output: unknown): BatchJobRecord {
  const record = parseJobs(new Map([[key.jobId, key]]), output).get(key.jobId);
  if (!record) throw notFound(key, null);
  return record;
}

/**
 * The `jobs` of a DescribeJobs answer by job ID, each normalised for the key that asked for it
 * (`keys`, by job ID); jobs no key asked for are ignored, and an ID the answer leaves out is
 * absent from the map (the service's "no such job").
 */
export function parseJobs(
  keys: ReadonlyMap<string, BatchKey>,
  output: unknown,
): Map<string, BatchJobRecord> {
  const body = response(output, 'response is not an object');
  const out = new Map<string, BatchJobRecord>();
  arr(body.jobs, 'jobs').forEach((detail, i) => parseJobElement(keys, detail, i, out));
  return out;
}

/**
 * Element `i` of a DescribeJobs answer's `jobs` into `out` (parseJobs): normalised for the key
 * that asked for its job ID, unless `out` has that job already (the first element of a job
 * counts); ignored when no key asked for it. Returns the record made, if one was.
 */
export function parseJobElement(
  keys: ReadonlyMap<string, BatchKey>,
  detail: unknown,
  i: number,
  out: Map<string, BatchJobRecord>,
): BatchJobRecord | undefined {
  const field = `jobs[${i}]`;
  const o = obj(detail, field);
  if (!o) throw new MalformedBodyError(`${field} is null`);
  const jobId = str(o.jobId, `${field}.jobId`);
  if (jobId === null) throw new MalformedBodyError(`${field}.jobId is missing`);
  const key = keys.get(jobId);
  if (!key || out.has(jobId)) return undefined;
  const record = parseJob(key, o, field);
  out.set(jobId, record);
  return record;
}
