import { createSdkSource } from '../shared/awsSdk.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { SourceSeams } from '../shared/seams.ts';
import type { JobSource } from '../shared/types.ts';
import { PanoramaClients } from './client.ts';
import * as errors from './errors.ts';
import * as parse from './parse.ts';
import type { PanoramaPackageImportJobRecord } from './record.ts';

/**
 * AWS Panorama `DescribePackageImportJob` (`GET /packages/import-jobs/{JobId}`) through the
 * official `@aws-sdk/client-panorama`, one client per region. The service reached end of
 * support on 2026-05-31: an endpoint that no longer answers is UPSTREAM_UNAVAILABLE with a
 * message saying so. Throws UpstreamError, or InternalError for jobgraph's own failures.
 */
export function createPanoramaSource(options: AwsSourceOptions, seams: SourceSeams = {}): JobSource<'AWS_PANORAMA', PanoramaPackageImportJobRecord> {
  return createSdkSource('AWS_PANORAMA', new PanoramaClients(options, seams), errors, parse, options.observer);
}
