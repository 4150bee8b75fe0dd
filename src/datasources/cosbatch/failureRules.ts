import { evaluateFailure, failureRules, type JobFailure } from '../../model/failure.ts';
import { cosBatchFacts } from './facts.ts';
import type { CosBatchJobRecord } from './record.ts';

const CODES = 'Tencent Cloud COS "Error Codes" (436/7730)';

/**
 * COS Batch's failure causes, from the `FailureCode` of its `FailureReasons` where the code is one
 * of COS's documented error codes; any other code is UNKNOWN with its code and reason as evidence.
 */
export const COSBATCH_FAILURE_RULES = failureRules('cosbatch-2026.11.1', [
  {
    field: 'failureReasons[].failureCode',
    pattern: /^AccessDenied$/,
    category: 'PERMISSION',
    retryable: false,
    summary: 'COS denied the job access to an object or bucket it needs.',
    source: CODES,
  },
  {
    field: 'failureReasons[].failureCode',
    pattern: /^(InternalError|ServiceUnavailable|SlowDown)$/,
    category: 'PROVIDER_ERROR',
    retryable: true,
    summary: 'COS failed the job on its own side ({value}).',
    source: CODES,
  },
]);

/** A COS Batch job's failure (`Provider.failure`). */
export function cosBatchFailure(record: CosBatchJobRecord): JobFailure | null {
  return evaluateFailure(COSBATCH_FAILURE_RULES, record.state, cosBatchFacts(record).evidence);
}
