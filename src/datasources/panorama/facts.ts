import { evidenceOf, type FailureEvidence } from '../../model/failure.ts';
import { headerFacts, type JobFacts } from '../../model/facts.ts';
import type { PanoramaPackageImportJobRecord } from './record.ts';

/**
 * A Panorama package import job's facts (`Provider.facts`): no name or queue, its status message,
 * its creation and last update once finished, and the message its failure is read from.
 */
export function panoramaFacts(record: Partial<PanoramaPackageImportJobRecord>): JobFacts {
  return headerFacts(record, panoramaFailureEvidence(record));
}

function panoramaFailureEvidence(
  record: Partial<PanoramaPackageImportJobRecord>,
): FailureEvidence[] {
  return evidenceOf('statusMessage', record.statusMessage);
}
