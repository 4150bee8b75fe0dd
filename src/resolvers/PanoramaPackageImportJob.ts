import { concreteJobResolvers } from './concreteJob.ts';

/** `PanoramaPackageImportJob` entity: reference resolution through the AWS_PANORAMA loader; fields resolve by default. */
export const PanoramaPackageImportJob = concreteJobResolvers('AWS_PANORAMA');
