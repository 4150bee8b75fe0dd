import { isoSeconds } from '../progress.ts';
import type { WireElement } from './xml.ts';

/**
 * Tencent COS Batch's UpdateJobStatus, as Tencent Cloud's API pages describe it (read through the
 * docs search: "UpdateJobStatus", 436/33785 and 436/38613; the batch "ErrorResponse" page,
 * 436/33787):
 *
 * - `POST /jobs/<JobId>/status?requestedJobStatus=<Ready|Cancelled>&statusUpdateReason=<reason>`,
 *   `x-cos-appid`, no body. "If you change the job status to Ready, COS will think that you have
 *   confirmed the job and will execute it. If you change the job status to Cancelled, COS will
 *   cancel the job." `statusUpdateReason` is optional, 0–256 bytes.
 * - Answer: `<UpdateJobStatusResult><JobId/><Status/><StatusUpdateReason/></UpdateJobStatusResult>`,
 *   Status the job's current status.
 * - Errors (436/33787): 400 InvalidArgument "The value of the requestedJobStatus parameter must be
 *   Cancelled or Ready"; 400 InvalidRequest "The specified job has already been completed" (a
 *   job in Complete, Failed or Cancelled); 400 InvalidRequest "Error with the job status change"
 *   (the emulator answers it for a change the job's status does not allow: Ready of a job that is
 *   not Suspended, Cancelled of one already Cancelling, Completing or Failing, as the
 *   S3-compatible batch APIs refuse them; which states Tencent refuses so is unverified); 404
 *   NoSuchJob for a job the account does not have (as DescribeJob).
 *
 * What a cancel shows afterwards follows the documented statuses: a job already running (Active,
 * Pausing, Paused) answers `Cancelling` and reads `Cancelled` from `COS_CANCEL_SETTLE_MS` later
 * on the emulator's clock (its TerminationDate then); a job that has not started (New,
 * Preparing, Suspended, Ready) is `Cancelled` at once. The reason is the job's
 * `StatusUpdateReason` in DescribeJob from then on.
 */

/** How long a running job stays `Cancelling` after UpdateJobStatus cancels it, on the emulator's clock. */
export const COS_CANCEL_SETTLE_MS = 5_000;
/** `statusUpdateReason`'s limit in bytes (436/33785). */
const COS_STATUS_REASON_MAX_BYTES = 256;

const FINISHED = new Set(['Complete', 'Failed', 'Cancelled']);
const NOT_STARTED = new Set(['New', 'Preparing', 'Suspended', 'Ready']);
const RUNNING = new Set(['Active', 'Pausing', 'Paused']);

/** What a call made of one job: the status asked for, when, and the reason given. */
export interface CosStatusUpdate {
  requested: 'Cancelled' | 'Ready';
  atMs: number;
  /** Whether the job was running (then Cancelling first). */
  wasRunning: boolean;
  reason: string | undefined;
}

/** The `<Job>` as it stands at `nowMs` after `update`. */
export function updatedJob(job: WireElement, update: CosStatusUpdate, nowMs: number): WireElement {
  const next: WireElement = { ...job };
  if (update.reason !== undefined) next.StatusUpdateReason = update.reason;
  if (update.requested === 'Ready') {
    next.Status = 'Ready';
    delete next.SuspendedCause;
    delete next.SuspendedDate;
    return next;
  }
  const settled = !update.wasRunning || nowMs >= update.atMs + COS_CANCEL_SETTLE_MS;
  next.Status = settled ? 'Cancelled' : 'Cancelling';
  if (settled)
    next.TerminationDate = isoSeconds(
      update.wasRunning ? update.atMs + COS_CANCEL_SETTLE_MS : update.atMs,
    );
  return next;
}

/** The status a job shows at `nowMs` after `update` (for ListJobs' `jobStatuses` filter). */
export function updatedStatus(update: CosStatusUpdate, nowMs: number): string {
  return updatedJob({}, update, nowMs).Status as string;
}

/**
 * The update a call asks of a job in `status` now, or the refusal (status, code, message).
 * `reason` is the decoded `statusUpdateReason` (undefined: none given).
 */
export function readStatusUpdate(
  status: string,
  query: URLSearchParams,
  nowMs: number,
): CosStatusUpdate | { status: number; code: string; message: string } {
  const requested = query.get('requestedJobStatus');
  if (requested !== 'Cancelled' && requested !== 'Ready')
    return {
      status: 400,
      code: 'InvalidArgument',
      message: 'The value of the requestedJobStatus parameter must be Cancelled or Ready',
    };
  const reason = query.get('statusUpdateReason') ?? undefined;
  if (reason !== undefined && Buffer.byteLength(reason) > COS_STATUS_REASON_MAX_BYTES)
    return {
      status: 400,
      code: 'InvalidArgument',
      message: `statusUpdateReason must be at most ${COS_STATUS_REASON_MAX_BYTES} bytes.`,
    };
  if (FINISHED.has(status))
    return {
      status: 400,
      code: 'InvalidRequest',
      message: 'The specified job has already been completed',
    };
  const allowed =
    requested === 'Ready' ? status === 'Suspended' : NOT_STARTED.has(status) || RUNNING.has(status);
  if (!allowed)
    return { status: 400, code: 'InvalidRequest', message: 'Error with the job status change' };
  return { requested, atMs: nowMs, wasRunning: RUNNING.has(status), reason };
}
