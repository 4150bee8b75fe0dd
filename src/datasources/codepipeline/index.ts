import { createAwsJsonSource } from '../shared/awsCall.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { SourceSeams } from '../shared/seams.ts';
import type { JobSource } from '../shared/types.ts';
import { CODEPIPELINE_SERVICE } from './client.ts';
import * as errors from './errors.ts';
import * as parse from './parse.ts';
import type { CodePipelineJobRecord } from './record.ts';

/**
 * AWS CodePipeline `GetJobDetails` on the one pipeline (shared/source.ts, through shared/awsCall.ts) (SigV4 over keep-alive
 * HTTP, the hand-made retry policy). `options.credentials` undefined means the standard AWS
 * credential chain; `options.endpoint` overrides every region's endpoint. Throws
 * UpstreamError, or InternalError for jobgraph's own failures.
 */
export function createCodePipelineSource(
  options: AwsSourceOptions,
  seams: SourceSeams = {},
): JobSource<'AWS_CODEPIPELINE', CodePipelineJobRecord> {
  return createAwsJsonSource(CODEPIPELINE_SERVICE, errors, parse, options, seams);
}
