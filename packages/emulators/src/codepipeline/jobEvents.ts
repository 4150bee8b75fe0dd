import { eventBridgeEvent, type EventBridgeEvent } from '../eventBridge.ts';
import { isoMillis } from '../progress.ts';
import type { WireJobDetails } from './data.ts';

/**
 * CodePipeline's `CodePipeline Action Execution State Change` event of the action a job works
 * for, in `state`: the pipeline, its execution, the action execution (`action-execution-id`, the
 * job's `data.pipelineContext.action.actionExecutionId`, the only way from the event to the job),
 * stage, action, the action type and the pipeline's version. There is no event per job.
 */
export function codePipelineActionEvent(
  job: WireJobDetails,
  state: 'STARTED' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'ABANDONED',
  region: string,
  startMs: number,
  timeMs: number,
): EventBridgeEvent | null {
  const context = job.data?.pipelineContext;
  const type = job.data?.actionTypeId;
  if (!context?.pipelineName || !context.action?.actionExecutionId || !type || !job.accountId)
    return null;
  return eventBridgeEvent({
    source: 'aws.codepipeline',
    detailType: 'CodePipeline Action Execution State Change',
    account: job.accountId,
    region,
    timeMs,
    resources: context.pipelineArn ? [context.pipelineArn] : [],
    detail: {
      pipeline: context.pipelineName,
      'execution-id': context.pipelineExecutionId,
      'action-execution-id': context.action.actionExecutionId,
      stage: context.stage?.name,
      action: context.action.name,
      'start-time': isoMillis(startMs),
      state,
      region,
      type: {
        owner: type.owner,
        provider: type.provider,
        category: type.category,
        version: type.version,
      },
      version: 1,
    },
  });
}
