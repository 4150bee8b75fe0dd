import { createSdkSource } from '../shared/awsSdk.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { SourceSeams } from '../shared/seams.ts';
import type { JobSource } from '../shared/types.ts';
import { OmicsClients } from './client.ts';
import * as errors from './errors.ts';
import * as parse from './parse.ts';
import type { OmicsReferenceImportJobRecord } from './record.ts';

/**
 * AWS HealthOmics `GetReferenceImportJob` through the official `@aws-sdk/client-omics`
 * (SigV4 `omics`, host prefix `control-storage-` unless `options.endpoint` is set).
 * Throws UpstreamError, or InternalError for jobgraph's own failures.
 */
export function createOmicsSource(options: AwsSourceOptions, seams: SourceSeams = {}): JobSource<'AWS_OMICS', OmicsReferenceImportJobRecord> {
  return createSdkSource('AWS_OMICS', new OmicsClients(options, seams), errors, parse, options.observer);
}
