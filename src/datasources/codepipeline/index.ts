import { createSdkSource } from '../shared/awsSdk.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { SourceSeams } from '../shared/seams.ts';
import type { JobSource } from '../shared/types.ts';
import { CodePipelineClients } from './client.ts';
import { toUpstreamError } from './errors.ts';
import { parse } from './parse.ts';
import type { CodePipelineJobRecord } from './record.ts';

/**
 * AWS CodePipeline `GetJobDetails` through the official `@aws-sdk/client-codepipeline`.
 * `options.credentials` undefined means the standard AWS credential chain; `options.endpoint`
 * overrides every region's endpoint. Throws UpstreamError, or InternalError for jobgraph's own failures.
 */
export function createCodePipelineSource(options: AwsSourceOptions, seams: SourceSeams = {}): JobSource<'AWS_CODEPIPELINE', CodePipelineJobRecord> {
  return createSdkSource({
    provider: 'AWS_CODEPIPELINE',
    clients: new CodePipelineClients(options, seams),
    // Through the module bindings at call time, so a test's spy on errors.ts or parse.ts sees the call.
    toUpstreamError: (key, err) => toUpstreamError(key, err),
    parse: (key, output) => parse(key, output),
  });
}
