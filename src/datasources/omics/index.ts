import { GetReferenceImportJobCommand } from '@aws-sdk/client-omics';
import type { HttpHandler } from '@smithy/protocol-http';
import type { OmicsKey } from '../../globalId.ts';
import { describeWithSdk } from '../shared/awsSdk.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { JobSource } from '../shared/types.ts';
import { OmicsClients } from './client.ts';
import { mapOmicsError } from './errors.ts';
import { parseReferenceImportJob, type OmicsReferenceImportJobRecord } from './parse.ts';

export {
  OMICS_JOB_STATUSES,
  OMICS_SOURCE_STATUSES,
  OMICS_STATE_MAP,
  parseReferenceImportJob,
  type OmicsImportReferenceSource,
  type OmicsReferenceImportJobRecord,
  type OmicsReferenceImportJobStatus,
  type OmicsReferenceImportSourceStatus,
} from './parse.ts';
export { OMICS_NOT_FOUND_CODES, OMICS_TRANSIENT_CODES, mapOmicsError } from './errors.ts';

/** Test seams; production code passes none. */
export interface OmicsSourceOverrides {
  /** Replaces the keep-alive Node HTTP handler of every regional client. */
  requestHandler?: HttpHandler;
}

/**
 * AWS HealthOmics `GetReferenceImportJob` through the official `@aws-sdk/client-omics`
 * (SigV4 `omics`, host prefix `control-storage-` unless `options.endpoint` is set).
 * Throws UpstreamError only.
 */
export function createOmicsSource(
  options: AwsSourceOptions,
  overrides: OmicsSourceOverrides = {},
): JobSource<'AWS_OMICS', OmicsReferenceImportJobRecord> {
  const clients = new OmicsClients(options, overrides.requestHandler);
  return {
    provider: 'AWS_OMICS',
    fetchJob(key: OmicsKey, opts?: { signal?: AbortSignal }): Promise<OmicsReferenceImportJobRecord> {
      return describeWithSdk(
        'AWS_OMICS',
        () =>
          clients
            .forRegion(key.region)
            .send(new GetReferenceImportJobCommand({ referenceStoreId: key.referenceStoreId, id: key.id }), opts?.signal ? { abortSignal: opts.signal } : {}),
        (err) => mapOmicsError(err, key),
        (output) => parseReferenceImportJob(key, output),
      );
    },
    close() {
      clients.close();
    },
    clientCount: () => clients.size,
  };
}
