import { evidenceOf, type FailureEvidence } from '../../../model/failure.ts';
import { headerFacts, type JobFacts } from '../../../model/facts.ts';
import type { OmicsRunRecord } from './record.ts';

/**
 * A HealthOmics run's facts (`JobKind.facts`): its name, its run group as its queue (null for a
 * run in none), its status message, its creation, start and stop, and what its failure is read
 * from: `failureReason` (a code of the published table), then `statusMessage`.
 */
export function omicsRunFacts(record: Partial<OmicsRunRecord>): JobFacts {
  return {
    ...headerFacts(record, omicsRunFailureEvidence(record)),
    queue: record.runGroupId ?? null,
    startedAt: record.startTime ?? null,
  };
}

function omicsRunFailureEvidence(record: Partial<OmicsRunRecord>): FailureEvidence[] {
  return [
    ...evidenceOf('failureReason', record.failureReason),
    ...evidenceOf('statusMessage', record.statusMessage),
  ];
}
