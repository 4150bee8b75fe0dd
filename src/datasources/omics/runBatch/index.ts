import { awsKind } from '../../shared/awsKind.ts';
import { OMICS_RUN_BATCH_ACTIONS } from './actions.ts';
import { omicsRunBatchFacts } from './facts.ts';
import { omicsRunBatchFailure } from './failureRules.ts';
import { OMICS_RUN_BATCH_KEY } from './key.ts';
import type { OmicsRunBatchRecord } from './record.ts';
import { runsOfBatch } from './runs.ts';

/**
 * HealthOmics run batches (StartRunBatch, 2026-03-20), kind `runBatch` of AWS_OMICS: GetBatch,
 * its runs by ListRunsInBatch (`OmicsRunBatch.runs`), listed by ListBatch, cancelled by
 * CancelRunBatch. HealthOmics publishes no event of a batch: a watched batch is polled, and its
 * counts by state are what a watcher sees move.
 */
export const omicsRunBatch = awsKind<'AWS_OMICS', OmicsRunBatchRecord>(
  OMICS_RUN_BATCH_KEY,
  'omicsRunBatch',
  {
    // Its runs by status and its submissions by outcome.
    progress: { fields: ['runSummary', 'submissionSummary', 'totalRuns'] },
    failure: omicsRunBatchFailure,
    facts: omicsRunBatchFacts,
    dashboardFields:
      'totalRuns runSummary { pendingRunCount startingRunCount runningRunCount completedRunCount failedRunCount cancelledRunCount }',
    actions: OMICS_RUN_BATCH_ACTIONS,
    fields: { runs: runsOfBatch },
  },
);
