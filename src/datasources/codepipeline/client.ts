import type { CodePipelineKey } from '../../model/keys.ts';
import { awsJsonWire } from '../shared/awsCall.ts';
import * as errors from './errors.ts';
import * as parse from './parse.ts';
import type { CodePipelineJobRecord } from './record.ts';

/** The awsJson1_1 target of GetJobDetails (service shape `CodePipeline_20150709`). */
const GET_JOB_DETAILS_TARGET = 'CodePipeline_20150709.GetJobDetails';

/**
 * AWS CodePipeline on the wire: GetJobDetails, AWS JSON 1.1 `POST /` with `X-Amz-Target`, SigV4
 * `codepipeline`, regional endpoint `codepipeline.{region}.{dnsSuffix}` (or `options.endpoint`),
 * through the one pipeline (shared/source.ts, shared/awsCall.ts); `options.credentials` undefined
 * means the standard AWS credential chain. The protocol tests check each fixture against the real
 * SDK deserialiser.
 */
export const codePipelineWire = awsJsonWire<CodePipelineKey, CodePipelineJobRecord>(
  {
    name: 'GetJobDetails',
    request: (key) => ({
      method: 'POST',
      path: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': GET_JOB_DETAILS_TARGET,
      },
      body: JSON.stringify({ jobId: key.jobId }),
    }),
  },
  errors,
  parse,
  { signingName: 'codepipeline', endpoint: { prefix: 'codepipeline' } },
);
