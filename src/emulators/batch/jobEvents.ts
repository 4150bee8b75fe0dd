import { DEMO_SECOND_AWS_ACCOUNT } from '../accounts.ts';
import { eventBridgeEvent, type EventBridgeEvent } from '../eventBridge.ts';
import type { WireBatchJob } from './data.ts';

/** Batch's statuses, in the order a job moves through them. */
export const BATCH_JOB_STATUSES = [
  'SUBMITTED',
  'PENDING',
  'RUNNABLE',
  'STARTING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
] as const;

const TERMINAL = new Set(['SUCCEEDED', 'FAILED']);

/**
 * What tests made of AWS Batch's jobs (`JobControls`): jobs moved to another status, which
 * DescribeJobs and ListJobs then answer in place of the demo data's (or the clock's), and jobs
 * forgotten, which they answer nothing for, as Batch forgets finished jobs after a while. Kept per
 * account scope (the emulator's `AccountJobs.scope`).
 */
export interface BatchJobChanges {
  /** The job as it stands now: undefined when forgotten, its changed record when changed. */
  current(scope: string, job: WireBatchJob | undefined): WireBatchJob | undefined;
  /** `job` moved to `status` at `nowMs`, kept as the job's record from now on. */
  change(
    scope: string,
    job: WireBatchJob,
    status: string,
    nowMs: number,
    statusReason?: string,
  ): WireBatchJob;
  forget(scope: string, jobId: string): void;
}

export function batchJobChanges(): BatchJobChanges {
  const changed = new Map<string, WireBatchJob>();
  const forgotten = new Set<string>();
  const key = (scope: string, jobId: string) => `${scope}\n${jobId}`;
  return {
    current(scope, job) {
      if (!job || forgotten.has(key(scope, job.jobId))) return undefined;
      return changed.get(key(scope, job.jobId)) ?? job;
    },
    change(scope, job, status, nowMs, statusReason) {
      const next = movedTo(job, status, nowMs, statusReason);
      changed.set(key(scope, job.jobId), next);
      return next;
    },
    forget(scope, jobId) {
      forgotten.add(key(scope, jobId));
    },
  };
}

/**
 * A copy of `job` moved to `status` at `nowMs`, its times as Batch sets them: `startedAt` when it
 * starts running, `stoppedAt` (and an attempt, for a job that ran) when it finishes.
 */
function movedTo(
  job: WireBatchJob,
  status: string,
  nowMs: number,
  statusReason?: string,
): WireBatchJob {
  if (!(BATCH_JOB_STATUSES as readonly string[]).includes(status))
    throw new RangeError(`status must be one of ${BATCH_JOB_STATUSES.join(', ')}, got ${status}`);
  const next = structuredClone(job);
  next.status = status;
  if (statusReason !== undefined) next.statusReason = statusReason;
  if (status === 'RUNNING' || (status === 'SUCCEEDED' && next.startedAt === undefined))
    next.startedAt ??= nowMs;
  if (!TERMINAL.has(status)) {
    delete next.stoppedAt;
    return next;
  }
  next.stoppedAt = nowMs;
  const container = (next.container ?? {}) as Record<string, unknown>;
  const exitCode = status === 'SUCCEEDED' ? 0 : 1;
  if (typeof next.startedAt === 'number') {
    container.exitCode = exitCode;
    const attempts = Array.isArray(next.attempts) ? (next.attempts as unknown[]) : [];
    next.attempts = [
      ...attempts,
      {
        container: {
          ...(typeof container.logStreamName === 'string'
            ? { logStreamName: container.logStreamName }
            : {}),
          exitCode,
        },
        startedAt: next.startedAt,
        stoppedAt: nowMs,
        statusReason: 'Essential container in task exited',
      },
    ];
  }
  return next;
}

/** The account ID a control names: the default's for none (or `default`), the second account's for its alias. */
export function controlAccount(account: string | undefined, defaultAccountId: string): string {
  if (account === undefined || account === 'default') return defaultAccountId;
  return account === DEMO_SECOND_AWS_ACCOUNT.alias ? DEMO_SECOND_AWS_ACCOUNT.accountId : account;
}

/**
 * Batch's `Batch Job State Change` event of `job` now: the envelope of the job's account and
 * region, the job's ARN as the resource, and as `detail` the job record exactly as DescribeJobs
 * answers it at that moment (AWS: "the detail … is the same as the output of DescribeJobs").
 */
export function batchStateChangeEvent(
  job: WireBatchJob,
  account: string,
  region: string,
  timeMs: number,
): EventBridgeEvent {
  return eventBridgeEvent({
    source: 'aws.batch',
    detailType: 'Batch Job State Change',
    account,
    region,
    timeMs,
    resources: [job.jobArn],
    detail: structuredClone(job),
  });
}
