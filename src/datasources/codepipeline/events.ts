import { MalformedBodyError } from '../../errors.ts';
import type { JobRecord } from '../../model/job.ts';
import { boundFields } from '../shared/eventFields.ts';
import { str } from '../shared/json.ts';
import type { ProviderEvents } from '../shared/provider.ts';
import type { CodePipelineJobRecord } from './record.ts';

/**
 * CodePipeline's `CodePipeline Action Execution State Change` events (best effort): there is no
 * event per job; a custom action's job is the watched job whose `actionExecutionId` is the event's
 * `action-execution-id`, and the event is a hint to read that job again once.
 */
/**
 * An action execution ID is a UUID (36 characters) in every GetJobDetails answer and event AWS
 * documents; 128 leaves room for another form, not for a body's worth in the join (ledger.ts).
 */
const CODEPIPELINE_FIELD_BOUNDS = { 'action-execution-id': 128 };

export const CODEPIPELINE_EVENTS: ProviderEvents<'AWS_CODEPIPELINE'> = {
  source: 'aws.codepipeline',
  detailTypes: ['CodePipeline Action Execution State Change'],
  // The CodePipeline guide says at least once; reference/events.md treats it as best effort.
  delivery: 'best-effort',
  carries: [],
  read(detail) {
    boundFields(detail, CODEPIPELINE_FIELD_BOUNDS);
    const ref = str(detail['action-execution-id'], 'detail.action-execution-id');
    if (ref === null) throw new MalformedBodyError('detail.action-execution-id is missing');
    return { kind: 'ref', ref };
  },
  ref: (record: JobRecord) =>
    (record as CodePipelineJobRecord).pipelineContext?.action?.actionExecutionId ?? null,
};
