import { evaluateFailure, failureRules, type JobFailure } from '../../model/failure.ts';
import { codePipelineFacts } from './facts.ts';
import type { CodePipelineJobRecord } from './record.ts';

/**
 * CodePipeline's job workers report failure details (PutJobFailureResult) that GetJobDetails
 * never returns, and its jobs carry no status (state UNKNOWN): nothing to read a failure from,
 * so a CodePipeline job's failure is always null.
 */
const CODEPIPELINE_FAILURE_RULES = failureRules('codepipeline-2026.11.1', []);

/** A CodePipeline job's failure (`Provider.failure`): null while its state is never FAILED. */
export function codePipelineFailure(record: CodePipelineJobRecord): JobFailure | null {
  return evaluateFailure(
    CODEPIPELINE_FAILURE_RULES,
    record.state,
    codePipelineFacts(record).evidence,
  );
}
