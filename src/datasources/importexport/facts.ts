import { evidenceOf, type FailureEvidence } from '../../model/failure.ts';
import { headerFacts, type JobFacts } from '../../model/facts.ts';
import type { ImportExportJobRecord } from './record.ts';

/**
 * An Import/Export job's facts (`Provider.facts`): no name or queue, its progress message, its
 * creation, and its progress code and message, which its failure is read from.
 */
export function importExportFacts(record: Partial<ImportExportJobRecord>): JobFacts {
  return headerFacts(record, importExportFailureEvidence(record));
}

/** The job's progress code and message. */
function importExportFailureEvidence(record: Partial<ImportExportJobRecord>): FailureEvidence[] {
  return [
    ...evidenceOf('progressCode', record.progressCode),
    ...evidenceOf('progressMessage', record.progressMessage),
  ];
}
