import type { CodePipelineKey } from '../../globalId.ts';
import { describeWithSdk } from '../shared/awsSdk.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { JobSource } from '../shared/types.ts';
import { CodePipelineClients, type CodePipelineTransportOverrides } from './client.ts';
import { toUpstreamError } from './errors.ts';
import { parseGetJobDetailsOutput } from './parse.ts';
import type { CodePipelineJobRecord } from './record.ts';

export { CODEPIPELINE_STATE_MAP } from './record.ts';
export type * from './record.ts';
export { CODEPIPELINE_NOT_FOUND_CODES, CODEPIPELINE_NOT_THROTTLE_CODES } from './errors.ts';
export type { CodePipelineTransportOverrides } from './client.ts';

/**
 * AWS CodePipeline `GetJobDetails` as a JobSource. `options.credentials` undefined means the
 * standard AWS credential chain; `options.endpoint` overrides every region's endpoint.
 * `overrides` is a test seam for the SDK's HTTP layer.
 */
export function createCodePipelineSource(
  options: AwsSourceOptions,
  overrides: CodePipelineTransportOverrides = {},
): JobSource<'AWS_CODEPIPELINE', CodePipelineJobRecord> {
  const clients = new CodePipelineClients(options, overrides);
  return {
    provider: 'AWS_CODEPIPELINE',
    fetchJob(key: CodePipelineKey, opts?: { signal?: AbortSignal }): Promise<CodePipelineJobRecord> {
      return describeWithSdk(
        'AWS_CODEPIPELINE',
        () => clients.getJobDetails(key, opts?.signal),
        (err) => toUpstreamError(err, key),
        (output) => parseGetJobDetailsOutput(output, key),
      );
    },
    close: () => clients.close(),
    clientCount: () => clients.size,
  };
}
