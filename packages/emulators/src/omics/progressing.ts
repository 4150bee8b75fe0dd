import { cycleRuns, cyclePhases, isoMillis, phaseAt, type CyclePoint } from '../progress.ts';
import { OMICS_DEMO_REFERENCE_STORE_ID, type WireOmicsJob, type WireOmicsSource } from './data.ts';

/**
 * The progressing HealthOmics reference import: `SUBMITTED`, then `IN_PROGRESS` while its three
 * sources go `NOT_STARTED → IN_PROGRESS → FINISHED` one after the other (each gets its
 * referenceId when it finishes), then `COMPLETED` with its completionTime until the cycle ends.
 *
 * Each cycle is a new import job, as each StartReferenceImportJob is: its ID is `8110394` and the
 * cycle's start in ms as 14 digits (21 digits, within the API's 10–36), so a job never goes from
 * COMPLETED back to SUBMITTED; the last OMICS_PROGRESSING_KEPT_CYCLES runs stay, COMPLETED,
 * answered by GetReferenceImportJob and listed by ListReferenceImportJobs in the main store.
 */

export const OMICS_PROGRESS_PHASES = cyclePhases([
  ['SUBMITTED', 6_000],
  ['IN_PROGRESS', 42_000],
  ['COMPLETED', 60_000],
]);

/** Source `k` is IN_PROGRESS during [6 + 12k, 18 + 12k) s of the cycle and FINISHED after. */
const OMICS_SOURCE_MS = 12_000;

const SOURCES: readonly { name: string; file: string; referenceId: string }[] = [
  {
    name: 'chr1',
    file: 's3://genomics-reference-demo/progressing/GRCh38.chr1.fa',
    referenceId: '3417629001',
  },
  {
    name: 'chr2',
    file: 's3://genomics-reference-demo/progressing/GRCh38.chr2.fa',
    referenceId: '3417629002',
  },
  {
    name: 'chrM',
    file: 's3://genomics-reference-demo/progressing/GRCh38.chrM.fa',
    referenceId: '3417629003',
  },
];

/** The job at a point of the cycle, in the wire shape of the static demo jobs. */
export function omicsProgressingJob(point: CyclePoint): WireOmicsJob {
  const phase = phaseAt(OMICS_PROGRESS_PHASES, point.offsetMs);
  const start = OMICS_PROGRESS_PHASES[1]?.fromMs ?? 0;
  const sources = SOURCES.map((s, k): WireOmicsSource => {
    const from = start + k * OMICS_SOURCE_MS;
    const status =
      point.offsetMs >= from + OMICS_SOURCE_MS
        ? 'FINISHED'
        : point.offsetMs >= from
          ? 'IN_PROGRESS'
          : 'NOT_STARTED';
    return {
      sourceFile: s.file,
      status,
      name: s.name,
      description: `GRCh38 ${s.name}, imported by the progressing demo job`,
      ...(status === 'FINISHED' ? { referenceId: s.referenceId } : {}),
    };
  });
  const done = phase.providerStatus === 'COMPLETED';
  return {
    id: OMICS_PROGRESSING_RUNS.idAt(point.cycleStartMs),
    referenceStoreId: OMICS_DEMO_REFERENCE_STORE_ID,
    roleArn: 'arn:aws:iam::123456789012:role/OmicsReferenceImportRole',
    status: phase.providerStatus,
    ...(done ? { statusMessage: 'The job completed successfully.' } : {}),
    creationTime: isoMillis(point.cycleStartMs),
    ...(done ? { completionTime: isoMillis(point.cycleStartMs + phase.fromMs) } : {}),
    sources,
  };
}

/** How many finished runs stay after the current one (an hour's). */
const OMICS_PROGRESSING_KEPT_CYCLES = 60;

/** Its runs: IDs `8110394` and the cycle's start in ms as 14 digits. */
export const OMICS_PROGRESSING_RUNS = cycleRuns(
  { prefix: '8110394', radix: 10, width: 14, keep: OMICS_PROGRESSING_KEPT_CYCLES },
  omicsProgressingJob,
);
