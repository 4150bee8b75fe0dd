import { evaluateFailure, failureRules, type JobFailure } from '../../model/failure.ts';
import { panoramaFacts } from './facts.ts';
import type { PanoramaPackageImportJobRecord } from './record.ts';

/**
 * Panorama documents no failure reasons: `StatusMessage` is free text (DescribePackageImportJob),
 * so every failed import is UNKNOWN with its message as evidence until a reason is documented.
 */
const PANORAMA_FAILURE_RULES = failureRules('panorama-2026.11.1', []);

/** A Panorama package import job's failure (`Provider.failure`). */
export function panoramaFailure(record: PanoramaPackageImportJobRecord): JobFailure | null {
  return evaluateFailure(PANORAMA_FAILURE_RULES, record.state, panoramaFacts(record).evidence);
}
