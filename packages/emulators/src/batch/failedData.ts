const MINUTE = 60_000;

/**
 * IDs whose DescribeJobs answers an error for the whole call (the service answers per call, not
 * per job): 429 TooManyRequestsException, 500 ServerException, 400 ClientException. Any other ID
 * the account does not have is absent from `jobs`.
 */
export const BATCH_ERROR_CASE_IDS = Object.freeze({
  notFound: '40400000-0000-4000-8000-000000000000',
  throttled: '42900000-0000-4000-8000-000000000000',
  serverError: '50000000-0000-4000-8000-000000000000',
  clientError: '40000000-0000-4000-8000-000000000000',
});

/**
 * The demo's failed AWS Batch jobs of each cause beyond a non-zero exit (the demo's `failed`
 * job), with the fields the service sets for each (reference/jobs-2026.md, "Failure causes"):
 * an out-of-memory kill (exit 137, the container reason `OutOfMemoryError: …`), a spot reclaim
 * (the attempt's reason `Host EC2 (instance i-…) terminated.`, no exit code), an image that could
 * not be pulled (`CannotPullContainerError: …`, never started). `at(h)`: h hours before the anchor.
 */
export function failureCauseSpecs<Q>(
  at: (hoursAgo: number) => number,
  ids: { outOfMemory: string; spotReclaimed: string; imagePull: string },
  queues: { high: Q; etl: Q; spot: Q },
) {
  return [
    {
      jobId: ids.outOfMemory,
      jobName: 'align-NA12878-deep',
      queue: queues.high,
      status: 'FAILED',
      createdMs: at(23),
      startedAfter: 3 * MINUTE,
      stoppedAfter: 41 * MINUTE,
      exitCode: 137,
      containerReason: 'OutOfMemoryError: Container killed due to memory usage',
      statusReason: 'Essential container in task exited',
    },
    {
      jobId: ids.spotReclaimed,
      jobName: 'train-resnet-sweep-2',
      queue: queues.spot,
      status: 'FAILED',
      createdMs: at(22),
      startedAfter: 4 * MINUTE,
      stoppedAfter: 33 * MINUTE,
      statusReason: 'Host EC2 (instance i-0a1b2c3d4e5f67890) terminated.',
    },
    {
      jobId: ids.imagePull,
      jobName: 'etl-ledger-2026-11-21',
      queue: queues.etl,
      status: 'FAILED',
      createdMs: at(21),
      containerReason:
        'CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/etl:9.9.9: not found',
      statusReason:
        'CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/etl:9.9.9: not found',
    },
  ];
}
