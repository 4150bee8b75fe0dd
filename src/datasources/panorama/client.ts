import { DescribePackageImportJobCommand, PanoramaClient, type DescribePackageImportJobCommandOutput } from '@aws-sdk/client-panorama';
import type { PanoramaKey } from '../../globalId.ts';
import { RegionalClients, sdkClientConfig } from '../shared/awsSdk.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { SourceSeams } from '../shared/seams.ts';

/**
 * Long-lived `PanoramaClient`s (rest-json, SigV4 `panorama`), one per region (bounded, see
 * RegionalClients), sharing the provider's keep-alive agents capped at `options.maxSockets`.
 *
 * `@aws-sdk/client-panorama` gets no more releases (the client was removed from the SDK
 * repository on 2026-06-30, after the service's end of support on 2026-05-31); the last
 * published version still speaks the documented protocol, which is all this needs.
 * Per-attempt timeout: `options.timeoutMs` for connecting and for the whole exchange;
 * retries (throttling, 5xx, timeouts, honouring `Retry-After`) are the SDK's standard
 * strategy with `options.maxAttempts`.
 */
export class PanoramaClients extends RegionalClients<PanoramaClient> {
  constructor(options: AwsSourceOptions, seams: SourceSeams = {}) {
    super((region, handler) => new PanoramaClient(sdkClientConfig(region, options, handler)), options, seams);
  }

  /** One DescribePackageImportJob call (`GET /packages/import-jobs/{JobId}`); throws whatever the SDK throws (mapped by errors.ts). */
  describeJob(key: PanoramaKey, signal?: AbortSignal): Promise<DescribePackageImportJobCommandOutput> {
    return this.forRegion(key.region).send(new DescribePackageImportJobCommand({ JobId: key.jobId }), signal ? { abortSignal: signal } : {});
  }
}
