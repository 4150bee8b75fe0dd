import type { KeyGrammar } from '../../../model/keyGrammar.ts';

/**
 * HealthOmics run batch keys and global IDs, `omicsbatch:{region}:{batchId}`; the batch's ARN
 * (`arn:aws:omics:{region}:{account}:runBatch/{batchId}`) is accepted wherever a global ID is.
 */
export const OMICS_RUN_BATCH_KEY: KeyGrammar<'AWS_OMICS'> = {
  provider: 'AWS_OMICS',
  kind: 'runBatch',
  typeName: 'OmicsRunBatch',
  prefix: 'omicsbatch',
  parts: [
    ['region', 'awsRegion'],
    ['batchId', 'omicsBatchId'],
  ],
  arn: { service: 'omics', resource: 'runBatch' },
};
