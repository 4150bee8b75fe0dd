import { describe, expect, it } from 'vitest';
import { findKind } from '../../../src/datasources/registry.ts';
import { parseServiceJob } from '../../../src/datasources/batch/serviceJob/parse.ts';
import { failedServiceJob, progressingServiceJob } from '@jobgraph/emulators/batch/serviceJobData';
import { BATCH_DEMO_ACCOUNT_ID } from '@jobgraph/emulators/batch/data';

/**
 * A service job's failure and facts, read through the registry's kind (`kindOf`) from the
 * emulator's DescribeServiceJob answers: the failed demo job (preempted once, then out of memory),
 * a terminated one, a SageMaker CapacityError, and a running one (no failure).
 */
const KEY = {
  provider: 'AWS_BATCH',
  kind: 'serviceJob',
  region: 'us-east-1',
  jobId: failedServiceJob(BATCH_DEMO_ACCOUNT_ID, 0).jobId,
} as const;
const kind = findKind(KEY)!;
const record = (wire: object) => parseServiceJob(KEY, wire);

describe('a service job’s failure and facts', () => {
  it('reads the failed demo job as OUT_OF_MEMORY from its latest attempt, with the facts it is read from', () => {
    const failed = record(failedServiceJob(BATCH_DEMO_ACCOUNT_ID, Date.UTC(2026, 10, 29)));
    expect(kind.key.typeName).toBe('BatchServiceJob');
    expect(kind.failure(failed)).toEqual({
      category: 'OUT_OF_MEMORY',
      retryable: false,
      summary:
        'The training job ran out of memory: AlgorithmError: CUDA out of memory. Tried to allocate 2.00 GiB',
      evidence: [
        'attempts[1].statusReason: AlgorithmError: CUDA out of memory. Tried to allocate 2.00 GiB',
        'statusReason: AlgorithmError: CUDA out of memory. Tried to allocate 2.00 GiB',
      ],
      rulesVersion: 'batchservice-2026.11.1',
    });
    expect(kind.facts(failed)).toMatchObject({
      name: 'vision-pretrain-sweep-7',
      queue: `arn:aws:batch:us-east-1:${BATCH_DEMO_ACCOUNT_ID}:job-queue/sagemaker-training`,
      message: 'AlgorithmError: CUDA out of memory. Tried to allocate 2.00 GiB',
      startedAt: failed.startedAt,
      stoppedAt: failed.stoppedAt,
    });
  });

  it('says CANCELLED for a terminated job, whatever its reason, and USER_CODE or CAPACITY by the training job’s reason', () => {
    const base = failedServiceJob(BATCH_DEMO_ACCOUNT_ID, 0);
    const terminated = record({
      ...base,
      isTerminated: true,
      statusReason: 'not needed',
      attempts: [],
    });
    expect(kind.failure(terminated)).toMatchObject({ category: 'CANCELLED', retryable: false });
    const algorithm = record({
      ...base,
      statusReason: 'AlgorithmError: ValueError in train.py',
      attempts: [],
    });
    expect(kind.failure(algorithm)).toMatchObject({ category: 'USER_CODE', retryable: false });
    const capacity = record({
      ...base,
      statusReason: 'CapacityError: Unable to provision requested ML compute capacity.',
      attempts: [],
    });
    expect(kind.failure(capacity)).toMatchObject({ category: 'CAPACITY', retryable: true });
  });

  it('has no failure for a job that has not failed, and a SCHEDULED job is QUEUED', () => {
    const scheduled = record(progressingServiceJob(BATCH_DEMO_ACCOUNT_ID, 0, 60_000));
    expect(scheduled.providerStatus).toBe('SCHEDULED');
    expect(scheduled.state).toBe('QUEUED');
    expect(kind.failure(scheduled)).toBeNull();
  });
});
