import type { CodePipelineKey } from '../../model/globalId.ts';
import type { AwsJsonService } from '../shared/awsCall.ts';

/** The awsJson1_1 target of GetJobDetails (service shape `CodePipeline_20150709`). */
export const GET_JOB_DETAILS_TARGET = 'CodePipeline_20150709.GetJobDetails';

/**
 * GetJobDetails on the wire: AWS JSON 1.1, `POST /` with `X-Amz-Target`, SigV4 `codepipeline`,
 * regional endpoint `codepipeline.{region}.{dnsSuffix}`. Sent through the one pipeline
 * (shared/awsCall.ts); the protocol tests check each fixture against the real SDK deserialiser.
 */
export const CODEPIPELINE_SERVICE: AwsJsonService<'AWS_CODEPIPELINE'> = {
  provider: 'AWS_CODEPIPELINE',
  operation: 'GetJobDetails',
  signingName: 'codepipeline',
  endpointPrefix: 'codepipeline',
  request: (key: CodePipelineKey) => ({
    method: 'POST',
    path: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': GET_JOB_DETAILS_TARGET,
    },
    body: JSON.stringify({ jobId: key.jobId }),
  }),
};
