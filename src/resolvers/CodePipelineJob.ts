import { concreteJobResolvers } from './concreteJob.ts';

/** `CodePipelineJob` entity: reference resolution through the AWS_CODEPIPELINE loader; fields resolve by default. */
export const CodePipelineJob = concreteJobResolvers('AWS_CODEPIPELINE');
