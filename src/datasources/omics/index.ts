import { createAwsJsonSource } from '../shared/awsCall.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { SourceSeams } from '../shared/seams.ts';
import type { ProviderSource } from '../shared/source.ts';
import { OMICS_SERVICE } from './client.ts';
import * as errors from './errors.ts';
import * as parse from './parse.ts';
import type { OmicsReferenceImportJobRecord } from './record.ts';

/**
 * AWS HealthOmics `GetReferenceImportJob` on the one pipeline (shared/source.ts, through shared/awsCall.ts). `options.credentials`
 * undefined means the standard AWS credential chain; `options.endpoint` overrides every
 * region's endpoint (without the `control-storage-` host prefix). Throws UpstreamError, or
 * InternalError for jobgraph's own failures.
 */
export function createOmicsSource(
  options: AwsSourceOptions,
  seams: SourceSeams = {},
): ProviderSource<'AWS_OMICS', OmicsReferenceImportJobRecord> {
  return createAwsJsonSource(OMICS_SERVICE, errors, parse, options, seams);
}
