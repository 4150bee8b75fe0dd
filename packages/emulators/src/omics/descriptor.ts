import type { EmulatorDescriptor } from '../descriptor.ts';
import { awsEmulator, cycleJobIds, isoOf, listedEntries, madeUpIds } from '../descriptor.ts';
import { bigAccountJobs } from '../listing.ts';
import * as data from './data.ts';
import { createOmicsEmulator } from './emulator.ts';
import { OMICS_BIG_ACCOUNT, OMICS_REFERENCE_STORES, omicsListedJobs } from './listData.ts';
import { OMICS_PROGRESS_PHASES, OMICS_PROGRESSING_RUNS } from './progressing.ts';
import { omicsDemoBatchesAt, omicsDemoRunsAt } from './runBatchData.ts';
import {
  OMICS_SECOND_ACCOUNT_JOB_IDS,
  OMICS_SECOND_ACCOUNT_STORE_IDS,
  omicsSecondAccountJobs,
} from './secondAccount.ts';

const region = data.OMICS_DEMO_REGION;
/** The global ID prefix of the main store's jobs, where the progressing job runs. */
const mainStore = `omics:${region}:${data.OMICS_DEMO_REFERENCE_STORE_ID}:`;
const summaries = (jobs: readonly data.WireOmicsJob[]) =>
  jobs.map((j) => ({
    globalId: `omics:${region}:${j.referenceStoreId}:${j.id}`,
    createdAt: isoOf(j.creationTime),
    providerStatus: j.status,
  }));

/**
 * The default account's run batches as ListBatch shows them in the demo region (runBatches.ts:
 * the same whatever the account's reference import jobs, none in another account).
 */
const batchSummaries = (anchorMs: number) =>
  omicsDemoBatchesAt(anchorMs).map((b) => ({
    globalId: `omicsbatch:${region}:${b.id}`,
    createdAt: isoOf(b.creationTime),
    providerStatus: b.status,
  }));

/**
 * The default account's workflow runs as listJobs names them in the demo region (runs.ts and the
 * run batch's, runBatchData.ts: ListRuns lists both; none in another account), each by its uuid.
 */
const runSummaries = (anchorMs: number) =>
  omicsDemoRunsAt(anchorMs).map((r) => ({
    globalId: `omicsrun:${region}:${r.uuid}:${r.id}`,
    createdAt: isoOf(r.creationTime),
    providerStatus: r.status,
  }));

/** AWS HealthOmics' emulator: the reference import jobs of the demo region's reference stores. */
export const omicsEmulator = {
  ...awsEmulator('omics', 'AWS HealthOmics', 2),
  data,
  // A new import job each cycle, as each StartReferenceImportJob is (progressing.ts).
  progressingJobId: cycleJobIds(mainStore, OMICS_PROGRESSING_RUNS),
  progressPhases: OMICS_PROGRESS_PHASES,
  // Demo IDs start 811–813 and 821/822, the second account's 92, error cases 404/429/500.
  madeUpIds: madeUpIds((f) => `95${f}`),
  create: createOmicsEmulator,
  list: {
    operations: ['ListReferenceImportJobs', 'ListReferenceStores', 'ListRuns', 'ListBatch'],
    demo: (anchorMs) => [
      ...summaries(omicsListedJobs(anchorMs)),
      ...runSummaries(anchorMs),
      ...batchSummaries(anchorMs),
    ],
    big: (anchorMs, n) => [
      ...runSummaries(anchorMs),
      ...batchSummaries(anchorMs),
      ...OMICS_REFERENCE_STORES.flatMap(({ id: store }) =>
        listedEntries(
          bigAccountJobs(
            OMICS_BIG_ACCOUNT,
            anchorMs,
            store,
            n - (store === data.OMICS_DEMO_REFERENCE_STORE_ID ? 1 : 0),
          ),
          (id) => `omics:${region}:${store}:${id}`,
        ),
      ),
    ],
    secondAccount: (anchorMs) => summaries(omicsSecondAccountJobs(anchorMs)),
  },
  secondAccount: {
    shared: {
      region,
      referenceStoreId: OMICS_SECOND_ACCOUNT_STORE_IDS.shared,
      jobId: OMICS_SECOND_ACCOUNT_JOB_IDS.shared,
    },
    example: {
      region,
      referenceStoreId: OMICS_SECOND_ACCOUNT_STORE_IDS.staging,
      jobId: OMICS_SECOND_ACCOUNT_JOB_IDS.completed,
    },
  },
} as const satisfies EmulatorDescriptor<
  'omics',
  typeof data,
  { region: string; referenceStoreId: string; jobId: string }
>;
