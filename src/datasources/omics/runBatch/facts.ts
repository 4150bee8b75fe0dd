import { evidenceOf, type FailureEvidence } from '../../../model/failure.ts';
import { headerFacts, textOf, type JobFacts } from '../../../model/facts.ts';
import type { OmicsRunBatchRecord } from './record.ts';

/**
 * A HealthOmics run batch's facts (`JobKind.facts`): its name, its failure reason as its message,
 * created when its record says, started when its submissions ended (`submittedTime`), stopped
 * when processed or failed; and the fields its failure is read from.
 */
export function omicsRunBatchFacts(record: Partial<OmicsRunBatchRecord>): JobFacts {
  return {
    ...headerFacts(record, omicsRunBatchEvidence(record)),
    startedAt: textOf(record.submittedTime),
  };
}

/**
 * The batch's own reason, then its runs that failed and its submissions that failed (counts
 * above zero only), in that order.
 */
function omicsRunBatchEvidence(record: Partial<OmicsRunBatchRecord>): FailureEvidence[] {
  const positive = (n: number | null | undefined) => (n ? n : null);
  return [
    ...evidenceOf('failureReason', record.failureReason),
    ...evidenceOf('runSummary.failedRunCount', positive(record.runSummary?.failedRunCount)),
    ...evidenceOf(
      'submissionSummary.failedStartSubmissionCount',
      positive(record.submissionSummary?.failedStartSubmissionCount),
    ),
  ];
}
