import type { KeyGrammar } from '../../model/keyGrammar.ts';

/**
 * COS Batch keys and global IDs, `cos:{region}:{uin}:{jobId}`: a Tencent Cloud region, the account
 * UIN (the control host's label) and the job ID.
 */
export const COSBATCH_KEY: KeyGrammar<'TENCENT_COS_BATCH'> = {
  provider: 'TENCENT_COS_BATCH',
  typeName: 'CosBatchJob',
  prefix: 'cos',
  parts: [
    ['region', 'cosRegion'],
    ['uin', 'cosUin'],
    ['jobId', 'cosJobId'],
  ],
  accountPart: 'uin',
};
