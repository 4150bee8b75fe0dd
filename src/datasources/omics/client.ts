import { OmicsClient } from '@aws-sdk/client-omics';
import type { HttpHandler } from '@smithy/protocol-http';
import { RegionalClients, sdkClientConfig } from '../shared/awsSdk.ts';
import type { AwsSourceOptions } from '../shared/options.ts';

/**
 * Long-lived `OmicsClient`s, one per region (bounded, see RegionalClients), sharing the provider's keep-alive agents.
 *
 * Host prefix: GetReferenceImportJob carries the endpoint trait `control-storage-`, so
 * without an override requests go to `control-storage-omics.{region}.amazonaws.com`. With an
 * endpoint override (AWS_ENDPOINT_URL_OMICS) the SDK would still prepend the prefix and
 * produce a host such as `control-storage-127.0.0.1`; DESIGN.md says an override is used as
 * given, so `disableHostPrefix` is set whenever `endpoint` is.
 */
export class OmicsClients extends RegionalClients<OmicsClient> {
  /** `requestHandler` replaces the keep-alive Node handler (tests feed fixtures through it). */
  constructor(options: AwsSourceOptions, requestHandler?: HttpHandler) {
    super(
      (region, shared) =>
        new OmicsClient({
          ...sdkClientConfig(region, options, requestHandler ?? shared),
          ...(options.endpoint !== undefined ? { disableHostPrefix: true } : {}),
        }),
      options,
    );
  }
}
