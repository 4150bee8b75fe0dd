import type { CodePipelineKey } from '../../model/globalId.ts';
import { awsJsonOperation, awsWire } from '../shared/awsCall.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { ProviderWire } from '../shared/source.ts';
import { toUpstreamError } from './errors.ts';
import { parse } from './parse.ts';
import type { CodePipelineJobRecord } from './record.ts';

/** The awsJson1_1 target of GetJobDetails (service shape `CodePipeline_20150709`). */
export const GET_JOB_DETAILS_TARGET = 'CodePipeline_20150709.GetJobDetails';

/**
 * GetJobDetails on the wire: AWS JSON 1.1, `POST /` with `X-Amz-Target`; the protocol tests check
 * each fixture against the real SDK deserialiser.
 */
export const GET_JOB_DETAILS = awsJsonOperation<CodePipelineKey, CodePipelineJobRecord>({
  name: 'GetJobDetails',
  send: (key) => ({
    method: 'POST',
    path: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': GET_JOB_DETAILS_TARGET,
    },
    body: JSON.stringify({ jobId: key.jobId }),
  }),
  readError: toUpstreamError,
  parse,
});

/**
 * AWS CodePipeline on the wire: SigV4 `codepipeline`, regional endpoint
 * `codepipeline.{region}.{dnsSuffix}` (or `options.endpoint`), through the one pipeline
 * (shared/source.ts, shared/awsCall.ts). `options.credentials` undefined means the standard AWS
 * credential chain.
 */
export function codePipelineWire(
  options: AwsSourceOptions,
): ProviderWire<CodePipelineKey, CodePipelineJobRecord, unknown> {
  return awsWire(
    GET_JOB_DETAILS,
    { signingName: 'codepipeline', endpoint: { prefix: 'codepipeline' } },
    options,
  );
}
