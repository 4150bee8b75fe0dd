import type { KeyGrammar } from '../../model/keyGrammar.ts';

/**
 * HealthOmics keys and global IDs, `omics:{region}:{referenceStoreId}:{id}`: a reference import job
 * lives in a reference store.
 */
export const OMICS_KEY: KeyGrammar<'AWS_OMICS'> = {
  provider: 'AWS_OMICS',
  typeName: 'OmicsReferenceImportJob',
  prefix: 'omics',
  parts: [
    ['region', 'awsRegion'],
    ['referenceStoreId', 'omicsId'],
    ['id', 'omicsId'],
  ],
};
