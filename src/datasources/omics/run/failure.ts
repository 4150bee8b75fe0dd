import { evaluateFailure, type JobFailure } from '../../../model/failure.ts';
import { OMICS_FAILURE_RULES } from '../failureRules.ts';
import { omicsRunFacts } from './facts.ts';
import type { OmicsRunRecord } from './record.ts';

/**
 * A HealthOmics run's failure (`JobKind.failure`): the provider's rules (its published
 * failure-reason table, `failureReason` first, then the codes a message names).
 */
export function omicsRunFailure(record: OmicsRunRecord): JobFailure | null {
  return evaluateFailure(OMICS_FAILURE_RULES, record.state, omicsRunFacts(record).evidence);
}
