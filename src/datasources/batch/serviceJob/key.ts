import type { KeyGrammar } from '../../../model/keyGrammar.ts';

/**
 * AWS Batch service-job keys and global IDs (kind `serviceJob`), `batchservice:{region}:{jobId}`
 * (`batchservice@{alias}:…` in another account): a service job's ID is a UUID; its ARN is
 * `arn:aws:batch:{region}:{account}:service-job/{jobId}` (reference/jobs-2026.md: "its ARN holds
 * `service-job`"), accepted wherever a global ID is.
 */
export const BATCH_SERVICE_JOB_KEY: KeyGrammar<'AWS_BATCH'> = {
  provider: 'AWS_BATCH',
  kind: 'serviceJob',
  typeName: 'BatchServiceJob',
  prefix: 'batchservice',
  parts: [
    ['region', 'awsRegion'],
    ['jobId', 'batchServiceJobId'],
  ],
  arn: { service: 'batch', resource: 'service-job' },
};
