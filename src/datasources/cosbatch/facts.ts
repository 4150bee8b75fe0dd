import { evidenceOf, type FailureEvidence } from '../../model/failure.ts';
import { headerFacts, textOf, type JobFacts } from '../../model/facts.ts';
import type { CosBatchJobRecord } from './record.ts';

/**
 * A COS Batch job's facts (`Provider.facts`): its description as its name, its status message,
 * its creation and termination, and its failure reasons, which its failure is read from.
 */
export function cosBatchFacts(record: Partial<CosBatchJobRecord>): JobFacts {
  const header = headerFacts(record, cosBatchFailureEvidence(record));
  return { ...header, name: header.name ?? textOf(record.description) };
}

/** Each non-empty `JobFailure`'s code and reason (an empty entry is no failure). */
function cosBatchFailureEvidence(record: Partial<CosBatchJobRecord>): FailureEvidence[] {
  return (record.failureReasons ?? []).flatMap((f, i) => [
    ...evidenceOf(`failureReasons[${i}].failureCode`, f.failureCode),
    ...evidenceOf(`failureReasons[${i}].failureReason`, f.failureReason),
  ]);
}
