import {
  evaluateFailure,
  failureRules,
  rulesOf,
  type FailureOutcome,
  type FailureRule,
  type JobFailure,
} from '../../model/failure.ts';
import { omicsFacts } from './facts.ts';
import type { OmicsReferenceImportJobRecord } from './record.ts';

const rule = rulesOf('AWS HealthOmics User Guide, "workflows-run-errors" (failure reasons)');

/** The same outcome for the job's `statusMessage` and for each source's. */
const onMessages = (pattern: RegExp, outcome: FailureOutcome): FailureRule[] =>
  ['statusMessage', 'sources[].statusMessage'].map((field) => rule({ field, pattern }, outcome));

/** A workflow run's `failureReason`: a code of the published table, compared exactly. */
const onReason = (code: string, outcome: FailureOutcome): FailureRule =>
  rule({ field: 'failureReason', equals: code }, outcome);

/**
 * HealthOmics' failure causes: its published failure-reason table's codes, first as a workflow
 * run's `failureReason` (GetRun), then where a message names one, and AWS's access-denied wording.
 * A reference import job reports its reason only as text (`statusMessage`, each source's
 * `statusMessage`); anything else is UNKNOWN.
 */
export const OMICS_FAILURE_RULES = failureRules('omics-2026.11.2', [
  ...['ASSUME_ROLE_FAILED', 'ECR_PERMISSION_ERROR'].map((code) =>
    onReason(code, {
      category: 'PERMISSION',
      retryable: false,
      summary: "The run's service role could not be assumed or lacks access ({value}).",
    }),
  ),
  onReason('CANNOT_START_CONTAINER_ERROR', {
    category: 'PROVIDER_ERROR',
    retryable: true,
    summary: "HealthOmics could not start a task's container.",
  }),
  onReason('FILE_SYSTEM_OUT_OF_SPACE', {
    category: 'CAPACITY',
    retryable: false,
    summary:
      "The run's file system filled up: run it again with more storageCapacity or DYNAMIC storage.",
  }),
  ...onMessages(/\b(ASSUME_ROLE_FAILED|ECR_PERMISSION_ERROR)\b|^Access ?Denied\b/i, {
    category: 'PERMISSION',
    retryable: false,
    summary: 'The service role could not be assumed or lacks access: {value}',
  }),
  ...onMessages(/\bCANNOT_START_CONTAINER_ERROR\b/, {
    category: 'PROVIDER_ERROR',
    retryable: true,
    summary: 'HealthOmics could not start its container.',
  }),
]);

/** A HealthOmics reference import job's failure (`Provider.failure`). */
export function omicsFailure(record: OmicsReferenceImportJobRecord): JobFailure | null {
  return evaluateFailure(OMICS_FAILURE_RULES, record.state, omicsFacts(record).evidence);
}
