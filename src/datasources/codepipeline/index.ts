import { CODEPIPELINE_EVENTS } from './events.ts';
import { awsSetup } from '../shared/awsCall.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { Provider } from '../shared/provider.ts';
import { codePipelineWire } from './client.ts';
import { CODEPIPELINE_KEY } from './key.ts';
import type { CodePipelineJobRecord } from './record.ts';
import { codePipelineFailure } from './failureRules.ts';
import { codePipelineFacts } from './facts.ts';

/**
 * AWS CodePipeline jobs (GetJobDetails). It has no job list that only reads (PollForJobs claims
 * work), so `listJobs` reports it NOT_LISTABLE.
 */
export const codePipeline: Provider<'AWS_CODEPIPELINE', CodePipelineJobRecord, AwsSourceOptions> = {
  name: 'AWS_CODEPIPELINE',
  key: CODEPIPELINE_KEY,
  rootField: { name: 'codePipelineJob', defaults: { region: (c) => c.awsRegion } },
  rpcSystem: 'aws-api',
  permissions: ['codepipeline:GetJobDetails'],
  // GetJobDetails has no status at all.
  progress: { fields: [], noStatus: true },
  failure: codePipelineFailure,
  facts: codePipelineFacts,
  // The Sandbox dashboard shows the pipeline context, as its operation has no status.
  dashboardFields: 'pipelineContext { pipelineName stage { name } action { name } }',
  setup: awsSetup((config) => config.endpoints.codepipeline, codePipelineWire),
  events: CODEPIPELINE_EVENTS,
};
