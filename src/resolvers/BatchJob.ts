import { concreteJobResolvers } from './concreteJob.ts';

/** `BatchJob` entity: reference resolution through the AWS_BATCH loader; fields resolve by default. */
export const BatchJob = concreteJobResolvers('AWS_BATCH');
