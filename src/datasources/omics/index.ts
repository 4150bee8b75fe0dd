import { createSdkSource } from '../shared/awsSdk.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { SourceSeams } from '../shared/seams.ts';
import type { JobSource } from '../shared/types.ts';
import { OmicsClients } from './client.ts';
import { toUpstreamError } from './errors.ts';
import { parse } from './parse.ts';
import type { OmicsReferenceImportJobRecord } from './record.ts';

/**
 * AWS HealthOmics `GetReferenceImportJob` through the official `@aws-sdk/client-omics`
 * (SigV4 `omics`, host prefix `control-storage-` unless `options.endpoint` is set).
 * Throws UpstreamError, or InternalError for jobgraph's own failures.
 */
export function createOmicsSource(options: AwsSourceOptions, seams: SourceSeams = {}): JobSource<'AWS_OMICS', OmicsReferenceImportJobRecord> {
  return createSdkSource({
    provider: 'AWS_OMICS',
    clients: new OmicsClients(options, seams),
    // Through the module bindings at call time, so a test's spy on errors.ts or parse.ts sees the call.
    toUpstreamError: (key, err) => toUpstreamError(key, err),
    parse: (key, output) => parse(key, output),
  });
}
