import { concreteJobResolvers } from './concreteJob.ts';

/** `OmicsReferenceImportJob` entity: reference resolution through the AWS_OMICS loader; fields resolve by default. */
export const OmicsReferenceImportJob = concreteJobResolvers('AWS_OMICS');
