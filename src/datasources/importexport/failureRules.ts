import {
  evaluateFailure,
  failureRules,
  rulesOf,
  type FailureOutcome,
  type JobFailure,
} from '../../model/failure.ts';
import { importExportFacts } from './facts.ts';
import type { ImportExportJobRecord } from './record.ts';

const rule = rulesOf('AWS Import/Export Developer Guide, "Error and Status Codes"');

const onCode = (pattern: RegExp, outcome: FailureOutcome) =>
  rule({ field: 'progressCode', pattern }, outcome);

/**
 * Import/Export's failure causes, from its documented `ProgressCode`s; the device's own errors
 * (`DeviceError`, `MissingDevice`, `Unsupported*`) name no category here and are UNKNOWN with
 * the code and message as evidence.
 */
export const IMPORTEXPORT_FAILURE_RULES = failureRules('importexport-2026.11.1', [
  onCode(/^(InvalidSignature|MissingSignature)$/, {
    category: 'PERMISSION',
    retryable: false,
    summary: "The device's signature file was missing or did not match the job ({value}).",
  }),
  onCode(/^Expired$/, {
    category: 'TIMEOUT',
    retryable: true,
    summary: 'The job expired before AWS received its device.',
  }),
  onCode(/^Canceled$/, {
    category: 'CANCELLED',
    retryable: false,
    summary: 'The job was cancelled.',
  }),
]);

/** An Import/Export job's failure (`Provider.failure`). */
export function importExportFailure(record: ImportExportJobRecord): JobFailure | null {
  return evaluateFailure(
    IMPORTEXPORT_FAILURE_RULES,
    record.state,
    importExportFacts(record).evidence,
  );
}
