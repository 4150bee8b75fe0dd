import type { CodePipelineKey, PanoramaKey } from '../../src/model/globalId.ts';

/** The loader keys the unit tests parse and call with, one per provider, written once. */
export const CODEPIPELINE_TEST_KEY: CodePipelineKey = Object.freeze({
  provider: 'AWS_CODEPIPELINE',
  region: 'us-east-1',
  jobId: '11111111-2222-4333-8444-555555555555',
});

export const PANORAMA_TEST_KEY: PanoramaKey = Object.freeze({
  provider: 'AWS_PANORAMA',
  region: 'us-east-1',
  jobId: 'pkgimport-5f3a9c1e7b2d4086',
});
