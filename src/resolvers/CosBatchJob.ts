import { concreteJobResolvers } from './concreteJob.ts';

/** `CosBatchJob` entity: reference resolution through the TENCENT_COS_BATCH loader; fields resolve by default. */
export const CosBatchJob = concreteJobResolvers('TENCENT_COS_BATCH');
