import { MalformedBodyError } from '../../../errors.ts';
import { tableStatus } from '../../../model/job.ts';
import type { KindKeyOf } from '../../../model/keys.ts';
import { jobHeader, jsonStatus } from '../../shared/jobHeader.ts';
import { bool, int, members, response, str, type JsonObject } from '../../shared/json.ts';
import { epochMillis, list, map, member } from '../details.ts';
import { BATCH_SERVICE_JOB_KEY } from './key.ts';
import {
  BATCH_SERVICE_STATE_MAP,
  type BatchServiceJobAttempt,
  type BatchServiceJobRecord,
  type BatchServiceResourceId,
} from './record.ts';

/** A service job's key. */
export type BatchServiceJobKey = KindKeyOf<'AWS_BATCH', 'serviceJob'>;

/** A `Double` of the model (`capacityUsage[].quantity`): any finite number; absent is null. */
function num(value: unknown, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new MalformedBodyError(`${field} is not a number`);
  return value;
}

const resourceId = (o: JsonObject, f: string): BatchServiceResourceId =>
  members(o, f, { name: str, value: str });

/** One attempt (ServiceJobAttemptDetail). */
function attempt(o: JsonObject, f: string): BatchServiceJobAttempt {
  return {
    serviceResourceId: member(o.serviceResourceId, `${f}.serviceResourceId`, resourceId),
    startedAt: epochMillis(o.startedAt, `${f}.startedAt`),
    stoppedAt: epochMillis(o.stoppedAt, `${f}.stoppedAt`),
    statusReason: str(o.statusReason, `${f}.statusReason`),
  };
}

/**
 * The nested shapes a ListServiceJobs summary shares with a DescribeServiceJob answer (its latest
 * attempt, its capacity usage), each read under its wire name.
 */
export function summaryDetails(o: JsonObject, f: (name: string) => string) {
  return {
    latestAttempt: member(o.latestAttempt, f('latestAttempt'), (a, af) => ({
      serviceResourceId: member(a.serviceResourceId, `${af}.serviceResourceId`, resourceId),
    })),
    capacityUsage: list(o.capacityUsage, f('capacityUsage'), (c, cf) =>
      members(c, cf, { capacityUnit: str, quantity: num }),
    ),
  };
}

/** The nested shapes of a DescribeServiceJob answer, each read under its wire name. */
function details(o: JsonObject, f: (name: string) => string) {
  return {
    attempts: list(o.attempts, f('attempts'), attempt),
    ...summaryDetails(o, f),
    retryStrategy: member(o.retryStrategy, f('retryStrategy'), (r, rf) => ({
      attempts: int(r.attempts, `${rf}.attempts`),
      evaluateOnExit: list(r.evaluateOnExit, `${rf}.evaluateOnExit`, (e, ef) =>
        members(e, ef, { action: str, onStatusReason: str }),
      ),
    })),
    preemptionConfiguration: member(
      o.preemptionConfiguration,
      f('preemptionConfiguration'),
      (p, pf) => members(p, pf, { preemptionRetriesBeforeTermination: int }),
    ),
    preemptionSummary: member(o.preemptionSummary, f('preemptionSummary'), (p, pf) => ({
      preemptedAttemptCount: int(p.preemptedAttemptCount, `${pf}.preemptedAttemptCount`),
      recentPreemptedAttempts: list(
        p.recentPreemptedAttempts,
        `${pf}.recentPreemptedAttempts`,
        attempt,
      ),
    })),
    timeoutConfig: member(o.timeoutConfig, f('timeoutConfig'), (t, tf) =>
      members(t, tf, { attemptDurationSeconds: int }),
    ),
  };
}

/**
 * Normalise a DescribeServiceJob answer (the SDK's output or the raw wire JSON) for `key`: the
 * only place a service job is normalised. Wrong types throw MalformedBodyError naming the field;
 * unknown fields are ignored; absent ones are null or [].
 */
export function parseServiceJob(key: BatchServiceJobKey, output: unknown): BatchServiceJobRecord {
  const o = response(output, 'response is not an object');
  const f = (name: string) => name;
  const { providerStatus, state } = jsonStatus(o.status, 'status', BATCH_SERVICE_STATE_MAP);
  const startedAt = epochMillis(o.startedAt, 'startedAt');
  const stoppedAt = epochMillis(o.stoppedAt, 'stoppedAt');
  const statusReason = str(o.statusReason, 'statusReason');
  const jobName = str(o.jobName, 'jobName');
  const terminal = state === 'SUCCEEDED' || state === 'FAILED';
  return {
    ...jobHeader(BATCH_SERVICE_JOB_KEY, key, {
      nativeId: str(o.jobId, 'jobId') ?? key.jobId,
      name: jobName,
      state,
      providerStatus,
      statusMessage: statusReason,
      createdAt: epochMillis(o.createdAt, 'createdAt'),
      // A running job's start; a finished one's is its stop (the header's completedAt).
      updatedAt: providerStatus === 'RUNNING' ? startedAt : null,
      completedAt: terminal ? stoppedAt : null,
    }),
    kind: 'serviceJob',
    provider: 'AWS_BATCH',
    jobArn: str(o.jobArn, 'jobArn'),
    jobName,
    jobQueue: str(o.jobQueue, 'jobQueue'),
    serviceJobType: str(o.serviceJobType, 'serviceJobType'),
    status: tableStatus(BATCH_SERVICE_STATE_MAP, providerStatus),
    statusReason,
    scheduledAt: epochMillis(o.scheduledAt, 'scheduledAt'),
    startedAt,
    stoppedAt,
    isTerminated: bool(o.isTerminated, 'isTerminated'),
    ...details(o, f),
    schedulingPriority: int(o.schedulingPriority, 'schedulingPriority'),
    shareIdentifier: str(o.shareIdentifier, 'shareIdentifier'),
    quotaShareName: str(o.quotaShareName, 'quotaShareName'),
    tags: map(o.tags, 'tags'),
    serviceRequestPayload: str(o.serviceRequestPayload, 'serviceRequestPayload'),
  };
}
