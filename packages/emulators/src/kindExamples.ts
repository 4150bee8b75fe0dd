/**
 * The demo jobs of the further kinds of job — a provider's kinds beyond its first (HealthOmics
 * workflow runs and run batches, AWS Batch service jobs) — by the global IDs the gateway reads them
 * by, as each provider's data module names its first kind's (`EXAMPLE_GLOBAL_ID`,
 * `DEMO_GLOBAL_IDS`). All are the default account's, in the demo region.
 */
import { BATCH_DEMO_REGION } from './batch/data.ts';
import { SERVICE_JOB_IDS } from './batch/serviceJobData.ts';
import { OMICS_DEMO_REGION } from './omics/data.ts';
import { OMICS_DEMO_BATCHES } from './omics/runBatchData.ts';
import { OMICS_DEMO_RUNS } from './omics/runs.ts';

/** Each further kind's demo jobs, by global ID; its example (the one a dashboard shows) first. */
const BY_KIND: readonly (readonly string[])[] = [
  OMICS_DEMO_RUNS.map((r) => `omicsrun:${OMICS_DEMO_REGION}:${r.uuid}:${r.id}`),
  OMICS_DEMO_BATCHES.map((b) => `omicsbatch:${OMICS_DEMO_REGION}:${b.id}`),
  Object.values(SERVICE_JOB_IDS).map((id) => `batchservice:${BATCH_DEMO_REGION}:${id}`),
];

/** Every demo job of the further kinds of job, by global ID. */
export const DEMO_KIND_GLOBAL_IDS: readonly string[] = BY_KIND.flat();

/** One demo job of each further kind of job (a completed run, the cohort batch, a service job), by global ID. */
export const EXAMPLE_KIND_GLOBAL_IDS: readonly string[] = BY_KIND.map((ids) => ids[0]!);
