import { describe, expect, it } from 'vitest';
import {
  BATCH_SECOND_ACCOUNT_JOB_IDS,
  BATCH_SECOND_ACCOUNT_QUEUES,
  batchSecondAccountJobs,
} from '@jobgraph/emulators/batch/secondAccount';
import {
  CODEPIPELINE_SECOND_ACCOUNT_JOB_IDS,
  CODEPIPELINE_SECOND_ACCOUNT_JOBS,
  CODEPIPELINE_SECOND_ACCOUNT_SECRET_VALUES,
} from '@jobgraph/emulators/codepipeline/secondAccount';
import {
  COS_SECOND_ACCOUNT_JOB_IDS,
  cosSecondAccountJobs,
} from '@jobgraph/emulators/cosbatch/secondAccount';
import {
  IMPORTEXPORT_SECOND_ACCOUNT_JOB_IDS,
  importExportSecondAccountJobs,
} from '@jobgraph/emulators/importexport/secondAccount';
import { exampleSecondAccountJobs, listedDemoJobs } from '@jobgraph/emulators';
import {
  OMICS_SECOND_ACCOUNT_JOB_IDS,
  OMICS_SECOND_ACCOUNT_STORE_IDS,
  OMICS_SECOND_ACCOUNT_STORES,
  omicsSecondAccountJobs,
} from '@jobgraph/emulators/omics/secondAccount';
import {
  PANORAMA_SECOND_ACCOUNT_JOB_IDS,
  PANORAMA_SECOND_ACCOUNT_REGION,
  panoramaSecondAccountJobs,
} from '@jobgraph/emulators/panorama/secondAccount';

/**
 * Everything the emulators serve for the demo's second account (IDs, states, every wire
 * member, times from a fixed start), held to a file: the second accounts' data may change form
 * (tables through one generator), never content, unless the snapshot is updated on purpose.
 */
const ANCHOR_MS = Date.UTC(2026, 10, 25, 9, 30, 0, 123);

describe("the second account's data", () => {
  it('serves the same IDs, states and fields per provider', async () => {
    const served = {
      panorama: {
        ids: PANORAMA_SECOND_ACCOUNT_JOB_IDS,
        region: PANORAMA_SECOND_ACCOUNT_REGION,
        jobs: panoramaSecondAccountJobs(ANCHOR_MS),
      },
      omics: {
        ids: OMICS_SECOND_ACCOUNT_JOB_IDS,
        storeIds: OMICS_SECOND_ACCOUNT_STORE_IDS,
        stores: OMICS_SECOND_ACCOUNT_STORES,
        jobs: omicsSecondAccountJobs(ANCHOR_MS),
      },
      cosbatch: { ids: COS_SECOND_ACCOUNT_JOB_IDS, jobs: cosSecondAccountJobs(ANCHOR_MS) },
      importexport: {
        ids: IMPORTEXPORT_SECOND_ACCOUNT_JOB_IDS,
        jobs: importExportSecondAccountJobs(ANCHOR_MS),
      },
      codepipeline: {
        ids: CODEPIPELINE_SECOND_ACCOUNT_JOB_IDS,
        jobs: [...CODEPIPELINE_SECOND_ACCOUNT_JOBS],
        secretValues: CODEPIPELINE_SECOND_ACCOUNT_SECRET_VALUES,
      },
      batch: {
        ids: BATCH_SECOND_ACCOUNT_JOB_IDS,
        queues: BATCH_SECOND_ACCOUNT_QUEUES,
        jobs: batchSecondAccountJobs(ANCHOR_MS),
      },
      listed: listedDemoJobs(ANCHOR_MS, { account: 'staging' }),
      examples: exampleSecondAccountJobs(),
    };
    expect(served.panorama.jobs).toHaveLength(5);
    await expect(`${JSON.stringify(served, null, 2)}\n`).toMatchFileSnapshot(
      './snapshots/secondAccountData.json',
    );
  });
});
