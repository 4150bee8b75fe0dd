import { evaluateFailure, failureRules, type JobFailure } from '../../model/failure.ts';
import { batchFacts } from './facts.ts';
import type { BatchJobRecord } from './record.ts';

const GUIDE = 'AWS Batch User Guide, "Troubleshooting AWS Batch" / job status reasons';

/**
 * AWS Batch's failure causes, from its documented status reasons (reference/jobs-2026.md,
 * "Failure causes"): an attempt's `container.reason` before the job's `statusReason`, since
 * "Essential container in task exited" stands for a bug, an out-of-memory kill and more alike;
 * a non-zero exit code last, as the user's code. A spot reclaim has no exit code.
 */
export const BATCH_FAILURE_RULES = failureRules('batch-2026.11.1', [
  ...onReasons(/^OutOfMemoryError\b/, {
    category: 'OUT_OF_MEMORY',
    retryable: false,
    summary: 'The container was killed for using more memory than the job asked for.',
  }),
  ...onReasons(/^CannotPullContainerError\b/, {
    category: 'IMAGE_PULL',
    retryable: false,
    summary: "The container's image could not be pulled (a wrong name or tag, or no access to it).",
  }),
  ...onReasons(/^ResourceInitializationError\b/, {
    category: 'PERMISSION',
    retryable: false,
    summary: "The task could not fetch its secrets or its registry's credentials.",
  }),
  ...onReasons(/^(CannotStartContainerError|CannotInspectContainerError)\b/, {
    category: 'PROVIDER_ERROR',
    retryable: true,
    summary: 'The platform could not start or inspect the container.',
  }),
  {
    field: 'statusReason',
    pattern: /^Dependent Job failed\b/i,
    category: 'DEPENDENCY',
    retryable: false,
    summary: 'A job this one depends on failed, so it never ran.',
    source: GUIDE,
  },
  ...onStatusReasons(/^Job attempt duration exceeded timeout\b/, {
    category: 'TIMEOUT',
    retryable: true,
    summary: "The attempt ran longer than the job's timeout and was stopped.",
  }),
  ...onStatusReasons(/^Host EC2 \(instance i-[0-9a-f]+\) terminated\.?$/, {
    category: 'SPOT_RECLAIMED',
    retryable: true,
    summary:
      'The EC2 instance running the job was terminated (a spot reclaim or a scale-in), not the job itself.',
  }),
  ...onStatusReasons(/^CAPACITY:/, {
    category: 'CAPACITY',
    retryable: true,
    summary: 'The compute environment could not get the capacity the job needs: {value}',
  }),
  {
    field: 'isCancelled',
    equals: true,
    category: 'CANCELLED',
    retryable: false,
    summary: 'The job was cancelled before it ran.',
    source: 'AWS Batch API Reference, JobDetail.isCancelled',
  },
  {
    field: 'isTerminated',
    equals: true,
    category: 'CANCELLED',
    retryable: false,
    summary: 'The job was terminated by a person or a program.',
    source: 'AWS Batch API Reference, JobDetail.isTerminated',
  },
  ...(['attempts[].container.exitCode', 'container.exitCode'] as const).map((field) => ({
    field,
    exitCode: 'nonzero' as const,
    category: 'USER_CODE' as const,
    retryable: false,
    summary: "The job's own code exited with code {value}.",
    source: 'AWS Batch API Reference, ContainerDetail.exitCode',
  })),
]);

type Outcome = Pick<
  Parameters<typeof failureRules>[1][number],
  'category' | 'retryable' | 'summary'
>;

/** One outcome for a `container.reason`, the latest attempt's first, then the job's. */
function onReasons(pattern: RegExp, outcome: Outcome) {
  return ['attempts[].container.reason', 'container.reason'].map((field) => ({
    field,
    pattern,
    ...outcome,
    source: 'AWS Batch User Guide, "CannotPullContainer" and related container reasons',
  }));
}

/** One outcome for a status reason, the latest attempt's first, then the job's. */
function onStatusReasons(pattern: RegExp, outcome: Outcome) {
  return ['attempts[].statusReason', 'statusReason'].map((field) => ({
    field,
    pattern,
    ...outcome,
    source: GUIDE,
  }));
}

/** A Batch job's failure (`Provider.failure`). */
export function batchFailure(record: BatchJobRecord): JobFailure | null {
  return evaluateFailure(BATCH_FAILURE_RULES, record.state, batchFacts(record).evidence);
}
