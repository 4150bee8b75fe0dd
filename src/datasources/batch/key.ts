import type { KeyGrammar } from '../../model/keyGrammar.ts';

/**
 * AWS Batch keys and global IDs, `batch:{region}:{jobId}` (`batch@{alias}:…` in another
 * account): a job ID is a UUID, an array job's child `UUID:index` (its `:` kept in the last part)
 * or a multi-node job's node `UUID#index`.
 */
export const BATCH_KEY: KeyGrammar<'AWS_BATCH'> = {
  provider: 'AWS_BATCH',
  typeName: 'BatchJob',
  prefix: 'batch',
  parts: [
    ['region', 'awsRegion'],
    ['jobId', 'batchJobId'],
  ],
  lastPartHasColons: true,
  // DescribeJobs' `jobArn` (an array child's ends `:index`, a node's `#index`), as the console shows it.
  arn: { service: 'batch', resource: 'job' },
};
