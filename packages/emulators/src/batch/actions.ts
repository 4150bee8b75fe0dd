import { statusSummary, type WireBatchJob } from './data.ts';
import type { BatchJobChanges } from './jobEvents.ts';

/**
 * AWS Batch's CancelJob (`POST /v1/canceljob`) and TerminateJob (`POST /v1/terminatejob`), both
 * `{"jobId", "reason"}` answering HTTP 200 with an empty body on success, as the API reference
 * pages say (docs.aws.amazon.com/batch/latest/APIReference/API_CancelJob.html and
 * API_TerminateJob.html, read through the docs search):
 *
 * - CancelJob: "Jobs that are in a SUBMITTED, PENDING, or RUNNABLE state are cancelled and the job
 *   status is updated to FAILED." "Jobs that progressed to the STARTING or RUNNING state aren't
 *   canceled. However, the API operation still succeeds, even if no job is canceled." "When you
 *   try to cancel an array parent job in PENDING, AWS Batch attempts to cancel all child jobs. The
 *   array parent job is canceled when all child jobs are completed."
 * - TerminateJob: "Jobs that are in the STARTING or RUNNING state are terminated, which causes them
 *   to transition to FAILED. Jobs that have not progressed to the STARTING state are cancelled."
 * - `reason`: required on both; "This message is returned by future DescribeJobs operations on the
 *   job" (its `statusReason`); "This parameter has as limit of 1024 characters."
 *
 * Simplifications, said so in docs/emulators.md: the service moves a cancelled PENDING job once
 * its dependencies complete and a RUNNABLE one when it reaches the head of the queue (the
 * docs.amazonaws.cn copy of the page); the emulator moves both at once, so a test sees the
 * outcome without waiting. A terminated attempt's exit code 137 and the reason as the attempt's
 * `statusReason` follow the demo's terminated job, not a captured answer: Batch stops the task
 * with `docker stop`, SIGTERM then SIGKILL ("Understanding the AWS Batch termination process",
 * AWS HPC Blog), so 143 is as likely for a container that exits on SIGTERM. A job that never
 * started keeps `attempts: []`, its `statusReason` overwritten by the reason, as
 * nextflow-io/nextflow#7479 reports of a real TerminateJob.
 */

/** The statuses CancelJob cancels (and TerminateJob too, by cancelling). */
const QUEUED = new Set(['SUBMITTED', 'PENDING', 'RUNNABLE']);
/** The statuses only TerminateJob stops. */
const STARTED = new Set(['STARTING', 'RUNNING']);
const FINISHED = new Set(['SUCCEEDED', 'FAILED']);

/** `reason`'s documented limit, in characters. */
const BATCH_REASON_MAX_CHARS = 1024;

/** The exit code of a container stopped by TerminateJob (killed: 128 + SIGKILL), as the demo's terminated job shows. */
const TERMINATED_EXIT_CODE = 137;

export type BatchAction = 'CancelJob' | 'TerminateJob';

/** The `{jobId, reason}` of a CancelJob/TerminateJob body, or the ClientException message refusing it. */
export function readActionInput(
  body: Record<string, unknown>,
): { jobId: string; reason: string } | string {
  const { jobId, reason } = body;
  // Both members are required (the model); moto's port of the service's answers (getmoto/moto#5394)
  // refuses empty strings as the service does, with ClientException.
  if (typeof jobId !== 'string' || jobId === '') return 'jobId is a required string.';
  if (typeof reason !== 'string' || reason === '') return 'reason is a required string.';
  if ([...reason].length > BATCH_REASON_MAX_CHARS)
    return `reason must have length less than or equal to ${BATCH_REASON_MAX_CHARS}.`;
  return { jobId, reason };
}

/** What an action needs of the account it acts in. */
export interface BatchActionTarget {
  /** The job as it stands now (changes applied). */
  job: WireBatchJob;
  /** Its array children or multi-node nodes as they stand now (none for another job). */
  children: readonly WireBatchJob[];
  /** The account's change scope (`AccountJobs.scope`). */
  scope: string;
}

/**
 * Apply CancelJob or TerminateJob to `target` at `nowMs`: every job it moves is kept in `changes`
 * and returned in the order its state changed (children before their parent), so the caller
 * publishes one `Batch Job State Change` event for each. A job it leaves as it was (CancelJob of
 * a started job, either call on a finished one) is not returned: no state changed, no event.
 */
export function applyBatchAction(
  action: BatchAction,
  target: BatchActionTarget,
  reason: string,
  nowMs: number,
  changes: BatchJobChanges,
): WireBatchJob[] {
  const { scope } = target;
  const moved: WireBatchJob[] = [];
  const stop = (job: WireBatchJob): WireBatchJob | null => {
    if (QUEUED.has(job.status)) {
      const next = changes.change(scope, job, 'FAILED', nowMs, reason);
      next.isCancelled = true;
      next.isTerminated = false;
      changes.put(scope, next);
      return next;
    }
    if (action === 'TerminateJob' && STARTED.has(job.status)) {
      const next = changes.change(scope, job, 'FAILED', nowMs, reason);
      next.isCancelled = false;
      next.isTerminated = true;
      markKilled(next, reason);
      changes.put(scope, next);
      return next;
    }
    return null;
  };
  const children = target.children.map((child) => {
    const next = stop(child);
    if (next) moved.push(next);
    return next ?? child;
  });
  let parent = target.job;
  // A parent of children ends only once none of them is still under way (the CancelJob page);
  // until then it keeps its status, its summary counting its children as they now stand.
  const childrenOpen = children.some((c) => !FINISHED.has(c.status));
  if (!childrenOpen) {
    const next = stop(parent);
    if (next) {
      moved.push(next);
      parent = next;
    }
  }
  if (moved.some((j) => j !== parent) && isArrayParent(parent)) {
    const summarised = structuredClone(parent);
    const array = summarised.arrayProperties as Record<string, unknown>;
    array.statusSummary = statusSummary(children);
    array.statusSummaryLastUpdatedAt = nowMs;
    changes.put(scope, summarised);
    if (moved.at(-1)?.jobId === parent.jobId) moved[moved.length - 1] = summarised;
  }
  return moved;
}

/** An attempt stopped by TerminateJob: the container killed, the reason on the attempt. */
function markKilled(job: WireBatchJob, reason: string): void {
  const container = job.container as Record<string, unknown> | undefined;
  if (container && container.exitCode !== undefined) container.exitCode = TERMINATED_EXIT_CODE;
  const attempts = job.attempts as Record<string, unknown>[] | undefined;
  const last = attempts?.at(-1);
  if (!last) return;
  last.statusReason = reason;
  const lastContainer = last.container as Record<string, unknown> | undefined;
  if (lastContainer) lastContainer.exitCode = TERMINATED_EXIT_CODE;
}

function isArrayParent(job: WireBatchJob): boolean {
  const array = job.arrayProperties as { size?: unknown } | undefined;
  return typeof array?.size === 'number';
}
