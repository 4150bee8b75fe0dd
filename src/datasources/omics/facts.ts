import { evidenceOf, type FailureEvidence } from '../../model/failure.ts';
import { headerFacts, type JobFacts } from '../../model/facts.ts';
import type { OmicsReferenceImportJobRecord } from './record.ts';

/**
 * A HealthOmics reference import job's facts (`Provider.facts`): the reference it imports as its
 * name, its status message, its creation and completion, and the messages its failure is read from.
 */
export function omicsFacts(record: Partial<OmicsReferenceImportJobRecord>): JobFacts {
  return headerFacts(record, omicsFailureEvidence(record));
}

/** The job's message, then each source's, in the provider's order. */
function omicsFailureEvidence(record: Partial<OmicsReferenceImportJobRecord>): FailureEvidence[] {
  return [
    ...evidenceOf('statusMessage', record.statusMessage),
    ...(record.sources ?? []).flatMap((s, i) =>
      evidenceOf(`sources[${i}].statusMessage`, s.statusMessage),
    ),
  ];
}
