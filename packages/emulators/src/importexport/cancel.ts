import { deviceLocationOf, LOCATION_MESSAGES, type WireGetStatusResult } from './data.ts';

/**
 * AWS Import/Export's CancelJob (`Action=CancelJob&JobId=…`, botocore's importexport-2010-06-01
 * model; its documentation, read through the docs search on boto3's `cancel_job` page and the SDK
 * for .NET's `CancelJob`): "This operation cancels a specified job. Only the job owner can cancel
 * it. The operation fails if the job has already started or is complete." The answer is
 * `CancelJobResult/Success` ("Specifies whether (true) or not (false) AWS Import/Export updated
 * your job"); the errors are the model's: InvalidJobIdException ("The JOBID was missing, not
 * found, or not associated with the AWS account"), ExpiredJobIdException, CanceledJobIdException
 * ("The specified job ID has been canceled and is no longer valid"), UnableToCancelJobIdException
 * ("AWS Import/Export cannot cancel the job"), all HTTP 400 (the Developer Guide's error table).
 *
 * "Started" here is what the demo data says of a job: only a `Pending` job (no device received,
 * `The specified job has not started.`) can be cancelled; any other progress code has started or
 * ended. A cancelled job answers GetStatus with ProgressCode `Canceled` (the documented code) and
 * ListJobs with `IsCanceled` true.
 */

/** The progress codes CancelJob accepts: the job has not started. */
const CANCELLABLE = new Set(['Pending']);

export type ImportExportCancelOutcome =
  'canceled' | 'already-canceled' | 'unable' | 'not-found' | 'expired';

/** What CancelJob does to `job` (undefined: the account has no such job). */
export function cancelOutcome(
  job: WireGetStatusResult | undefined,
  expired: boolean,
): ImportExportCancelOutcome {
  if (expired) return 'expired';
  if (!job) return 'not-found';
  if (job.ProgressCode === 'Canceled') return 'already-canceled';
  return CANCELLABLE.has(job.ProgressCode ?? '') ? 'canceled' : 'unable';
}

/** `job` as GetStatus answers it once cancelled: the progress code and message, the device not received. */
export function canceledJob(job: WireGetStatusResult): WireGetStatusResult {
  const location = deviceLocationOf('Canceled');
  return {
    ...job,
    ProgressCode: 'Canceled',
    ProgressMessage: 'The job was canceled.',
    // Only where the job showed where its device was (the minimal job shows nothing of it).
    ...(job.LocationCode !== undefined
      ? { LocationCode: location, LocationMessage: LOCATION_MESSAGES[location] }
      : {}),
  };
}

/** The error each refusal answers (code, message), HTTP 400 all. */
export const CANCEL_REFUSALS: Record<
  Exclude<ImportExportCancelOutcome, 'canceled'>,
  { code: string; message: string }
> = {
  'not-found': {
    code: 'InvalidJobIdException',
    message: 'The JOBID was missing, not found, or not associated with the AWS account.',
  },
  expired: { code: 'ExpiredJobIdException', message: 'The specified job ID has expired.' },
  'already-canceled': {
    code: 'CanceledJobIdException',
    message: 'The specified job ID has been canceled and is no longer valid.',
  },
  unable: {
    code: 'UnableToCancelJobIdException',
    message: 'AWS Import/Export cannot cancel the job',
  },
};
