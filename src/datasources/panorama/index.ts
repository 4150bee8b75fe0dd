import { createAwsJsonSource } from '../shared/awsCall.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { SourceSeams } from '../shared/seams.ts';
import type { ProviderSource } from '../shared/source.ts';
import { PANORAMA_SERVICE } from './client.ts';
import * as errors from './errors.ts';
import * as parse from './parse.ts';
import type { PanoramaPackageImportJobRecord } from './record.ts';

/**
 * AWS Panorama `DescribePackageImportJob` on the one pipeline (shared/source.ts, through shared/awsCall.ts). `options.credentials`
 * undefined means the standard AWS credential chain; `options.endpoint` overrides every
 * region's endpoint. Throws UpstreamError, or InternalError for jobgraph's own failures.
 */
export function createPanoramaSource(
  options: AwsSourceOptions,
  seams: SourceSeams = {},
): ProviderSource<'AWS_PANORAMA', PanoramaPackageImportJobRecord> {
  return createAwsJsonSource(PANORAMA_SERVICE, errors, parse, options, seams);
}
