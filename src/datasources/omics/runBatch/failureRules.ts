import {
  evaluateFailure,
  failureRules,
  type FailureRule,
  type JobFailure,
} from '../../../model/failure.ts';
import { omicsRunBatchFacts } from './facts.ts';
import type { OmicsRunBatchRecord } from './record.ts';

const TABLE = 'AWS HealthOmics User Guide, "workflows-batch" (handling failed runs) and GetBatch';

function rule(
  field: string,
  condition: Pick<FailureRule, 'pattern' | 'exitCode'>,
  outcome: Pick<FailureRule, 'category' | 'retryable' | 'summary'>,
): FailureRule {
  return { field, ...condition, ...outcome, source: TABLE };
}

/**
 * A run batch's failure causes: its `failureReason` (text, present only when the batch FAILED)
 * first — AWS's access-denied wording is PERMISSION, a missing or unreadable run setting input
 * DEPENDENCY —, then its counts: runs that failed (UNKNOWN here: each run's own `failure` says
 * why) or run submissions that failed. Anything else is UNKNOWN.
 */
const OMICS_RUN_BATCH_FAILURE_RULES = failureRules('omicsbatch-2026.11.1', [
  rule(
    'failureReason',
    { pattern: /\bAccess ?Denied\b|\bnot authorized\b/i },
    {
      category: 'PERMISSION',
      retryable: false,
      summary: "The batch's service role could not read what it needs: {value}",
    },
  ),
  rule(
    'failureReason',
    { pattern: /\bdoes not exist\b|\bNoSuchKey\b|\bnot found\b/i },
    {
      category: 'DEPENDENCY',
      retryable: false,
      summary: 'An input of the batch does not exist: {value}',
    },
  ),
  rule(
    'runSummary.failedRunCount',
    { exitCode: 'nonzero' },
    {
      category: 'UNKNOWN',
      retryable: false,
      summary: "{value} of the batch's runs failed: each run's own failure says why.",
    },
  ),
  rule(
    'submissionSummary.failedStartSubmissionCount',
    { exitCode: 'nonzero' },
    {
      category: 'DEPENDENCY',
      retryable: false,
      summary: "{value} of the batch's run settings could not be started (see its runs).",
    },
  ),
]);

/** A HealthOmics run batch's failure (`JobKind.failure`). */
export function omicsRunBatchFailure(record: OmicsRunBatchRecord): JobFailure | null {
  return evaluateFailure(
    OMICS_RUN_BATCH_FAILURE_RULES,
    record.state,
    omicsRunBatchFacts(record).evidence,
  );
}
