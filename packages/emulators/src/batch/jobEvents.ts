import { DEMO_SECOND_AWS_ACCOUNT } from '../accounts.ts';
import {
  eventBridgeEvent,
  stateWatch,
  type EventBridgeEvent,
  type EventSink,
} from '../eventBridge.ts';
import type { JobControls } from '../framework.ts';
import type { WireBatchJob } from './data.ts';
import { batchQueueBlockedEvent, cannotRun, queueHead } from './queueBlocked.ts';

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
  /** `job` moved to `status` at `nowMs` (its container's `environment` replaced when given), kept as the job's record from now on. */
  change(
    scope: string,
    job: WireBatchJob,
    status: string,
    nowMs: number,
    statusReason?: string,
    environment?: readonly { name: string; value: string }[],
  ): WireBatchJob;
  forget(scope: string, jobId: string): void;
  /** When the job was last moved to RUNNABLE (ms), if it was moved there and is still RUNNABLE. */
  runnableSince(scope: string, jobId: string): number | undefined;
  /** Keep `job` as the job's record from now on, as given (CancelJob and TerminateJob shape it themselves). */
  put(scope: string, job: WireBatchJob): void;
}

export function batchJobChanges(): BatchJobChanges {
  const changed = new Map<string, WireBatchJob>();
  const forgotten = new Set<string>();
  /** When each job moved to RUNNABLE was moved there, ms. */
  const madeRunnable = new Map<string, number>();
  const key = (scope: string, jobId: string) => `${scope}\n${jobId}`;
  return {
    current(scope, job) {
      if (!job || forgotten.has(key(scope, job.jobId))) return undefined;
      return changed.get(key(scope, job.jobId)) ?? job;
    },
    change(scope, job, status, nowMs, statusReason, environment) {
      const next = movedTo(job, status, nowMs, statusReason);
      if (environment)
        next.container = {
          ...(next.container as object | undefined),
          environment: [...environment],
        };
      changed.set(key(scope, job.jobId), next);
      if (status === 'RUNNABLE') madeRunnable.set(key(scope, job.jobId), nowMs);
      else madeRunnable.delete(key(scope, job.jobId));
      return next;
    },
    forget(scope, jobId) {
      forgotten.add(key(scope, jobId));
    },
    runnableSince(scope, jobId) {
      return changed.get(key(scope, jobId))?.status === 'RUNNABLE'
        ? madeRunnable.get(key(scope, jobId))
        : undefined;
    },
    put(scope, job) {
      changed.set(key(scope, job.jobId), job);
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
function controlAccount(account: string | undefined, defaultAccountId: string): string {
  if (account === undefined || account === 'default') return defaultAccountId;
  return account === DEMO_SECOND_AWS_ACCOUNT.alias ? DEMO_SECOND_AWS_ACCOUNT.accountId : account;
}

/**
 * Batch's `Batch Job State Change` event of `job` now: the envelope of the job's account and
 * region, the job's ARN as the resource, and as `detail` the job record exactly as DescribeJobs
 * answers it at that moment (AWS: "the detail … is the same as the output of DescribeJobs").
 */
function batchStateChangeEvent(
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

/** What `batchJobEvents` needs of the emulator. */
export interface BatchJobEventsDeps {
  now: () => number;
  defaultAccountId: string;
  /** The region of the demo's jobs (the one the switches act in). */
  region: string;
  events: EventSink;
  changes: BatchJobChanges;
  /** The progressing job's ID now (each cycle is a new job). */
  progressingJobId: () => string;
  /** An account's job as DescribeJobs answers it now (changes applied), and the account's scope. */
  lookup(accountId: string, jobId: string): { scope: string; job: WireBatchJob | undefined };
  /** An account's jobs of the queue `queueArn` as they stand now (changes applied). */
  queueJobs(accountId: string, queueArn: string): readonly WireBatchJob[];
}

/**
 * The Batch emulator's `jobs` (move a job now and publish its event; forget a job) and its
 * `publishDue`: the progressing job's state changes as Batch publishes them, each status it
 * reaches with its DescribeJobs record as `detail` (each cycle's job under its own ID), no event
 * for the submit (a new cycle's SUBMITTED). A job moved to RUNNABLE with a cause that it cannot run (queueBlocked.ts), at the
 * head of its queue, publishes `Batch Job Queue Blocked` after its state change.
 */
export function batchJobEvents(deps: BatchJobEventsDeps): {
  jobs: JobControls;
  publishDue: () => void;
  /** Publish the state change a call made (`job` as it now stands in `accountId`). */
  publishChange: (accountId: string, job: WireBatchJob) => void;
} {
  const { now, defaultAccountId, region, events, changes } = deps;
  const progressing = () => {
    const { job } = deps.lookup(defaultAccountId, deps.progressingJobId());
    return job ? { job, state: `${job.createdAt}/${job.status}` } : null;
  };
  const watch = stateWatch(progressing()?.state ?? null);
  const publishChange = (accountId: string, job: WireBatchJob) => {
    events.publish(batchStateChangeEvent(job, accountId, region, now()));
    // A job that cannot run, now at the head of its queue: the queue is blocked.
    if (cannotRun(job) && queueHead(deps.queueJobs(accountId, job.jobQueue))?.jobId === job.jobId)
      events.publish(batchQueueBlockedEvent(job, accountId, region, now()));
    // The progressing job's own watch takes the change as published.
    if (accountId === defaultAccountId) watch(progressing()?.state ?? null);
  };
  const jobs: JobControls = {
    changeState(jobId, status, options = {}) {
      const accountId = controlAccount(options.account, defaultAccountId);
      const { scope, job } = deps.lookup(accountId, jobId);
      if (!job) return null;
      const next = changes.change(
        scope,
        job,
        status,
        now(),
        options.statusReason,
        options.environment,
      );
      publishChange(accountId, next);
      return structuredClone(next);
    },
    forget(jobId, options = {}) {
      const { scope, job } = deps.lookup(controlAccount(options.account, defaultAccountId), jobId);
      if (!job) return false;
      changes.forget(scope, jobId);
      return true;
    },
  };
  const publishDue = () => {
    const current = progressing();
    if (watch(current?.state ?? null) && current && current.job.status !== 'SUBMITTED')
      events.publish(batchStateChangeEvent(current.job, defaultAccountId, region, now()));
  };
  return { jobs, publishDue, publishChange };
}
