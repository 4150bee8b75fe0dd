import { CodePipelineClient, GetJobDetailsCommand, type GetJobDetailsCommandOutput } from '@aws-sdk/client-codepipeline';
import type { CodePipelineKey } from '../../globalId.ts';
import { RegionalClients, sdkClientConfig } from '../shared/awsSdk.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { SourceSeams } from '../shared/seams.ts';

/**
 * The official SDK client (AWS JSON 1.1, SigV4 `codepipeline`), one long-lived client per
 * region (bounded, see RegionalClients), sharing the provider's keep-alive agents. The SDK signs, serialises and deserialises;
 * nothing here sees the wire.
 */
export class CodePipelineClients extends RegionalClients<CodePipelineClient> {
  constructor(options: AwsSourceOptions, seams: SourceSeams = {}) {
    super((region, handler) => new CodePipelineClient(sdkClientConfig(region, options, handler)), options, seams);
  }

  /** One GetJobDetails call; throws whatever the SDK throws (mapped by errors.ts). */
  describeJob(key: CodePipelineKey, signal?: AbortSignal): Promise<GetJobDetailsCommandOutput> {
    return this.forRegion(key.region).send(new GetJobDetailsCommand({ jobId: key.jobId }), signal ? { abortSignal: signal } : {});
  }
}
