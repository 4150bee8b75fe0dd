import { GetReferenceImportJobCommand, OmicsClient, type GetReferenceImportJobCommandOutput } from '@aws-sdk/client-omics';
import type { OmicsKey } from '../../globalId.ts';
import { RegionalClients, sdkClientConfig } from '../shared/awsSdk.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { SourceSeams } from '../shared/seams.ts';

/**
 * Long-lived `OmicsClient`s, one per region (bounded, see RegionalClients), sharing the provider's keep-alive agents.
 *
 * Host prefix: GetReferenceImportJob carries the endpoint trait `control-storage-`, so
 * without an override requests go to `control-storage-omics.{region}.amazonaws.com`. With an
 * endpoint override (AWS_ENDPOINT_URL_OMICS) the SDK would still prepend the prefix and
 * produce a host such as `control-storage-127.0.0.1`; an override is used as given (README,
 * "Configuration"), so `disableHostPrefix` is set whenever `endpoint` is.
 */
export class OmicsClients extends RegionalClients<OmicsClient> {
  constructor(options: AwsSourceOptions, seams: SourceSeams = {}) {
    super(
      (region, handler) =>
        new OmicsClient({
          ...sdkClientConfig(region, options, handler),
          ...(options.endpoint !== undefined ? { disableHostPrefix: true } : {}),
        }),
      options,
      seams,
    );
  }

  /** One GetReferenceImportJob call; throws whatever the SDK throws (mapped by errors.ts). */
  describeJob(key: OmicsKey, signal?: AbortSignal): Promise<GetReferenceImportJobCommandOutput> {
    return this.forRegion(key.region).send(
      new GetReferenceImportJobCommand({ referenceStoreId: key.referenceStoreId, id: key.id }),
      signal ? { abortSignal: signal } : {},
    );
  }
}
