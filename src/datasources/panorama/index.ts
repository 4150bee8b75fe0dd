import { DescribePackageImportJobCommand } from '@aws-sdk/client-panorama';
import type { HttpHandler } from '@smithy/protocol-http';
import type { PanoramaKey } from '../../globalId.ts';
import { describeWithSdk } from '../shared/awsSdk.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { JobSource } from '../shared/types.ts';
import { PanoramaClients } from './client.ts';
import { mapPanoramaError } from './errors.ts';
import { parsePackageImportJob, type PanoramaPackageImportJobRecord } from './parse.ts';

export {
  PANORAMA_JOB_RESOURCE_TYPES,
  PANORAMA_PACKAGE_IMPORT_JOB_STATUSES,
  PANORAMA_PACKAGE_IMPORT_JOB_TYPES,
  PANORAMA_STATE_MAP,
  parsePackageImportJob,
  type PanoramaJobResourceTags,
  type PanoramaJobResourceType,
  type PanoramaOutputS3Location,
  type PanoramaPackageImportJobInputConfig,
  type PanoramaPackageImportJobOutput,
  type PanoramaPackageImportJobOutputConfig,
  type PanoramaPackageImportJobRecord,
  type PanoramaPackageImportJobStatus,
  type PanoramaPackageImportJobType,
  type PanoramaPackageVersionInputConfig,
  type PanoramaPackageVersionOutputConfig,
  type PanoramaS3Location,
} from './parse.ts';
export { PANORAMA_END_OF_SUPPORT_NOTE, PANORAMA_NOT_FOUND_CODES, mapPanoramaError, panoramaSubject } from './errors.ts';

/** The record of a Panorama job (alias following the `<Name>JobRecord` naming). */
export type PanoramaJobRecord = PanoramaPackageImportJobRecord;

/** Test seams; production code passes none. */
export interface PanoramaSourceOverrides {
  /** Replaces the keep-alive Node HTTP handler of every regional client. */
  requestHandler?: HttpHandler;
}

/**
 * AWS Panorama `DescribePackageImportJob` (`GET /packages/import-jobs/{JobId}`) through the
 * official `@aws-sdk/client-panorama`, one client per region. The service reached end of
 * support on 2026-05-31: an endpoint that no longer answers is UPSTREAM_UNAVAILABLE with a
 * message saying so. Throws UpstreamError only.
 */
export function createPanoramaSource(
  options: AwsSourceOptions,
  overrides: PanoramaSourceOverrides = {},
): JobSource<'AWS_PANORAMA', PanoramaPackageImportJobRecord> {
  const clients = new PanoramaClients(options, overrides.requestHandler);
  return {
    provider: 'AWS_PANORAMA',
    fetchJob(key: PanoramaKey, opts?: { signal?: AbortSignal }): Promise<PanoramaPackageImportJobRecord> {
      return describeWithSdk(
        'AWS_PANORAMA',
        () => clients.forRegion(key.region).send(new DescribePackageImportJobCommand({ JobId: key.jobId }), opts?.signal ? { abortSignal: opts.signal } : {}),
        (err) => mapPanoramaError(err, key),
        (output) => parsePackageImportJob(key, output),
      );
    },
    close() {
      clients.close();
    },
    clientCount: () => clients.size,
  };
}
