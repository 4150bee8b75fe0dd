import { awsKind } from '../../shared/awsKind.ts';
import { OMICS_RUN_ACTIONS } from './actions.ts';
import { omicsRunFacts } from './facts.ts';
import { omicsRunFailure } from './failure.ts';
import { OMICS_RUN_KEY } from './key.ts';
import { OMICS_RUN_LOGS } from './logs.ts';
import type { OmicsRunRecord } from './record.ts';
import { tasksOfRun } from './tasks.ts';

/**
 * HealthOmics workflow runs (GetRun), the service's main workload: a kind of the AWS_OMICS
 * provider (`Provider.kinds`), on its wire (`kinds.run`, client.ts), accounts and rate budget;
 * its tasks read on demand (`OmicsRun.tasks`: ListRunTasks, GetRunTask), its engine's and each
 * task's log lines (`logTail(task:)`).
 */
export const omicsRun = awsKind<'AWS_OMICS', OmicsRunRecord>(OMICS_RUN_KEY, 'omicsRun', {
  // A run's progress is its status (and its tasks', read on demand): nothing more to compare.
  progress: { fields: [] },
  failure: omicsRunFailure,
  facts: omicsRunFacts,
  // The Sandbox dashboard shows its workflow and run group.
  dashboardFields: 'workflowId workflowVersionName runGroupId failureReason',
  actions: OMICS_RUN_ACTIONS,
  logs: OMICS_RUN_LOGS,
  fields: { tasks: tasksOfRun },
});
