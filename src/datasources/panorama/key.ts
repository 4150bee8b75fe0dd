import type { KeyGrammar } from '../../model/keyGrammar.ts';

/**
 * Panorama keys and global IDs, `panorama:{region}:{jobId}`: the region and the package import job
 * ID.
 */
export const PANORAMA_KEY: KeyGrammar<'AWS_PANORAMA'> = {
  provider: 'AWS_PANORAMA',
  typeName: 'PanoramaPackageImportJob',
  prefix: 'panorama',
  parts: [
    ['region', 'awsRegion'],
    ['jobId', 'panoramaJobId'],
  ],
};
