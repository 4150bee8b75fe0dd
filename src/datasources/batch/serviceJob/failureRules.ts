import {
  evaluateFailure,
  failureRules,
  type FailureRule,
  type JobFailure,
} from '../../../model/failure.ts';
import { batchServiceFacts } from './facts.ts';
import type { BatchServiceJobRecord } from './record.ts';

/** Where the reasons' words are the SageMaker training job's, which a service job runs as. */
const SAGEMAKER =
  "Amazon SageMaker API Reference, DescribeTrainingJob FailureReason (ClientError, AlgorithmError, CapacityError, InternalServerError), carried in the service job's statusReason";
const GUIDE = 'AWS Batch User Guide, "service-jobs" (status reasons, preemption, isTerminated)';

type Outcome = Pick<FailureRule, 'category' | 'retryable' | 'summary'>;

/** One outcome for a status reason, the latest attempt's first, then the job's. */
function onReasons(pattern: RegExp, outcome: Outcome, source = SAGEMAKER): FailureRule[] {
  return ['attempts[].statusReason', 'statusReason'].map((field) => ({
    field,
    pattern,
    ...outcome,
    source,
  }));
}

/**
 * AWS Batch service jobs' failure causes (reference/jobs-2026.md): terminated first (a person or
 * a program ended it, whatever the reason says), then the training job's own reason, its
 * out-of-memory kills before the rest of its AlgorithmErrors; text no rule knows is UNKNOWN.
 */
const BATCH_SERVICE_FAILURE_RULES = failureRules('batchservice-2026.11.1', [
  {
    field: 'isTerminated',
    equals: true,
    category: 'CANCELLED',
    retryable: false,
    summary: 'The service job was terminated by a person or a program.',
    source: 'AWS Batch API Reference, DescribeServiceJob isTerminated',
  },
  ...onReasons(/\b(out of memory|OutOfMemory)/i, {
    category: 'OUT_OF_MEMORY',
    retryable: false,
    summary: 'The training job ran out of memory: {value}',
  }),
  ...onReasons(/^(CapacityError\b|InsufficientCapacity)/i, {
    category: 'CAPACITY',
    retryable: true,
    summary: 'SageMaker could not get the capacity the training job needs: {value}',
  }),
  ...onReasons(
    /^Preempted\b/i,
    {
      category: 'CAPACITY',
      retryable: true,
      summary:
        "The attempt was preempted to give its share's capacity back, and no retry was left.",
    },
    GUIDE,
  ),
  ...onReasons(
    /\b(exceeded timeout|MaxRuntimeExceeded)\b/i,
    {
      category: 'TIMEOUT',
      retryable: true,
      summary: "The attempt ran longer than the job's timeout and was stopped.",
    },
    GUIDE,
  ),
  ...onReasons(/^(AlgorithmError|ClientError)\b/, {
    category: 'USER_CODE',
    retryable: false,
    summary: "The training job's own code or its request failed: {value}",
  }),
  ...onReasons(/^InternalServerError\b/, {
    category: 'PROVIDER_ERROR',
    retryable: true,
    summary: 'SageMaker failed the training job on its side.',
  }),
]);

/** A service job's failure (`JobKind.failure`). */
export function batchServiceFailure(record: BatchServiceJobRecord): JobFailure | null {
  return evaluateFailure(
    BATCH_SERVICE_FAILURE_RULES,
    record.state,
    batchServiceFacts(record).evidence,
  );
}
