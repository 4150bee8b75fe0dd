import { OMICS_EVENTS } from './events.ts';
import { awsSetup } from '../shared/awsCall.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { Provider } from '../shared/provider.ts';
import { omicsWire } from './client.ts';
import { OMICS_KEY } from './key.ts';
import { OMICS_LISTING } from './listing.ts';
import type { OmicsReferenceImportJobRecord } from './record.ts';
import { omicsFailure } from './failureRules.ts';
import { omicsFacts } from './facts.ts';
// Run batches (issue 102).
import { omicsRunBatch } from './runBatch/index.ts';
import { omicsRun } from './run/index.ts';

/**
 * AWS HealthOmics reference import jobs (GetReferenceImportJob), listed per reference store. Not
 * watched through its list: an item carries its status only, no status message and no per-source
 * progress, so a source finishing while the job stays IN_PROGRESS would be missed.
 */
export const omics: Provider<'AWS_OMICS', OmicsReferenceImportJobRecord, AwsSourceOptions> = {
  name: 'AWS_OMICS',
  key: OMICS_KEY,
  kinds: [
    // Workflow runs (omics/run).
    omicsRun,
    // Run batches (omics/runBatch).
    omicsRunBatch,
  ],
  rootField: { name: 'omicsReferenceImportJob', defaults: { region: (c) => c.awsRegion } },
  rpcSystem: 'aws-api',
  permissions: [
    'omics:GetReferenceImportJob',
    'omics:ListReferenceImportJobs',
    'omics:ListReferenceStores',
    // Run batches.
    'omics:GetBatch',
    'omics:ListBatch',
    'omics:ListRunsInBatch',
    'omics:CancelRunBatch',
    // Workflow runs (omics/run): GetRun, ListRuns, their tasks (`OmicsRun.tasks`); CancelRun acts
    // (docs/iam/jobgraph-write.json).
    'omics:GetRun',
    'omics:ListRuns',
    'omics:ListRunTasks',
    'omics:GetRunTask',
    'omics:CancelRun',
    // Reruns (omics/run/rerun.ts): StartRun acts; it passes the run's role (iam:PassRole, docs/accounts.md).
    'omics:StartRun',
  ],
  // Each source file's status.
  progress: { fields: ['sources'] },
  failure: omicsFailure,
  facts: omicsFacts,
  // The Sandbox dashboard shows its store and each source file.
  dashboardFields: 'referenceStoreId sources { sourceFile status statusMessage referenceId }',
  setup: awsSetup((config) => config.endpoints.omics, omicsWire),
  list: OMICS_LISTING,
  events: OMICS_EVENTS,
};
