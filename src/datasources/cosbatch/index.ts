import { COSBATCH_ACTIONS } from './actions.ts';
import type { CosSourceOptions } from '../shared/options.ts';
import type { Provider } from '../shared/provider.ts';
import { COSBATCH_KEY } from './key.ts';
import { COSBATCH_LISTING, COSBATCH_VERIFY, COSBATCH_WATCH } from './listing.ts';
import type { CosBatchJobRecord } from './record.ts';
import { COSBATCH_SETUP } from './setup.ts';
import { cosBatchFailure } from './failureRules.ts';
import { cosBatchFacts } from './facts.ts';

/**
 * Tencent COS Batch jobs (DescribeJob), signed with the Tencent Cloud keys, on the account's
 * control host.
 */
export const cosBatch: Provider<'TENCENT_COS_BATCH', CosBatchJobRecord, CosSourceOptions> = {
  name: 'TENCENT_COS_BATCH',
  key: COSBATCH_KEY,
  rootField: {
    name: 'cosBatchJob',
    // The account is the configured one: the field has no `uin` argument.
    defaults: { region: (c) => c.tencent.region, uin: (c) => c.tencent.uin },
    unconfigured: 'the COS account UIN (COS_UIN)',
  },
  rpcSystem: 'tencentcloud-api',
  permissions: [
    'name/cos:DescribeJob',
    'name/cos:ListJobs',
    'name/cos:UpdateJobStatus',
    'name/cos:CreateJob',
  ],
  // The task counts.
  progress: { fields: ['progressSummary'] },
  failure: cosBatchFailure,
  facts: cosBatchFacts,
  // The Sandbox dashboard shows its priority, task counts and failure reasons.
  dashboardFields:
    'priority progressSummary { totalNumberOfTasks numberOfTasksSucceeded numberOfTasksFailed } failureReasons { failureCode failureReason }',
  setup: COSBATCH_SETUP,
  list: COSBATCH_LISTING,
  watch: COSBATCH_WATCH,
  verify: COSBATCH_VERIFY,
  actions: COSBATCH_ACTIONS,
};
