import { CodePipelineClient, GetJobDetailsCommand, type GetJobDetailsCommandOutput } from '@aws-sdk/client-codepipeline';
import type { HttpHandler } from '@smithy/protocol-http';
import type { CodePipelineKey } from '../../globalId.ts';
import { RegionalClients, sdkClientConfig } from '../shared/awsSdk.ts';
import type { AwsSourceOptions } from '../shared/options.ts';

/** Test seam: replace the HTTP layer below the SDK (protocol tests feed golden fixtures this way). */
export interface CodePipelineTransportOverrides {
  requestHandler?: HttpHandler;
}

/**
 * The official SDK client (AWS JSON 1.1, SigV4 `codepipeline`), one long-lived client per
 * region (bounded, see RegionalClients), sharing the provider's keep-alive agents. The SDK signs, serialises and deserialises;
 * nothing here sees the wire.
 */
export class CodePipelineClients extends RegionalClients<CodePipelineClient> {
  constructor(options: AwsSourceOptions, overrides: CodePipelineTransportOverrides = {}) {
    super((region, shared) => new CodePipelineClient(sdkClientConfig(region, options, overrides.requestHandler ?? shared)), options);
  }

  /** One GetJobDetails call; throws whatever the SDK throws (mapped by errors.ts). */
  getJobDetails(key: CodePipelineKey, signal?: AbortSignal): Promise<GetJobDetailsCommandOutput> {
    return this.forRegion(key.region).send(new GetJobDetailsCommand({ jobId: key.jobId }), signal ? { abortSignal: signal } : {});
  }
}
