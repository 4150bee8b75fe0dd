import type { KeyGrammar } from '../../model/keyGrammar.ts';

/** CodePipeline keys and global IDs, `codepipeline:{region}:{jobId}`: the region and the job ID. */
export const CODEPIPELINE_KEY: KeyGrammar<'AWS_CODEPIPELINE'> = {
  provider: 'AWS_CODEPIPELINE',
  typeName: 'CodePipelineJob',
  prefix: 'codepipeline',
  parts: [
    ['region', 'awsRegion'],
    ['jobId', 'codePipelineJobId'],
  ],
};
