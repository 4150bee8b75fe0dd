import type { KeyGrammar } from '../../model/keyGrammar.ts';

/** Import/Export keys and global IDs, `importexport:{jobId}`: a global service, so no region. */
export const IMPORTEXPORT_KEY: KeyGrammar<'AWS_IMPORT_EXPORT'> = {
  provider: 'AWS_IMPORT_EXPORT',
  typeName: 'ImportExportJob',
  prefix: 'importexport',
  parts: [['jobId', 'importExportJobId']],
};
