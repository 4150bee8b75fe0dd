import { concreteJobResolvers } from './concreteJob.ts';

/** `ImportExportJob` entity: reference resolution through the AWS_IMPORT_EXPORT loader; fields resolve by default. */
export const ImportExportJob = concreteJobResolvers('AWS_IMPORT_EXPORT');
